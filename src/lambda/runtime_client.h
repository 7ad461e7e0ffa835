// RuntimeClient: the Lambda Runtime API (2018-06-01) from the function's side.
//
// The runtime asks for the next event (GET /runtime/invocation/next), answers it
// (POST .../{id}/response) or reports it failed (POST .../{id}/error), and reports a failed
// initialisation (POST /runtime/init/error). All of it over ONE kept-alive HTTP/1.1 connection
// to AWS_LAMBDA_RUNTIME_API, reused by every call; a connection found closed is reopened once.
//
// No call has a timeout. The /next long poll must not have one: Lambda freezes the sandbox
// between invocations, and a timer would fire on thaw and break a healthy connection. The
// others talk to a local endpoint that answers at once; if it does not, Lambda ends the
// sandbox anyway.
//
// Thread safety: one thread at a time (it owns its io_context and connection).
#ifndef HITCOUNTER_LAMBDA_RUNTIME_CLIENT_H_
#define HITCOUNTER_LAMBDA_RUNTIME_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "hitcounter/clock.h"
#include "hitcounter/status.h"

namespace hitcounter::lambda {

// Largest event read. Lambda refuses synchronous payloads over 6 MB, so a real event is never
// larger; past it the event is dropped unread (Invocation::event_too_large) and answered 413.
inline constexpr std::size_t kMaxEventBytes = 6 * 1024 * 1024;

// One event to handle.
struct Invocation {
  std::string request_id;              // Lambda-Runtime-Aws-Request-Id
  std::optional<UnixMillis> deadline;  // Lambda-Runtime-Deadline-Ms (Unix epoch ms)
  std::string trace_id;                // Lambda-Runtime-Trace-Id; may be empty
  std::string event;                   // the payload; empty when event_too_large
  bool event_too_large = false;        // larger than kMaxEventBytes: not read
};

// What /error and /init/error receive: {"errorMessage", "errorType", "stackTrace": []}, and the
// type again in Lambda-Runtime-Function-Error-Type.
struct ErrorReport {
  std::string type;  // "Category.Reason", e.g. "Runtime.InvalidConfiguration"
  std::string message;
};

class RuntimeClient {
 public:
  // A client of `address` ("host:port", the value of AWS_LAMBDA_RUNTIME_API). Connects
  // lazily; kInvalidArgument when `address` is not host:port.
  static Result<std::unique_ptr<RuntimeClient>> Create(std::string_view address);

  ~RuntimeClient();
  RuntimeClient(const RuntimeClient&) = delete;
  RuntimeClient& operator=(const RuntimeClient&) = delete;

  // Waits, without a timeout, for the next event. kUnavailable when the Runtime API cannot be
  // reached or answers something other than 200 with a request id. `asked`, when set, runs once,
  // on this thread, as soon as the request is written and before the wait: from then on the
  // runtime has asked for its event (the end of a cold start, as Lambda counts it).
  Result<Invocation> Next(const std::function<void()>& asked = nullptr);

  // Sends the result of an invocation. OK when the Runtime API accepted it (2xx);
  // kUnavailable otherwise, with its status and answer in the message.
  Status PostResponse(const std::string& request_id, const std::string& body);
  Status PostError(const std::string& request_id, const ErrorReport& error);
  Status PostInitError(const ErrorReport& error);

  // How many connections were opened so far (1 while the first is reused). For tests.
  std::size_t connections_opened() const;

 private:
  struct Impl;
  explicit RuntimeClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The JSON body of an error report.
std::string ErrorReportJson(const ErrorReport& error);

}  // namespace hitcounter::lambda

#endif  // HITCOUNTER_LAMBDA_RUNTIME_CLIENT_H_

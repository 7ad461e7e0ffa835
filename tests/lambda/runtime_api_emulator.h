// RuntimeApiEmulator: the AWS Lambda Runtime API (2018-06-01) on a loopback port, so that tests
// and benchmarks can drive a real `bootstrap` as Lambda would.
//
// As AWS documents it (docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html):
//   GET  /2018-06-01/runtime/invocation/next          long poll: answers when an event is
//        queued, with Lambda-Runtime-Aws-Request-Id, Lambda-Runtime-Deadline-Ms (Unix epoch ms:
//        now + the invocation's timeout), Lambda-Runtime-Invoked-Function-Arn and
//        Lambda-Runtime-Trace-Id;
//   POST /2018-06-01/runtime/invocation/{id}/response  202 {"status":"OK"}; 400 InvalidRequestID
//        for an id that is not in flight (unknown, or already answered);
//   POST /2018-06-01/runtime/invocation/{id}/error     202, records Lambda-Runtime-Function-
//        Error-Type and the body;
//   POST /2018-06-01/runtime/init/error                202, records the same.
// Anything else is 404. It keeps connections alive and counts them.
//
// Thread safety: the server runs on its own thread; every public method may be called from any
// thread.
#ifndef HITCOUNTER_TESTS_LAMBDA_RUNTIME_API_EMULATOR_H_
#define HITCOUNTER_TESTS_LAMBDA_RUNTIME_API_EMULATOR_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace hitcounter::testing {

class RuntimeApiEmulator {
 public:
  // What the runtime sent back for one invocation, or for its initialisation.
  struct Outcome {
    enum class Kind { kResponse, kError, kInitError };
    Kind kind = Kind::kResponse;
    std::string body;
    std::string error_type;  // Lambda-Runtime-Function-Error-Type (errors only)
    // Whether it arrived by the invocation's Lambda-Runtime-Deadline-Ms, as the emulator's clock
    // saw it on arrival (Lambda stops a function at that time).
    bool before_deadline = true;
  };

  using SteadyTime = std::chrono::steady_clock::time_point;

  // Listens on 127.0.0.1 (a free port) and serves on a thread of its own.
  RuntimeApiEmulator();
  ~RuntimeApiEmulator();
  RuntimeApiEmulator(const RuntimeApiEmulator&) = delete;
  RuntimeApiEmulator& operator=(const RuntimeApiEmulator&) = delete;

  // "127.0.0.1:PORT", the value for AWS_LAMBDA_RUNTIME_API.
  std::string address() const;

  // Queues `event` for the next GET /next, with a deadline `timeout` after it is handed out.
  // Returns its request id.
  std::string Invoke(std::string event,
                     std::chrono::milliseconds timeout = std::chrono::seconds(3));

  // Invoke, then wait up to `wait` for the outcome.
  std::optional<Outcome> InvokeAndWait(std::string event,
                                       std::chrono::milliseconds wait = std::chrono::seconds(30));

  // The outcome of `request_id`, waiting up to `wait` for it.
  std::optional<Outcome> WaitForOutcome(const std::string& request_id,
                                        std::chrono::milliseconds wait);

  // The /init/error report, waiting up to `wait` for it.
  std::optional<Outcome> WaitForInitError(std::chrono::milliseconds wait);

  // When the first GET /next arrived, waiting up to `wait` for it.
  std::optional<SteadyTime> WaitForFirstNext(std::chrono::milliseconds wait);

  // The trace id the emulator sent with `request_id`.
  std::string TraceIdOf(const std::string& request_id);

  std::size_t connections_accepted();
  std::size_t next_requests();

 private:
  struct Server;
  friend struct Server;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Outcome> outcomes_;
  std::optional<Outcome> init_error_;
  std::optional<SteadyTime> first_next_;
  std::size_t connections_ = 0;
  std::size_t nexts_ = 0;
  std::size_t serial_ = 0;
  std::unique_ptr<Server> server_;
};

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_LAMBDA_RUNTIME_API_EMULATOR_H_

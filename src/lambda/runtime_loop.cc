#include "lambda/runtime_loop.h"

#include <stdlib.h>

#include <array>
#include <cstring>
#include <exception>
#include <string_view>

#include "core/log_line.h"
#include "lambda/event_handler.h"
#include "lambda/log.h"

namespace hitcounter::lambda {
namespace {

using std::chrono::steady_clock;

UnixMillis EpochMillisNow() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// _X_AMZN_TRACE_ID, rewritten in place for each invocation. setenv() would do, but glibc keeps
// every value it ever set (old pointers may still be in use), so a new trace id per invocation
// grew the heap without bound. Here one buffer is put in the environment once and overwritten.
// Not thread-safe against concurrent getenv(): the loop is the only thread.
class TraceIdVariable {
 public:
  void Set(const std::string& trace_id) {
    if (trace_id.empty() || trace_id.size() > kMaxTraceIdBytes) {
      unsetenv(kName.data());  // too long is dropped rather than cut: a cut id misleads X-Ray
      in_environment_ = false;
      return;
    }
    std::memcpy(buffer_.data() + kName.size() + 1, trace_id.c_str(), trace_id.size() + 1);
    if (!in_environment_) {
      std::memcpy(buffer_.data(), kName.data(), kName.size());
      buffer_[kName.size()] = '=';
      putenv(buffer_.data());
      in_environment_ = true;
    }
  }

 private:
  static constexpr std::string_view kName = "_X_AMZN_TRACE_ID";
  std::array<char, kName.size() + 1 + kMaxTraceIdBytes + 1> buffer_{};
  bool in_environment_ = false;
};

void WriteLogLine(std::FILE* log, const std::string& request_id, const HandledEvent& handled,
                  steady_clock::duration took) {
  LogLine line("info", "invocation");
  line.Add("requestId", request_id);
  if (!handled.route.empty()) line.Add("route", handled.route);
  line.Add("status", handled.status);
  if (handled.count) line.Add("count", *handled.count);
  if (!handled.error.empty()) line.Add("error", handled.error);
  if (!handled.detail.empty()) line.Add("detail", handled.detail);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(took).count();
  line.Add("durationMs", static_cast<double>(micros) / 1000.0);
  line.WriteTo(log);
}

// One invocation. Unexpected failures become /error; the loop goes on either way.
void Serve(RuntimeClient& runtime, Service& service, const LoopOptions& options,
           TraceIdVariable& trace_id, const Invocation& invocation) {
  const auto start = steady_clock::now();
  trace_id.Set(invocation.trace_id);
  const Deadline deadline = invocation.deadline
                                ? StoreDeadline(*invocation.deadline, EpochMillisNow(), start)
                                : kNoDeadline;
  Status posted;
  try {
    HandledEvent handled =
        invocation.event_too_large
            ? HandleOversizedEvent()
            : HandleEvent(service, invocation.event, deadline, invocation.request_id);
    WriteLogLine(options.log, invocation.request_id, handled, steady_clock::now() - start);
    posted = runtime.PostResponse(invocation.request_id, handled.proxy_response);
  } catch (const std::exception& e) {
    HandledEvent failed;
    failed.error = "Runtime.UnhandledException";
    WriteLogLine(options.log, invocation.request_id, failed, steady_clock::now() - start);
    posted = runtime.PostError(invocation.request_id, ErrorReport{failed.error, e.what()});
  }
  if (!posted.ok()) LogError(invocation.request_id, posted.message());
}

}  // namespace

aws::Deadline StoreDeadline(UnixMillis lambda_deadline, UnixMillis epoch_now,
                            aws::Deadline steady_now) {
  const auto left = std::chrono::milliseconds(lambda_deadline - epoch_now) - kAnswerMargin;
  return left.count() > 0 ? steady_now + left : steady_now;
}

int RunLoop(RuntimeClient& runtime, Service& service, const LoopOptions& options) {
  // Static: the environment keeps pointing into it after RunLoop returns.
  static TraceIdVariable trace_id;
  for (bool first = true;; first = false) {
    Result<Invocation> invocation =
        runtime.Next(first ? options.asked_for_first_event : std::function<void()>());
    if (!invocation.ok()) {
      LogError("", invocation.status().message());
      return 1;
    }
    if (first && options.before_first_event) options.before_first_event();
    Serve(runtime, service, options, trace_id, *invocation);
  }
}

}  // namespace hitcounter::lambda

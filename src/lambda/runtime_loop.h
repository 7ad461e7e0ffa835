// The function's main loop: next event, handle it, answer it, log one line; forever.
//
// Per invocation it sets _X_AMZN_TRACE_ID from Lambda-Runtime-Trace-Id (X-Ray reads it), and
// bounds every store call by the invocation's deadline (Lambda-Runtime-Deadline-Ms), less
// kAnswerMargin to still send the answer. Expected failures are proxy responses (see
// event_handler.h); only an unexpected one (an exception) goes to /error, and the loop goes on.
//
// The log line, on `log` (stdout: CloudWatch), is one JSON object per invocation:
//   {"requestId":"..","route":"/a","status":200,"count":3,"durationMs":1.234}
// with "error":"<code>" instead of "count" for an error answer, written just before the answer
// is sent (durationMs: from the event's arrival to its answer being ready). Never the payload,
// never headers or credentials.
//
// Single-threaded: one invocation at a time, as Lambda delivers them.
#ifndef HITCOUNTER_LAMBDA_RUNTIME_LOOP_H_
#define HITCOUNTER_LAMBDA_RUNTIME_LOOP_H_

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <functional>

#include "aws/http_client.h"
#include "hitcounter/clock.h"
#include "hitcounter/service.h"
#include "lambda/runtime_client.h"

namespace hitcounter::lambda {

// Time kept, before the invocation's deadline, to answer a store call that ran out of time
// (a 503) while Lambda still takes answers. Posting to the local Runtime API takes well under
// a millisecond; this leaves room on a loaded host.
inline constexpr std::chrono::milliseconds kAnswerMargin{50};

// Longest Lambda-Runtime-Trace-Id put into _X_AMZN_TRACE_ID. An X-Ray trace header (Root,
// Parent, Sampled, Lineage) is about 100-200 bytes; a longer one is not passed on.
inline constexpr std::size_t kMaxTraceIdBytes = 2048;

struct LoopOptions {
  // Runs once, as soon as the first GET /next is written: the cold start is over, and work that
  // must not delay it (opening the DynamoDB connection) may begin while the event is awaited.
  std::function<void()> asked_for_first_event;
  // Runs once, when the first event has arrived, before it is handled: the work begun above can
  // be waited for here, so the event does not start it a second time.
  std::function<void()> before_first_event;
  std::FILE* log = stdout;  // not owned
};

// The steady-clock time by which store calls must end, for a Lambda deadline in epoch ms:
// `lambda_deadline` - kAnswerMargin, converted with `epoch_now` and `steady_now` taken at the
// same moment. Never before `steady_now`.
aws::Deadline StoreDeadline(UnixMillis lambda_deadline, UnixMillis epoch_now,
                            aws::Deadline steady_now);

// Serves invocations until the Runtime API cannot be reached any more. Returns the process
// exit code (1: the Runtime API is gone).
int RunLoop(RuntimeClient& runtime, Service& service, const LoopOptions& options);

}  // namespace hitcounter::lambda

#endif  // HITCOUNTER_LAMBDA_RUNTIME_LOOP_H_

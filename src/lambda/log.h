// The function's own problems (not an invocation's outcome): one JSON line on stderr, which
// Lambda sends to CloudWatch with stdout.
#ifndef HITCOUNTER_LAMBDA_LOG_H_
#define HITCOUNTER_LAMBDA_LOG_H_

#include <string_view>

namespace hitcounter::lambda {

// A LogLine (core/log_line.h) at level "error" with the requestId, left out when empty.
void LogError(std::string_view request_id, std::string_view message);

}  // namespace hitcounter::lambda

#endif  // HITCOUNTER_LAMBDA_LOG_H_

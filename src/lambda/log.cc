#include "lambda/log.h"

#include <cstdio>

#include "core/log_line.h"

namespace hitcounter::lambda {

void LogError(std::string_view request_id, std::string_view message) {
  LogLine line("error", message);
  if (!request_id.empty()) line.Add("requestId", request_id);
  line.WriteTo(stderr);
}

}  // namespace hitcounter::lambda

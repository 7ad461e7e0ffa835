// The flags that set rate limits (hitcounter/rate_limit.h) for `hitcounter serve`:
//
//   --rate-limit LIMIT/WINDOW   every route, e.g. 100/1m (env HITCOUNTER_RATE_LIMIT); none
//                               by default
//   --rate-limit-file PATH      per-prefix overrides, one "PREFIX LIMIT/WINDOW" or
//                               "PREFIX unlimited" per line (env HITCOUNTER_RATE_LIMIT_FILE)
//   --rate-limit-rules RULES    the same rules inline, separated by ';' (env
//                               HITCOUNTER_RATE_LIMIT_RULES, as the Lambda function reads them)
#ifndef HITCOUNTER_CLI_RATE_LIMIT_FLAGS_H_
#define HITCOUNTER_CLI_RATE_LIMIT_FLAGS_H_

#include <string>

#include "hitcounter/rate_limit.h"

namespace CLI {
class App;  // CLI11's, included only where flags are added: it is heavy to compile
}  // namespace CLI

namespace hitcounter::cli {

// The largest rules file read: kMaxRateLimitRules lines fit many times over.
inline constexpr std::size_t kMaxRateLimitFileBytes = 256 * 1024;

struct RateLimitFlags {
  std::string limit;  // LIMIT/WINDOW; empty: no default limit
  std::string file;   // empty: no rules
  std::string rules;  // inline rules, ';'-separated; taken with the file's
};

void AddRateLimitFlags(CLI::App& command, RateLimitFlags& flags);

// The policy the flags describe; kInvalidArgument naming the flag, file and line at fault.
Result<RateLimitPolicy> LoadRateLimitPolicy(const RateLimitFlags& flags);

}  // namespace hitcounter::cli

#endif  // HITCOUNTER_CLI_RATE_LIMIT_FLAGS_H_

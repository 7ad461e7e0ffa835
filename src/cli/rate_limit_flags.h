// The flags that set rate limits (hitcounter/rate_limit.h) for `hitcounter serve`:
//
//   --rate-limit LIMIT/WINDOW   every route, e.g. 100/1m (env HITCOUNTER_RATE_LIMIT); none
//                               by default
//   --rate-limit-file PATH      per-prefix overrides, one "PREFIX LIMIT/WINDOW" or
//                               "PREFIX unlimited" per line (env HITCOUNTER_RATE_LIMIT_FILE)
#ifndef HITCOUNTER_CLI_RATE_LIMIT_FLAGS_H_
#define HITCOUNTER_CLI_RATE_LIMIT_FLAGS_H_

#include <CLI/CLI.hpp>
#include <string>

#include "hitcounter/rate_limit.h"

namespace hitcounter::cli {

// The largest rules file read: kMaxRateLimitRules lines fit many times over.
inline constexpr std::size_t kMaxRateLimitFileBytes = 256 * 1024;

struct RateLimitFlags {
  std::string limit;  // LIMIT/WINDOW; empty: no default limit
  std::string file;   // empty: no rules
};

void AddRateLimitFlags(CLI::App& command, RateLimitFlags& flags);

// The policy the flags describe; kInvalidArgument naming the flag, file and line at fault.
Result<RateLimitPolicy> LoadRateLimitPolicy(const RateLimitFlags& flags);

}  // namespace hitcounter::cli

#endif  // HITCOUNTER_CLI_RATE_LIMIT_FLAGS_H_

#include "cli/rate_limit_flags.h"

#include <fstream>
#include <iterator>

namespace hitcounter::cli {

void AddRateLimitFlags(CLI::App& command, RateLimitFlags& flags) {
  command
      .add_option("--rate-limit", flags.limit,
                  "Counted hits per route and window, e.g. 100/1m (units s, m, h, d); none by "
                  "default. Over it: 429 with Retry-After")
      ->envname("HITCOUNTER_RATE_LIMIT");
  command
      .add_option("--rate-limit-file", flags.file,
                  "Per-prefix limits, one \"PREFIX LIMIT/WINDOW\" or \"PREFIX unlimited\" per "
                  "line; the longest matching prefix wins over --rate-limit")
      ->envname("HITCOUNTER_RATE_LIMIT_FILE");
}

Result<RateLimitPolicy> LoadRateLimitPolicy(const RateLimitFlags& flags) {
  std::optional<RateLimit> default_limit;
  if (!flags.limit.empty()) {
    Result<RateLimit> parsed = ParseRateLimit(flags.limit);
    if (!parsed.ok()) return Status::InvalidArgument("--rate-limit: " + parsed.status().message());
    default_limit = *parsed;
  }
  std::string rules;
  if (!flags.file.empty()) {
    std::ifstream in(flags.file, std::ios::binary);
    if (!in) return Status::InvalidArgument("--rate-limit-file: cannot read " + flags.file);
    rules.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (rules.size() > kMaxRateLimitFileBytes) {
      return Status::InvalidArgument("--rate-limit-file: " + flags.file + " is larger than " +
                                     std::to_string(kMaxRateLimitFileBytes) + " bytes");
    }
  }
  Result<RateLimitPolicy> policy = RateLimitPolicy::Make(default_limit, rules);
  if (!policy.ok()) {
    return Status::InvalidArgument("--rate-limit-file " + flags.file + ": " +
                                   policy.status().message());
  }
  return policy;
}

}  // namespace hitcounter::cli

#include "cli/rate_limit_flags.h"

#include <CLI/CLI.hpp>
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
  command
      .add_option("--rate-limit-rules", flags.rules,
                  "The same rules inline, separated by ';' (as the Lambda function reads them), "
                  "e.g. \"/login 5/1m; /health unlimited\"; taken with --rate-limit-file's")
      ->envname("HITCOUNTER_RATE_LIMIT_RULES");
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
  // Each source alone first, so that an error names the one at fault; then both together,
  // which also refuses a prefix that both give.
  if (Result<RateLimitPolicy> alone = RateLimitPolicy::Make(default_limit, rules); !alone.ok()) {
    return Status::InvalidArgument("--rate-limit-file " + flags.file + ": " +
                                   alone.status().message());
  }
  if (Result<RateLimitPolicy> alone = RateLimitPolicy::Make(default_limit, flags.rules);
      !alone.ok()) {
    return Status::InvalidArgument("--rate-limit-rules: " + alone.status().message());
  }
  Result<RateLimitPolicy> policy = RateLimitPolicy::Make(default_limit, rules + "\n" + flags.rules);
  if (!policy.ok()) {
    return Status::InvalidArgument("--rate-limit-file and --rate-limit-rules: " +
                                   policy.status().message());
  }
  return policy;
}

}  // namespace hitcounter::cli

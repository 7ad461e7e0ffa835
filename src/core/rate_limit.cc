#include "hitcounter/rate_limit.h"

#include <algorithm>
#include <charconv>

#include "core/text.h"

namespace hitcounter {
namespace {

constexpr std::string_view kWhitespace = " \t\r";

// Decimal digits only (no sign, no spaces), within int64.
std::optional<std::int64_t> ParseCount(std::string_view digits) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
      digits.front() == '-' || digits.front() == '+') {
    return std::nullopt;
  }
  return value;
}

std::optional<std::int64_t> SecondsPerUnit(char unit) {
  switch (unit) {
    case 's':
      return 1;
    case 'm':
      return 60;
    case 'h':
      return 3'600;
    case 'd':
      return 86'400;
    default:
      return std::nullopt;
  }
}

Status BadLimit(std::string_view text) {
  return Status::InvalidArgument(
      "bad rate limit \"" + std::string(text) +
      "\": want LIMIT/WINDOW, e.g. 100/1m or 5/30s (units s, m, h, d), limit 1.." +
      std::to_string(kMaxRateLimit) + ", window 1s..1d");
}

Result<RateLimitRule> ParseRule(std::string_view line) {
  std::size_t space = line.find_last_of(kWhitespace);
  if (space == std::string_view::npos) {
    return Status::InvalidArgument("want \"PREFIX LIMIT/WINDOW\" or \"PREFIX unlimited\"");
  }
  RateLimitRule rule{std::string(TrimBlanks(line.substr(0, space))), std::nullopt};
  if (rule.prefix.empty() || rule.prefix.front() != '/') {
    return Status::InvalidArgument("the prefix must start with '/'");
  }
  std::string_view limit = line.substr(space + 1);
  if (limit == "unlimited") return rule;
  Result<RateLimit> parsed = ParseRateLimit(limit);
  if (!parsed.ok()) return parsed.status();
  rule.limit = *parsed;
  return rule;
}

}  // namespace

UnixMillis RateLimit::WindowStart(UnixMillis now) const {
  UnixMillis offset = now % WindowMillis();
  if (offset < 0) offset += WindowMillis();  // times before 1970 still floor to a window
  return now - offset;
}

std::int64_t RateLimit::SecondsLeft(UnixMillis now) const {
  UnixMillis left = WindowStart(now) + WindowMillis() - now;
  return std::max<std::int64_t>(1, (left + 999) / 1000);
}

Result<RateLimit> ParseRateLimit(std::string_view text) {
  std::size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash + 1 == text.size()) return BadLimit(text);
  std::optional<std::int64_t> limit = ParseCount(text.substr(0, slash));
  std::string_view window = text.substr(slash + 1);
  std::optional<std::int64_t> unit = SecondsPerUnit(window.back());
  window.remove_suffix(1);
  std::optional<std::int64_t> units = window.empty() ? 1 : ParseCount(window);
  if (!limit || !unit || !units || *limit < 1 || *limit > kMaxRateLimit || *units < 1 ||
      *units > kMaxRateWindowSeconds / *unit) {
    return BadLimit(text);
  }
  return RateLimit{*limit, *units * *unit};
}

Result<RateLimitPolicy> RateLimitPolicy::Make(std::optional<RateLimit> default_limit,
                                              std::string_view rules) {
  RateLimitPolicy policy;
  policy.default_limit_ = default_limit;
  int line_number = 0;
  while (!rules.empty()) {
    std::size_t end = rules.find_first_of("\n;");
    std::string_view line = TrimBlanks(rules.substr(0, end));
    rules = end == std::string_view::npos ? std::string_view() : rules.substr(end + 1);
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    Result<RateLimitRule> rule = ParseRule(line);
    auto fail = [&](const std::string& why) {
      return Status::InvalidArgument("rate limit rule " + std::to_string(line_number) + " (\"" +
                                     std::string(line) + "\"): " + why);
    };
    if (!rule.ok()) return fail(rule.status().message());
    for (const RateLimitRule& seen : policy.rules_) {
      if (seen.prefix == rule->prefix) return fail("this prefix already has a rule");
    }
    if (policy.rules_.size() == kMaxRateLimitRules) {
      return fail("more than " + std::to_string(kMaxRateLimitRules) + " rules");
    }
    policy.rules_.push_back(std::move(rule).value());
  }
  std::stable_sort(policy.rules_.begin(), policy.rules_.end(),
                   [](const RateLimitRule& a, const RateLimitRule& b) {
                     return a.prefix.size() > b.prefix.size();
                   });
  return policy;
}

std::optional<RateLimit> RateLimitPolicy::LimitFor(std::string_view route) const {
  for (const RateLimitRule& rule : rules_) {
    if (route.substr(0, rule.prefix.size()) == rule.prefix) return rule.limit;
  }
  return default_limit_;
}

}  // namespace hitcounter

// Rate limits: at most N counted hits per route in each window.
//
// The algorithm is a fixed window: time is cut into windows of `window_seconds`, aligned to
// the Unix epoch (a 1m window runs from :00.000 to :59.999 of each minute, the same for every
// route and every process), and each route may count at most `limit` hits in one window. A hit
// over the limit is refused (429) and counts nothing. Worst case: a client can have `limit`
// hits counted at the end of one window and `limit` more at the start of the next, so any
// interval of `window_seconds` can hold up to 2 x limit counted hits, never more. A sliding-
// window counter would halve that burst but only approximates "at most N per window"; the
// fixed window is exact, and it takes one atomic step in each store (see Store::Increment).
//
// A policy is a default limit for every route (none: unlimited) and rules that override it for
// the routes under a prefix; the longest matching prefix wins. Limits apply to the route as
// counted: when a route template (route_templates.h) matches a hit, to the template, so all
// the hits on "/users/{id}" share one window, and a rule names it: "/users/{id} 10/1m".
//
// Thread safety: a RateLimitPolicy is immutable once built; share it freely.
#ifndef HITCOUNTER_RATE_LIMIT_H_
#define HITCOUNTER_RATE_LIMIT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hitcounter/clock.h"
#include "hitcounter/status.h"

namespace hitcounter {

// Bounds of one limit: 1 to kMaxRateLimit hits in 1 s to kMaxRateWindowSeconds (one day).
inline constexpr std::int64_t kMaxRateLimit = 1'000'000'000;
inline constexpr std::int64_t kMaxRateWindowSeconds = 86'400;

// Most rules in one policy (each hit tries them all: a long list is a misconfiguration).
inline constexpr std::size_t kMaxRateLimitRules = 1'000;

struct RateLimit {
  std::int64_t limit = 0;           // counted hits per window, 1..kMaxRateLimit
  std::int64_t window_seconds = 0;  // 1..kMaxRateWindowSeconds

  UnixMillis WindowMillis() const { return window_seconds * 1000; }
  // The start of the window holding `now`.
  UnixMillis WindowStart(UnixMillis now) const;
  // Whole seconds from `now` until the window holding it ends, at least 1 (for Retry-After).
  std::int64_t SecondsLeft(UnixMillis now) const;

  bool operator==(const RateLimit&) const = default;
};

// "LIMIT/WINDOW": a count, then a window of an optional count and a unit s, m, h or d:
// "100/1m", "5/30s", "1000/s", "10000/1d". kInvalidArgument naming the expected form.
Result<RateLimit> ParseRateLimit(std::string_view text);

// The rate limit applying to the routes under `prefix`; no limit when `limit` is empty.
struct RateLimitRule {
  std::string prefix;  // a decoded route prefix, as /_stats shows routes: "/login", "/api/"
  std::optional<RateLimit> limit;
};

class RateLimitPolicy {
 public:
  // No limit anywhere.
  RateLimitPolicy() = default;

  // `default_limit` for every route, overridden by `rules`. Rules are text, one per line (or
  // separated by ';', handy in an environment variable): "PREFIX LIMIT/WINDOW" or
  // "PREFIX unlimited". Blank lines and lines starting with '#' are ignored. A prefix starts
  // with '/'. kInvalidArgument naming the line for anything else, or a prefix given twice.
  static Result<RateLimitPolicy> Make(std::optional<RateLimit> default_limit,
                                      std::string_view rules);

  // The limit for `route` (a normalised route, after route templates): the longest rule
  // prefix it starts with, else the default.
  std::optional<RateLimit> LimitFor(std::string_view route) const;

  bool empty() const { return !default_limit_ && rules_.empty(); }

 private:
  std::optional<RateLimit> default_limit_;
  std::vector<RateLimitRule> rules_;  // longest prefix first
};

}  // namespace hitcounter

#endif  // HITCOUNTER_RATE_LIMIT_H_

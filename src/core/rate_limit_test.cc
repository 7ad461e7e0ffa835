#include "hitcounter/rate_limit.h"

#include <gtest/gtest.h>

namespace hitcounter {
namespace {

TEST(ParseRateLimit, ReadsACountPerWindowInEachUnit) {
  EXPECT_EQ(*ParseRateLimit("100/1m"), (RateLimit{100, 60}));
  EXPECT_EQ(*ParseRateLimit("5/30s"), (RateLimit{5, 30}));
  EXPECT_EQ(*ParseRateLimit("1000/s"), (RateLimit{1000, 1}));
  EXPECT_EQ(*ParseRateLimit("7/2h"), (RateLimit{7, 7200}));
  EXPECT_EQ(*ParseRateLimit("1/1d"), (RateLimit{1, 86400}));
}

TEST(ParseRateLimit, RefusesWhatIsNotACountPerWindowWithinBounds) {
  for (const char* bad :
       {"", "100", "100/", "/1m", "0/1m", "-1/1m", "+1/1m", "1.5/1m", "10/0s", "10/1w", "10/m1",
        "10/2d", "10/86401s", "1000000001/1s", "10 /1m", "99999999999999999999/1s"}) {
    Result<RateLimit> limit = ParseRateLimit(bad);
    ASSERT_FALSE(limit.ok()) << bad;
    EXPECT_NE(limit.status().message().find("LIMIT/WINDOW"), std::string::npos) << bad;
  }
}

TEST(RateLimit, WindowsAreAlignedToTheEpoch) {
  RateLimit per_minute{5, 60};
  EXPECT_EQ(per_minute.WindowStart(120'000), 120'000);
  EXPECT_EQ(per_minute.WindowStart(179'999), 120'000);
  EXPECT_EQ(per_minute.WindowStart(180'000), 180'000);
}

TEST(RateLimit, SecondsLeftRoundUpAndAreNeverZero) {
  RateLimit per_minute{5, 60};
  EXPECT_EQ(per_minute.SecondsLeft(120'000), 60);
  EXPECT_EQ(per_minute.SecondsLeft(120'001), 60);
  EXPECT_EQ(per_minute.SecondsLeft(178'999), 2);
  EXPECT_EQ(per_minute.SecondsLeft(179'999), 1);
}

TEST(RateLimitPolicy, WithoutLimitsNothingIsLimited) {
  RateLimitPolicy none;
  EXPECT_TRUE(none.empty());
  EXPECT_FALSE(none.LimitFor("/anything"));
}

TEST(RateLimitPolicy, TheLongestMatchingPrefixWinsOverTheDefault) {
  Result<RateLimitPolicy> policy = RateLimitPolicy::Make(
      RateLimit{100, 60}, "# comment\n/api/ 1000/1s\n\n/api/login 5/1m; /health unlimited");
  ASSERT_TRUE(policy.ok()) << policy.status().message();
  EXPECT_EQ(policy->LimitFor("/other"), (RateLimit{100, 60}));
  EXPECT_EQ(policy->LimitFor("/api/users"), (RateLimit{1000, 1}));
  EXPECT_EQ(policy->LimitFor("/api/login"), (RateLimit{5, 60}));
  EXPECT_EQ(policy->LimitFor("/api/login/sso"), (RateLimit{5, 60}));
  EXPECT_FALSE(policy->LimitFor("/health"));
  EXPECT_FALSE(policy->LimitFor("/healthz"));
}

TEST(RateLimitPolicy, RulesAloneLimitOnlyTheirRoutes) {
  Result<RateLimitPolicy> policy = RateLimitPolicy::Make(std::nullopt, "/login 5/1m");
  ASSERT_TRUE(policy.ok());
  EXPECT_FALSE(policy->empty());
  EXPECT_EQ(policy->LimitFor("/login"), (RateLimit{5, 60}));
  EXPECT_FALSE(policy->LimitFor("/"));
}

TEST(RateLimitPolicy, PrefixesMayHoldSpacesAndUnicode) {
  Result<RateLimitPolicy> policy = RateLimitPolicy::Make(std::nullopt, "/my path/café 2/1s");
  ASSERT_TRUE(policy.ok());
  EXPECT_EQ(policy->LimitFor("/my path/café/x"), (RateLimit{2, 1}));
}

TEST(RateLimitPolicy, ABadRuleIsRefusedNamingItsLine) {
  for (const char* rules : {"/login", "login 5/1m", "/login 5/1x", "/a 1/1s\n/a 2/1s"}) {
    Result<RateLimitPolicy> policy = RateLimitPolicy::Make(std::nullopt, rules);
    ASSERT_FALSE(policy.ok()) << rules;
    EXPECT_NE(policy.status().message().find("rate limit rule"), std::string::npos) << rules;
  }
  Result<RateLimitPolicy> second = RateLimitPolicy::Make(std::nullopt, "/a 1/1s\n/b five/1s");
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("rule 2"), std::string::npos);
}

TEST(RateLimitPolicy, TooManyRulesAreRefused) {
  std::string rules;
  for (std::size_t i = 0; i <= kMaxRateLimitRules; ++i)
    rules += "/r" + std::to_string(i) + " 1/1s\n";
  EXPECT_FALSE(RateLimitPolicy::Make(std::nullopt, rules).ok());
}

}  // namespace
}  // namespace hitcounter

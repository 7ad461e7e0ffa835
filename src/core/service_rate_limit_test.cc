// The service's rate limiting, over a store in memory and a clock the tests move.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "hitcounter/service.h"
#include "tests/support/memory_store.h"
#include "tests/support/service_replies.h"

namespace hitcounter {
namespace {

using testing::CountIn;
using testing::HeaderOf;

constexpr UnixMillis kNow = 1795701907123;  // 2026-11-26T14:05:07.123Z: 52.877 s of the minute left

class ServiceRateLimitTest : public ::testing::Test {
 protected:
  void Limit(std::optional<RateLimit> default_limit, std::string_view rules = "") {
    ServiceOptions options;
    options.rate_limits = std::move(RateLimitPolicy::Make(default_limit, rules)).value();
    service_ = std::make_unique<Service>(store_, clock_, std::move(options));
  }

  Response Call(std::string method, std::string target) {
    Response out;
    service_->Handle(Request{std::move(method), std::move(target)},
                     [&](Response r) { out = std::move(r); });
    return out;
  }

  testing::MemoryStore store_;
  FakeClock clock_{kNow};
  std::unique_ptr<Service> service_;
};

TEST_F(ServiceRateLimitTest, HitsOverTheLimitAre429AndCountNothing) {
  Limit(RateLimit{3, 60});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Call("GET", "/login").status, 200);
  Response refused = Call("POST", "/login");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.content_type, "application/json");
  rapidjson::Document body;
  body.Parse(refused.body.c_str());
  EXPECT_STREQ(body["error"].GetString(), "rate_limited");
  EXPECT_EQ(refused.error, "rate_limited") << "the code the logs and metrics name";
  EXPECT_STREQ(body["route"].GetString(), "/login");
  EXPECT_EQ(body["limit"].GetInt64(), 3);
  EXPECT_EQ(body["windowSeconds"].GetInt64(), 60);
  EXPECT_EQ(body["retryAfter"].GetInt64(), 53);
  EXPECT_TRUE(body.HasMember("message"));
  EXPECT_EQ(HeaderOf(refused, "Retry-After"), "53");
  EXPECT_EQ(HeaderOf(refused, "RateLimit-Policy"), "\"per-route\";q=3;w=60");
  EXPECT_EQ(HeaderOf(refused, "RateLimit"), "\"per-route\";r=0;t=53");
  EXPECT_EQ(CountIn(store_, "/login"), 3);
}

TEST_F(ServiceRateLimitTest, AcceptedHitsSayHowManyAreLeft) {
  Limit(RateLimit{3, 60});
  Response first = Call("GET", "/a");
  EXPECT_EQ(HeaderOf(first, "RateLimit-Policy"), "\"per-route\";q=3;w=60");
  EXPECT_EQ(HeaderOf(first, "RateLimit"), "\"per-route\";r=2;t=53");
  EXPECT_EQ(HeaderOf(first, "Retry-After"), "");
  EXPECT_NE(HeaderOf(first, "Access-Control-Expose-Headers").find("RateLimit"), std::string::npos);
  EXPECT_EQ(HeaderOf(Call("GET", "/a"), "RateLimit"), "\"per-route\";r=1;t=53");
  EXPECT_EQ(HeaderOf(Call("GET", "/a"), "RateLimit"), "\"per-route\";r=0;t=53");
}

TEST_F(ServiceRateLimitTest, TheLastMillisecondOfAWindowStillBelongsToIt) {
  Limit(RateLimit{1, 60});
  clock_.Set(1795701959999);  // 14:05:59.999
  EXPECT_EQ(Call("GET", "/a").status, 200);
  Response refused = Call("GET", "/a");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(HeaderOf(refused, "Retry-After"), "1");
  clock_.Advance(1);  // 14:06:00.000, a new window
  Response next = Call("GET", "/a");
  EXPECT_EQ(next.status, 200);
  EXPECT_EQ(HeaderOf(next, "RateLimit"), "\"per-route\";r=0;t=60");
  EXPECT_EQ(CountIn(store_, "/a"), 2);
}

TEST_F(ServiceRateLimitTest, AtMostTwiceTheLimitFitInAnyWindowLongInterval) {
  Limit(RateLimit{2, 10});
  clock_.Set(1795701909999);  // the last millisecond of a 10 s window
  int counted = 0;
  for (int i = 0; i < 5; ++i) counted += Call("GET", "/burst").status == 200;
  clock_.Advance(1);
  for (int i = 0; i < 5; ++i) counted += Call("GET", "/burst").status == 200;
  EXPECT_EQ(counted, 4);  // the documented worst case: 2 x limit across a boundary
}

TEST_F(ServiceRateLimitTest, EachRouteHasItsOwnWindow) {
  Limit(RateLimit{1, 60});
  EXPECT_EQ(Call("GET", "/a").status, 200);
  EXPECT_EQ(Call("GET", "/a").status, 429);
  EXPECT_EQ(Call("GET", "/b").status, 200);
  EXPECT_EQ(Call("GET", "/").status, 200);
}

TEST_F(ServiceRateLimitTest, SpellingsOfOneRouteShareItsWindow) {
  Limit(RateLimit{1, 60});
  EXPECT_EQ(Call("GET", "/abc").status, 200);
  EXPECT_EQ(Call("GET", "/a%62c?x=1").status, 429);
}

TEST_F(ServiceRateLimitTest, RulesOverrideTheDefaultByPrefix) {
  Limit(RateLimit{100, 60}, "/login 1/1m\n/static/ unlimited");
  EXPECT_EQ(Call("GET", "/login").status, 200);
  EXPECT_EQ(Call("GET", "/login").status, 429);
  Response unlimited = Call("GET", "/static/app.js");
  EXPECT_EQ(unlimited.status, 200);
  EXPECT_EQ(HeaderOf(unlimited, "RateLimit"), "");
  EXPECT_EQ(HeaderOf(Call("GET", "/other"), "RateLimit-Policy"), "\"per-route\";q=100;w=60");
}

TEST_F(ServiceRateLimitTest, WithoutALimitResponsesCarryNoRateLimitFields) {
  Limit(std::nullopt);
  Response response = Call("GET", "/a");
  EXPECT_EQ(HeaderOf(response, "RateLimit"), "");
  EXPECT_EQ(HeaderOf(response, "RateLimit-Policy"), "");
}

TEST_F(ServiceRateLimitTest, ReservedEndpointsAndPreflightsAreNeverLimited) {
  Limit(RateLimit{1, 60});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Call("GET", "/_stats").status, 200);
    EXPECT_EQ(Call("GET", "/_health").status, 200);
    EXPECT_EQ(Call("OPTIONS", "/a").status, 204);
  }
  EXPECT_EQ(Call("GET", "/a").status, 200);
}

TEST_F(ServiceRateLimitTest, AStoreFailureIsStillA503) {
  Limit(RateLimit{1, 60});
  store_.FailWith(Status::Unavailable("down"));
  EXPECT_EQ(Call("GET", "/a").status, 503);
  store_.FailWith(Status::Ok());
  EXPECT_EQ(Call("GET", "/a").status, 200);
}

}  // namespace
}  // namespace hitcounter

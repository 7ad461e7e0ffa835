// The service with route templates: where it applies them (hits, /_stats?route=), where it does
// not (reserved endpoints), and what sees the template (the answer, rate limits, the log facts).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "hitcounter/service.h"
#include "tests/support/memory_store.h"
#include "tests/support/route_template_examples.h"
#include "tests/support/service_replies.h"

namespace hitcounter {
namespace {

using testing::CountIn;
using testing::DoorAnswer;

constexpr UnixMillis kNow = 1795701907123;

class ServiceRouteTemplatesTest : public ::testing::Test {
 protected:
  void Configure(const std::vector<std::string>& templates,
                 std::string_view rate_limit_rules = "") {
    ServiceOptions options;
    options.route_templates = std::move(RouteTemplates::Make(templates)).value();
    options.rate_limits = std::move(RateLimitPolicy::Make(std::nullopt, rate_limit_rules)).value();
    service_ = std::make_unique<Service>(store_, clock_, std::move(options));
  }

  Response Call(std::string method, std::string target) {
    Response out;
    service_->Handle(Request{std::move(method), std::move(target)},
                     [&](Response r) { out = std::move(r); });
    return out;
  }

  DoorAnswer Read(const Response& response) {
    DoorAnswer answer{response.status, "", -1};
    rapidjson::Document body;
    body.Parse(response.body.c_str());
    if (body.IsObject() && body.HasMember("route")) answer.route = body["route"].GetString();
    if (body.IsObject() && body.HasMember("count")) answer.count = body["count"].GetInt64();
    return answer;
  }

  testing::MemoryStore store_;
  FakeClock clock_{kNow};
  std::unique_ptr<Service> service_;
};

TEST_F(ServiceRouteTemplatesTest, TheExamplesCountUnderTheirTemplates) {
  Configure(testing::ExampleRouteTemplates());
  testing::ExpectTheExamplesCountUnderTheirTemplates(
      [this](std::string_view path) { return Read(Call("GET", std::string(path))); },
      [this](std::string_view path) {
        return Read(Call("GET", "/_stats?" + testing::StatsRouteQuery(path)));
      });
  EXPECT_EQ(CountIn(store_, "/users/123"), 0) << "counted under its template only";
}

TEST_F(ServiceRouteTemplatesTest, TheAnswerAndTheLogFactsNameTheTemplate) {
  Configure({"/users/{id}"});
  Response response = Call("POST", "/users/42?tab=posts");
  EXPECT_EQ(response.route, "/users/{id}");
  EXPECT_EQ(response.count, 1);
  store_.FailWith(Status::Unavailable("down"));
  Response failed = Call("GET", "/users/43");
  EXPECT_EQ(failed.status, 503);
  EXPECT_EQ(failed.route, "/users/{id}");
}

TEST_F(ServiceRouteTemplatesTest, ReservedEndpointsAreDecidedBeforeTemplates) {
  Configure({"/{page}", "/{a}/{b+}"});
  Response health = Call("GET", "/_health");
  EXPECT_EQ(health.status, 200);
  EXPECT_TRUE(health.reserved);
  EXPECT_EQ(Call("GET", "/_nothing").status, 404);
  EXPECT_EQ(Call("GET", "/_stats/x").status, 404);
  EXPECT_EQ(CountIn(store_, "/{page}"), 0);
  EXPECT_EQ(CountIn(store_, "/{a}/{b+}"), 0);
  EXPECT_EQ(Read(Call("GET", "/about")).route, "/{page}");
  // A reserved path asked for in /_stats is not one a hit counts under: never templated (else
  // it would answer the record of "/{page}", counted just above).
  EXPECT_EQ(Call("GET", "/_stats?route=/_health").status, 404);
}

TEST_F(ServiceRouteTemplatesTest, APrefixListsTheRoutesAsCountedTemplatesIncluded) {
  Configure({"/users/me", "/users/{id}"});
  Call("GET", "/users/1");
  Call("GET", "/users/2");
  Call("GET", "/users/me");
  Call("GET", "/users/1/posts");
  Call("GET", "/orders/1");
  Response listed = Call("GET", "/_stats?prefix=%2Fusers%2F&sort=route");
  ASSERT_EQ(listed.status, 200);
  rapidjson::Document body;
  body.Parse(listed.body.c_str());
  ASSERT_TRUE(body.IsObject() && body["routes"].IsArray()) << listed.body;
  std::vector<std::pair<std::string, std::int64_t>> routes;
  for (const auto& route : body["routes"].GetArray()) {
    routes.emplace_back(route["route"].GetString(), route["count"].GetInt64());
  }
  const std::vector<std::pair<std::string, std::int64_t>> expected = {
      {"/users/1/posts", 1}, {"/users/me", 1}, {"/users/{id}", 2}};
  EXPECT_EQ(routes, expected) << listed.body;
}

TEST_F(ServiceRouteTemplatesTest, RateLimitsApplyToTheRouteAsCounted) {
  Configure({"/users/{id}"}, "/users/{id} 2/1h");
  EXPECT_EQ(Call("GET", "/users/1").status, 200);
  EXPECT_EQ(Call("GET", "/users/2").status, 200);
  Response refused = Call("GET", "/users/3");
  EXPECT_EQ(refused.status, 429);
  rapidjson::Document body;
  body.Parse(refused.body.c_str());
  EXPECT_STREQ(body["route"].GetString(), "/users/{id}");
  EXPECT_EQ(CountIn(store_, "/users/{id}"), 2);
  EXPECT_EQ(CountIn(store_, "/users/3"), 0);
}

TEST_F(ServiceRouteTemplatesTest, WithoutTemplatesEveryRouteCountsAsItself) {
  Configure({});
  EXPECT_EQ(Read(Call("GET", "/users/1")).route, "/users/1");
  EXPECT_EQ(Read(Call("GET", "/users/%7Bid%7D")).route, "/users/{id}");
  EXPECT_EQ(CountIn(store_, "/users/1"), 1);
}

}  // namespace
}  // namespace hitcounter

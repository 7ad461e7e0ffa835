#include "lambda/event_handler.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "lambda/function_settings.h"
#include "tests/support/memory_store.h"
#include "tests/support/route_template_examples.h"
#include "tests/support/store_calls.h"

namespace hitcounter::lambda {
namespace {

using testing::GetNow;

constexpr UnixMillis kT0 = 1'795'701'907'123;

class EventHandlerTest : public ::testing::Test {
 protected:
  HandledEvent Handle(const std::string& event) { return HandleEvent(service_, event); }

  static std::string Hit(const std::string& method, const std::string& path) {
    return R"({"httpMethod":")" + method + R"(","path":")" + path + R"("})";
  }

  testing::MemoryStore store_;
  FakeClock clock_{kT0};
  Service service_{store_, clock_};
};

rapidjson::Document Json(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.c_str());
  EXPECT_FALSE(document.HasParseError()) << text;
  return document;
}

TEST_F(EventHandlerTest, AHitCountsAndReportsRouteAndCount) {
  Handle(Hit("GET", "/a%20b"));
  HandledEvent handled = Handle(Hit("POST", "/a%20b/"));
  EXPECT_EQ(handled.status, 200);
  EXPECT_EQ(handled.route, "/a b");
  EXPECT_EQ(handled.count, 2);
  EXPECT_TRUE(handled.error.empty());
  rapidjson::Document response = Json(handled.proxy_response);
  EXPECT_EQ(response["statusCode"].GetInt(), 200);
  rapidjson::Document body = Json(response["body"].GetString());
  EXPECT_STREQ(body["route"].GetString(), "/a b");
  EXPECT_EQ(body["count"].GetInt64(), 2);
}

TEST_F(EventHandlerTest, ABadPathIs400AndCountsNothing) {
  HandledEvent handled = Handle(Hit("GET", "/%zz"));
  EXPECT_EQ(handled.status, 400);
  EXPECT_EQ(handled.error, "invalid_path");
  EXPECT_TRUE(handled.route.empty());
  EXPECT_FALSE(handled.count.has_value());
  EXPECT_EQ(GetNow(store_, "/%zz").status().code(), StatusCode::kNotFound);
}

TEST_F(EventHandlerTest, AnOddEventIs400BadEvent) {
  HandledEvent handled = Handle("{not json");
  EXPECT_EQ(handled.status, 400);
  EXPECT_EQ(handled.error, "bad_event");
  EXPECT_EQ(Json(handled.proxy_response)["statusCode"].GetInt(), 400);
}

TEST_F(EventHandlerTest, AStoreFailureIs503) {
  store_.FailWith(Status::Unavailable("down"));
  HandledEvent handled = Handle(Hit("GET", "/a"));
  EXPECT_EQ(handled.status, 503);
  EXPECT_EQ(handled.error, "store_unavailable");
}

TEST_F(EventHandlerTest, ReservedEndpointsReadTheQueryAndNeverCount) {
  Handle(Hit("GET", "/caf%C3%A9"));
  HandledEvent stats =
      Handle(R"({"version":"2.0","rawPath":"/_stats","rawQueryString":"route=%2Fcaf%C3%A9",)"
             R"("requestContext":{"http":{"method":"GET"}}})");
  EXPECT_EQ(stats.status, 200);
  EXPECT_EQ(Json(Json(stats.proxy_response)["body"].GetString())["count"].GetInt64(), 1);
  EXPECT_FALSE(stats.count.has_value()) << "the log's count is a counted hit's only";
  HandledEvent rest = Handle(
      R"({"httpMethod":"GET","path":"/_stats","multiValueQueryStringParameters":{"route":["/café"]}})");
  EXPECT_EQ(rest.status, 200);
  EXPECT_EQ(Json(Json(rest.proxy_response)["body"].GetString())["count"].GetInt64(), 1);
  EXPECT_EQ(Handle(Hit("GET", "/_health")).status, 200);
  EXPECT_EQ(GetNow(store_, "/_stats").status().code(), StatusCode::kNotFound);
}

TEST_F(EventHandlerTest, HeadCountsAndAnswersWithoutBody) {
  HandledEvent handled = Handle(Hit("HEAD", "/h"));
  EXPECT_EQ(handled.status, 200);
  EXPECT_STREQ(Json(handled.proxy_response)["body"].GetString(), "");
  EXPECT_EQ(GetNow(store_, "/h")->count, 1);
}

TEST(OversizedEventTest, Is413) {
  HandledEvent handled = HandleOversizedEvent();
  EXPECT_EQ(handled.status, 413);
  EXPECT_EQ(handled.error, "event_too_large");
}

TEST_F(EventHandlerTest, AnAdminTokenGuardsTheDashboardAndStatsButNotHits) {
  Service guarded(store_, clock_, ServiceOptions{"/_", "s3cret"});
  const std::string stats = R"({"httpMethod":"GET","path":"/_stats","headers":{)";
  EXPECT_EQ(HandleEvent(guarded, stats + "}}").status, 401);
  EXPECT_EQ(HandleEvent(guarded, stats + R"("Authorization":"Bearer wrong"}})").status, 401);
  EXPECT_EQ(HandleEvent(guarded, stats + R"("Authorization":"Bearer s3cret"}})").status, 200);
  HandledEvent refused = HandleEvent(guarded, Hit("GET", "/_dashboard"));
  EXPECT_EQ(refused.error, "unauthorized");
  rapidjson::Document response = Json(refused.proxy_response);
  EXPECT_STREQ(response["headers"]["WWW-Authenticate"].GetString(), kAdminChallenge.data());
  EXPECT_EQ(HandleEvent(guarded, Hit("GET", "/a")).status, 200);
}

TEST_F(EventHandlerTest, AGuardBuiltFromTheTokensDigestAcceptsTheToken) {
  ServiceOptions options;
  // SHA-256("s3cret"): the function's environment holds only this.
  options.admin_token_from_digest =
      AdminToken::FromSha256Hex("1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0")
          .value();
  Service guarded(store_, clock_, options);
  const std::string stats = R"({"httpMethod":"GET","path":"/_stats","headers":{)";
  EXPECT_EQ(HandleEvent(guarded, stats + "}}").status, 401);
  EXPECT_EQ(HandleEvent(guarded, stats + R"("Authorization":"Bearer wrong"}})").status, 401);
  EXPECT_EQ(HandleEvent(guarded, stats + R"("Authorization":"Bearer s3cret"}})").status, 200);
  EXPECT_EQ(HandleEvent(guarded, Hit("GET", "/a")).status, 200);
}

// The function is built with the token's digest only (function_settings.h); DELETE reaches it
// through the REST API's ANY methods (infra/index.ts) with the query as parameters.
TEST_F(EventHandlerTest, ADeleteWithTheTokenDeletesThroughTheSameCore) {
  ServiceOptions options;
  options.admin_token_from_digest =
      AdminToken::FromSha256Hex("1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0")
          .value();
  Service guarded(store_, clock_, options);
  ASSERT_EQ(HandleEvent(guarded, Hit("GET", "/a/b")).status, 200);
  ASSERT_EQ(HandleEvent(guarded, Hit("GET", "/a/b")).status, 200);
  const std::string del =
      R"({"httpMethod":"DELETE","path":"/_stats","queryStringParameters":{"route":"/a/b"},)"
      R"("headers":{)";
  EXPECT_EQ(HandleEvent(guarded, del + "}}").status, 401);
  HandledEvent deleted = HandleEvent(guarded, del + R"("Authorization":"Bearer s3cret"}})");
  ASSERT_EQ(deleted.status, 200);
  rapidjson::Document response = Json(deleted.proxy_response);
  EXPECT_STREQ(response["body"].GetString(),
               R"({"route":"/a/b","deletedRoutes":1,"deletedHits":2})");
  EXPECT_EQ(GetNow(store_, "/a/b").status().code(), StatusCode::kNotFound);
  // An HTTP API (2.0) event says the same with its raw query string.
  ASSERT_EQ(HandleEvent(guarded, Hit("GET", "/p/1")).status, 200);
  const std::string v2 =
      R"({"version":"2.0","rawPath":"/_stats","rawQueryString":"prefix=%2Fp%2F",)"
      R"("headers":{"authorization":"Bearer s3cret"},)"
      R"("requestContext":{"http":{"method":"DELETE","path":"/_stats"}}})";
  HandledEvent prefix = HandleEvent(guarded, v2);
  EXPECT_EQ(prefix.status, 200) << prefix.proxy_response;
}

TEST_F(EventHandlerTest, WithoutAnyTokenTheFunctionRefusesToDelete) {
  ASSERT_EQ(Handle(Hit("GET", "/a")).status, 200);
  EXPECT_EQ(Handle(R"({"httpMethod":"DELETE","path":"/_stats",)"
                   R"("queryStringParameters":{"route":"/a"}})")
                .status,
            403);
  EXPECT_TRUE(GetNow(store_, "/a").ok());
}

TEST_F(EventHandlerTest, MetricsAre404InTheFunctionWithAReason) {
  HandledEvent handled = Handle(Hit("GET", "/_metrics"));
  EXPECT_EQ(handled.status, 404);
  EXPECT_NE(handled.proxy_response.find("standalone server"), std::string::npos);
}

// The examples every door runs (tests/support/route_template_examples.h), here through REST API
// events, with the templates set as the function receives them: in its environment.
TEST_F(EventHandlerTest, TheRouteTemplateExamplesCountUnderTheirTemplates) {
  std::string list;
  for (const std::string& text : testing::ExampleRouteTemplates()) list += text + ";";
  Result<FunctionSettings> settings =
      FunctionSettingsFromEnv({{"TABLE_NAME", "hits"},
                               {"AWS_REGION", "eu-west-1"},
                               {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                               {"AWS_SECRET_ACCESS_KEY", "secret"},
                               {"HITCOUNTER_ROUTE_TEMPLATES", list}});
  ASSERT_TRUE(settings.ok()) << settings.status().message();
  Service templated(store_, clock_, settings->service);
  auto read = [](const HandledEvent& handled) {
    testing::DoorAnswer answer{handled.status, "", -1};
    rapidjson::Document body = Json(Json(handled.proxy_response)["body"].GetString());
    if (body.IsObject() && body.HasMember("route")) answer.route = body["route"].GetString();
    if (body.IsObject() && body.HasMember("count")) answer.count = body["count"].GetInt64();
    return answer;
  };
  testing::ExpectTheExamplesCountUnderTheirTemplates(
      [&](std::string_view path) {
        return read(HandleEvent(templated, Hit("GET", std::string(path))));
      },
      [&](std::string_view path) {
        // API Gateway passes the query's values decoded: the path as sent.
        return read(HandleEvent(templated, R"({"httpMethod":"GET","path":"/_stats",)"
                                           R"("multiValueQueryStringParameters":{"route":[")" +
                                               std::string(path) + R"("]}})"));
      });
}

}  // namespace
}  // namespace hitcounter::lambda

#include "lambda/api_gateway_event.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fstream>
#include <sstream>

namespace hitcounter::lambda {
namespace {

std::string Fixture(const std::string& name) {
  std::ifstream file(std::string(HITCOUNTER_APIGW_DATA) + "/" + name);
  EXPECT_TRUE(file.good()) << name;
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// A REST API (payload 1.0) event for `method` `path`, with `extra` members appended.
std::string RestEvent(const std::string& method, const std::string& path,
                      const std::string& extra = "") {
  return R"({"resource":"/{proxy+}","httpMethod":")" + method + R"(","path":")" + path +
         R"(","requestContext":{"stage":"prod"},"body":null,"isBase64Encoded":false)" + extra + "}";
}

// An HTTP API (payload 2.0) event.
std::string HttpApiEvent(const std::string& method, const std::string& raw_path,
                         const std::string& stage = "$default", const std::string& query = "") {
  return R"({"version":"2.0","routeKey":"$default","rawPath":")" + raw_path +
         R"(","rawQueryString":")" + query + R"(","requestContext":{"stage":")" + stage +
         R"(","http":{"method":")" + method + R"(","path":")" + raw_path + R"("}}})";
}

std::string RouteOf(const std::string& event_json) {
  Result<HttpEvent> event = ParseHttpEvent(event_json);
  EXPECT_TRUE(event.ok()) << event.status().message();
  if (!event.ok()) return "<bad event>";
  Result<std::string> route = NormalizeRoute(event->request.target, event->request.encoding);
  return route.ok() ? *route : "<bad route: " + route.status().message() + ">";
}

Status ErrorOf(const std::string& event_json) { return ParseHttpEvent(event_json).status(); }

struct FixtureCase {
  const char* file;
  EventFormat format;
  const char* method;
  const char* route;
};

void PrintTo(const FixtureCase& fixture, std::ostream* out) { *out << fixture.file; }

class FixtureTest : public ::testing::TestWithParam<FixtureCase> {};

TEST_P(FixtureTest, GivesTheMethodAndRouteOfTheRequest) {
  const FixtureCase& c = GetParam();
  Result<HttpEvent> event = ParseHttpEvent(Fixture(c.file));
  ASSERT_TRUE(event.ok()) << event.status().message();
  EXPECT_EQ(event->format, c.format);
  EXPECT_EQ(event->request.method, c.method);
  Result<std::string> route = NormalizeRoute(event->request.target, event->request.encoding);
  ASSERT_TRUE(route.ok()) << route.status().message();
  EXPECT_EQ(*route, c.route);
}

INSTANTIATE_TEST_SUITE_P(
    ApiGatewayFixtures, FixtureTest,
    ::testing::Values(
        FixtureCase{"rest-v1-proxy-hello-world.json", EventFormat::kRestV1, "POST", "/hello/world"},
        FixtureCase{"rest-v1-trailing-slash.json", EventFormat::kRestV1, "GET", "/my/path"},
        FixtureCase{"http-v2-root-default-stage.json", EventFormat::kHttpV2, "GET", "/"},
        FixtureCase{"http-v2-named-stage-in-path.json", EventFormat::kHttpV2, "POST", "/my/path"},
        FixtureCase{"function-url-v2-my-path.json", EventFormat::kHttpV2, "POST", "/my/path"}),
    [](const ::testing::TestParamInfo<FixtureCase>& param_info) {
      std::string name = param_info.param.file;
      name = name.substr(0, name.find('.'));
      for (char& c : name) {
        if (c == '-') c = '_';
      }
      return name;
    });

TEST(ApiGatewayEventTest, RestPathIsPercentEncodedAndHttpApiRawPathIsDecoded) {
  Result<HttpEvent> rest = ParseHttpEvent(RestEvent("GET", "/caf%C3%A9"));
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(rest->request.encoding, PathEncoding::kPercentEncoded);
  Result<HttpEvent> http = ParseHttpEvent(HttpApiEvent("GET", "/café"));
  ASSERT_TRUE(http.ok());
  EXPECT_EQ(http->request.encoding, PathEncoding::kDecoded);
}

TEST(ApiGatewayEventTest, TheSameRequestGivesTheSameRouteThroughEitherDoor) {
  const std::pair<std::string, std::string> same[] = {
      {"/", "/"},
      {"/caf%C3%A9/a%20b", "/café/a b"},
      {"/a%25b", "/a%b"},         // a literal percent sign
      {"/a%3Fb", "/a?b"},         // a literal question mark is not a query
      {"/a%23b", "/a#b"},         // nor is a hash a fragment
      {"/my/path/", "/my/path"},  // trailing slash
      {"/a/./b/../c", "/a/c"},
  };
  for (const auto& [encoded, decoded] : same) {
    EXPECT_EQ(RouteOf(RestEvent("GET", encoded)), RouteOf(HttpApiEvent("GET", decoded)))
        << encoded << " vs " << decoded;
  }
  EXPECT_EQ(RouteOf(HttpApiEvent("GET", "/a?b")), "/a?b");
  EXPECT_EQ(RouteOf(HttpApiEvent("GET", "/a%b")), "/a%25b");
}

TEST(ApiGatewayEventTest, ANamedStageIsNotPartOfTheRoute) {
  EXPECT_EQ(RouteOf(HttpApiEvent("GET", "/Prod/my/path", "Prod")), "/my/path");
  EXPECT_EQ(RouteOf(HttpApiEvent("GET", "/Prod", "Prod")), "/");
  EXPECT_EQ(RouteOf(HttpApiEvent("GET", "/Prod/", "Prod")), "/");
  // Only a whole first segment equal to the stage is removed.
  EXPECT_EQ(RouteOf(HttpApiEvent("GET", "/Production/x", "Prod")), "/Production/x");
  EXPECT_EQ(RouteOf(HttpApiEvent("GET", "/other/Prod/x", "Prod")), "/other/Prod/x");
  // A custom domain's mapping leaves no stage in rawPath.
  EXPECT_EQ(RouteOf(HttpApiEvent("GET", "/my/path", "Prod")), "/my/path");
  // $default is never in rawPath.
  EXPECT_EQ(RouteOf(HttpApiEvent("GET", "/$default/x", "$default")), "/$default/x");
}

TEST(ApiGatewayEventTest, TheAuthorizationHeaderIsFoundWhateverTheCaseOfItsName) {
  for (const char* name : {"Authorization", "authorization", "AUTHORIZATION"}) {
    Result<HttpEvent> rest = ParseHttpEvent(
        RestEvent("GET", "/_stats",
                  std::string(R"(,"headers":{"Host":"x",")") + name + R"(":"Bearer abc"})"));
    ASSERT_TRUE(rest.ok()) << rest.status().message();
    EXPECT_EQ(rest->request.authorization, "Bearer abc") << name;
  }
  std::string http = HttpApiEvent("GET", "/_stats");
  http.insert(http.size() - 1, R"(,"headers":{"authorization":"Basic eDp5"})");
  Result<HttpEvent> event = ParseHttpEvent(http);
  ASSERT_TRUE(event.ok()) << event.status().message();
  EXPECT_EQ(event->request.authorization, "Basic eDp5");
}

TEST(ApiGatewayEventTest, NoHeadersOrAnOddAuthorizationValueMeansNoAuthorization) {
  Result<HttpEvent> none = ParseHttpEvent(RestEvent("GET", "/_stats", R"(,"headers":null)"));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->request.authorization, "");
  Result<HttpEvent> odd =
      ParseHttpEvent(RestEvent("GET", "/_stats", R"(,"headers":{"Authorization":["x"]})"));
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->request.authorization, "");
}

TEST(ApiGatewayEventTest, HttpApiQueryStringIsKeptAsSent) {
  Result<HttpEvent> event =
      ParseHttpEvent(HttpApiEvent("GET", "/_stats", "$default", "route=%2Fcaf%C3%A9&limit=5"));
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->request.target, "/_stats?route=%2Fcaf%C3%A9&limit=5");
}

TEST(ApiGatewayEventTest, RestQueryParametersAreEncodedAgain) {
  Result<HttpEvent> event = ParseHttpEvent(RestEvent(
      "GET", "/_stats",
      R"(,"queryStringParameters":{"route":"/café x","sort":"route"},)"
      R"("multiValueQueryStringParameters":{"route":["/café x"],"sort":["count","route"]})"));
  ASSERT_TRUE(event.ok()) << event.status().message();
  EXPECT_EQ(event->request.target, "/_stats?route=%2Fcaf%C3%A9%20x&sort=count&sort=route");
}

TEST(ApiGatewayEventTest, RestSingleValueParametersAreTheFallback) {
  Result<HttpEvent> event = ParseHttpEvent(RestEvent(
      "GET", "/_stats",
      R"(,"queryStringParameters":{"prefix":"/a&b=c"},"multiValueQueryStringParameters":null)"));
  ASSERT_TRUE(event.ok()) << event.status().message();
  EXPECT_EQ(event->request.target, "/_stats?prefix=%2Fa%26b%3Dc");
}

TEST(ApiGatewayEventTest, BodiesAreNeverRead) {
  // Flagged base64 but not base64, as in rest-v1-trailing-slash.json.
  Result<HttpEvent> event = ParseHttpEvent(R"({"httpMethod":"POST","path":"/a",)"
                                           R"("body":"%%% not base64 !","isBase64Encoded":true})");
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->request.target, "/a");
}

TEST(ApiGatewayEventTest, OddEventsAreRefusedWithAReason) {
  const std::string odd[] = {
      "",
      "not json",
      "[1,2,3]",
      "\"a string\"",
      "{}",
      R"({"source":"aws.events","detail-type":"Scheduled Event"})",
      R"({"httpMethod":"GET"})",
      R"({"httpMethod":"GET","path":42})",
      R"({"httpMethod":7,"path":"/a"})",
      R"({"httpMethod":"","path":"/a"})",
      R"({"httpMethod":"GET","path":"/a","multiValueQueryStringParameters":{"a":"b"}})",
      R"({"httpMethod":"GET","path":"/a","queryStringParameters":{"a":1}})",
      R"({"version":"2.0","rawPath":"/a"})",
      R"({"version":"2.0","rawPath":"/a","requestContext":{"http":{}}})",
      R"({"version":"2.0","rawPath":"/a","requestContext":{"http":{"method":1}}})",
      R"({"version":"2.0","requestContext":{"http":{"method":"GET"}}})",
      R"({"version":"2.0","rawPath":"/a","requestContext":{"stage":5,"http":{"method":"GET"}}})",
      R"({"version":"2.0","rawPath":"/a","rawQueryString":[],"requestContext":{"http":{"method":"GET"}}})",
      R"({"version":2,"rawPath":"/a"})",
      R"({"version":"3.0","rawPath":"/a"})",
      "{\"httpMethod\":\"GET\",\"path\":\"/\xff\"}",  // not UTF-8
      R"({"httpMethod":"GET","path":"/a")",           // truncated
  };
  for (const std::string& event : odd) {
    Status status = ErrorOf(event);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << event;
    EXPECT_FALSE(status.message().empty()) << event;
  }
}

TEST(ApiGatewayEventTest, DeeplyNestedJsonIsRefusedWithoutExhaustingTheStack) {
  std::string deep = R"({"httpMethod":"GET","path":"/a","x":)" + std::string(1'000'000, '[') +
                     std::string(1'000'000, ']') + "}";
  EXPECT_TRUE(ParseHttpEvent(deep).ok());
  EXPECT_EQ(ErrorOf(std::string(1'000'000, '[')).code(), StatusCode::kInvalidArgument);
}

TEST(ApiGatewayEventTest, ATargetLongerThanTheLimitIsTooLong) {
  std::string path = "/" + std::string(kMaxTargetBytes, 'a');
  EXPECT_EQ(ErrorOf(RestEvent("GET", path)).code(), StatusCode::kTooLong);
  EXPECT_EQ(ErrorOf(HttpApiEvent("GET", path)).code(), StatusCode::kTooLong);
  EXPECT_TRUE(ParseHttpEvent(RestEvent("GET", path.substr(0, kMaxTargetBytes))).ok());
}

TEST(ApiGatewayEventTest, QueryComponentsKeepOnlyUnreservedBytes) {
  EXPECT_EQ(EncodeQueryComponent("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(EncodeQueryComponent("/a b+c&d=é%"), "%2Fa%20b%2Bc%26d%3D%C3%A9%25");
}

rapidjson::Document ParseJson(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.c_str());
  EXPECT_FALSE(document.HasParseError()) << text;
  return document;
}

TEST(ProxyResponseTest, HasTheFieldsApiGatewayRequires) {
  Response response;
  response.status = 200;
  response.body = R"({"route":"/a","count":1})";
  response.headers = {{"Access-Control-Allow-Origin", "*"}};
  rapidjson::Document json = ParseJson(ProxyResponseJson(response));
  ASSERT_TRUE(json.IsObject());
  EXPECT_EQ(json.MemberCount(), 4u);
  EXPECT_EQ(json["statusCode"].GetInt(), 200);
  EXPECT_STREQ(json["headers"]["Content-Type"].GetString(), "application/json");
  EXPECT_STREQ(json["headers"]["Access-Control-Allow-Origin"].GetString(), "*");
  EXPECT_STREQ(json["body"].GetString(), response.body.c_str());
  EXPECT_FALSE(json["isBase64Encoded"].GetBool());
}

TEST(ProxyResponseTest, RepeatedHeadersAreJoinedAndEmptyContentTypeIsLeftOut) {
  Response response;
  response.status = 204;
  response.content_type = {};
  response.headers = {{"Vary", "Origin"}, {"vary", "Accept"}};
  rapidjson::Document json = ParseJson(ProxyResponseJson(response));
  EXPECT_FALSE(json["headers"].HasMember("Content-Type"));
  EXPECT_STREQ(json["headers"]["Vary"].GetString(), "Origin, Accept");
  EXPECT_STREQ(json["body"].GetString(), "");
}

TEST(ProxyResponseTest, HeadAnswersWithoutABody) {
  Response response;
  response.body = "{}";
  EXPECT_STREQ(ParseJson(ProxyResponseJson(response, true))["body"].GetString(), "");
}

TEST(ProxyResponseTest, BadEventsAre400AndTooLongTargets414) {
  EXPECT_EQ(BadEventResponse(Status::InvalidArgument("x")).status, 400);
  EXPECT_NE(BadEventResponse(Status::InvalidArgument("x")).body.find("bad_event"),
            std::string::npos);
  EXPECT_EQ(BadEventResponse(Status::TooLong("x")).status, 414);
}

}  // namespace
}  // namespace hitcounter::lambda

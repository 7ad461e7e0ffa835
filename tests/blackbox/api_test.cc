// The API as a user sees it over HTTP.
#include "tests/blackbox/fixture.h"

namespace hitcounter::testing {
namespace {

using ApiTest = BlackBoxTest;

TEST_F(ApiTest, EachHitAnswersJsonWithTheCountIncludingIt) {
  for (int expected = 1; expected <= 3; ++expected) {
    HttpReply reply = client_->Get(Route("/hello/world"));
    ASSERT_EQ(reply.status, 200);
    EXPECT_EQ(reply.headers["content-type"], "application/json");
    rapidjson::Document doc = Json(reply);
    EXPECT_EQ(doc["route"].GetString(), Route("/hello/world"));
    EXPECT_EQ(doc["count"].GetInt64(), expected);
    EXPECT_EQ(std::string(doc["lastAccess"].GetString()).size(), 24u);  // ...T14:05:07.123Z
  }
}

TEST_F(ApiTest, AnyMethodCountsButOptionsIsAPreflight) {
  for (const char* method : {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"}) {
    EXPECT_EQ(client_->Send(method, Route()).status, 200) << method;
  }
  HttpReply preflight = client_->Send("OPTIONS", Route());
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.headers["access-control-allow-origin"], "*");
  EXPECT_EQ(CountOf(Route()), 6);
}

TEST_F(ApiTest, HeadAnswersHeadersWithoutABody) {
  HttpReply reply = client_->Send("HEAD", Route());
  EXPECT_EQ(reply.status, 200);
  EXPECT_TRUE(reply.body.empty());
  EXPECT_NE(reply.headers["content-length"], "0");
}

TEST_F(ApiTest, TheRootIsCounted) {
  if (External()) GTEST_SKIP() << "the root is shared on an external server";
  client_->Get("/");
  client_->Get("/?utm=x");
  EXPECT_EQ(CountOf("/"), 2);
}

TEST_F(ApiTest, SpellingsOfOnePathCountAsOneRoute) {
  client_->Get(Route("/abc"));
  client_->Get(Route("/a%62c"));
  client_->Get(Route("/%61%62%63/"));
  client_->Get(Route("/x/../abc?q=1"));
  EXPECT_EQ(CountOf(Route("/abc")), 4);
}

TEST_F(ApiTest, UnicodeQuotesAndBackslashesRoundTripThroughJson) {
  HttpReply reply = client_->Get(Route("/caf%C3%A9/%22q%22%5C/my%20path"));
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(Json(reply)["route"].GetString(), Route("/café/\"q\"\\/my path"));
  rapidjson::Document stats = Json(client_->Get("/_stats?sort=route&limit=1000"));
  bool found = false;
  for (const auto& row : stats["routes"].GetArray()) {
    found |= row["route"].GetString() == Route("/café/\"q\"\\/my path");
  }
  EXPECT_TRUE(found);
}

TEST_F(ApiTest, StatsListsPagesAndFiltersWithoutCounting) {
  for (int i = 0; i < 5; ++i) {
    for (int k = 0; k <= i; ++k) client_->Get(Route("/p/" + std::to_string(i)));
  }
  std::string target = "/_stats?sort=count&limit=2&prefix=" + Route("/p/");
  std::vector<std::int64_t> counts;
  for (int page = 0; page < 10; ++page) {
    rapidjson::Document doc = Json(client_->Get(target));
    for (const auto& row : doc["routes"].GetArray()) counts.push_back(row["count"].GetInt64());
    if (doc["nextCursor"].IsNull()) break;
    target = "/_stats?sort=count&limit=2&prefix=" + Route("/p/") +
             "&cursor=" + doc["nextCursor"].GetString();
  }
  EXPECT_EQ(counts, (std::vector<std::int64_t>{5, 4, 3, 2, 1}));
  EXPECT_EQ(CountOf(Route("/p/4")), 5);
}

// Regression: the dashboard's filter "/my path" is sent as prefix=%2Fmy+path and found nothing.
TEST_F(ApiTest, StatsReadsAPlusInAValueAsASpaceAsFormsAndUrlSearchParamsSendIt) {
  client_->Get(Route("/my%20path/a"));
  client_->Get(Route("/my+path/b"));  // a '+' in a path is a '+'
  rapidjson::Document spaced = Json(client_->Get("/_stats?prefix=" + Route("/my+path/")));
  ASSERT_EQ(spaced["routes"].Size(), 1u);
  EXPECT_EQ(spaced["routes"][0]["route"].GetString(), Route("/my path/a"));
  rapidjson::Document plus = Json(client_->Get("/_stats?prefix=" + Route("/my%2Bpath/")));
  ASSERT_EQ(plus["routes"].Size(), 1u);
  EXPECT_EQ(plus["routes"][0]["route"].GetString(), Route("/my+path/b"));
  EXPECT_EQ(client_->Get("/_stats?route=" + Route("/my+path/a")).status, 200);
}

// Regression: ?order=asc and ?foo=1 were ignored while bad values were 400.
TEST_F(ApiTest, StatsRefusesAnUnknownParameterNamingIt) {
  for (const char* query : {"order=asc", "sort=count&foo=1"}) {
    HttpReply reply = client_->Get(std::string("/_stats?") + query);
    ASSERT_EQ(reply.status, 400) << query;
    rapidjson::Document doc = Json(reply);
    EXPECT_STREQ(doc["error"].GetString(), "invalid_query");
    const std::string name = std::string(query).find("foo") != std::string::npos ? "foo" : "order";
    EXPECT_NE(std::string(doc["message"].GetString()).find("\"" + name + "\""), std::string::npos)
        << reply.body;
  }
  EXPECT_EQ(client_->Get("/_stats?sort=lastaccess").status, 200) << "a sort in any case";
}

TEST_F(ApiTest, StatsAnswersTheTotalsUnderThePrefixWhenAsked) {
  client_->Get(Route("/t/a"));
  client_->Get(Route("/t/a"));
  client_->Get(Route("/t/b"));
  rapidjson::Document doc =
      Json(client_->Get("/_stats?limit=1&totals=true&prefix=" + Route("/t/")));
  ASSERT_EQ(doc["routes"].Size(), 1u);
  EXPECT_FALSE(doc["nextCursor"].IsNull());
  ASSERT_TRUE(doc.HasMember("totals")) << "asked for";
  EXPECT_EQ(doc["totals"]["routes"].GetInt64(), 2);
  EXPECT_EQ(doc["totals"]["hits"].GetInt64(), 3);
  EXPECT_FALSE(Json(client_->Get("/_stats?limit=1")).HasMember("totals")) << "not asked for";
}

// The reserved endpoints follow the route rules too: /_stats/ is /_stats, as /a/ is /a.
TEST_F(ApiTest, ReservedEndpointsTakeATrailingSlashAsRoutesDo) {
  client_->Get(Route("/slash"));
  for (const char* path : {"/_stats/", "/_health/", "/_dashboard/", "/_metrics/"}) {
    EXPECT_EQ(client_->Get(path).status, 200) << path;
  }
  EXPECT_EQ(client_->Get("/_stats/?route=" + Route("/slash")).status, 200);
}

TEST_F(ApiTest, StatsOfARouteNeverHitIs404) {
  HttpReply reply = client_->Get("/_stats?route=" + Route("/never"));
  EXPECT_EQ(reply.status, 404);
  EXPECT_STREQ(Json(reply)["error"].GetString(), "route_not_found");
}

TEST_F(ApiTest, HealthIs200WhenTheStoreAnswers) {
  HttpReply reply = client_->Get("/_health");
  EXPECT_EQ(reply.status, 200);
  EXPECT_STREQ(Json(reply)["status"].GetString(), "ok");
}

TEST_F(ApiTest, ReservedEndpointsRefuseWritesWith405) {
  HttpReply reply = client_->Send("POST", "/_stats");
  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(reply.headers["allow"], "GET, HEAD, DELETE, OPTIONS");  // DELETE deletes counts
  reply = client_->Send("POST", "/_health");
  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(reply.headers["allow"], "GET, HEAD, OPTIONS");
}

TEST_F(ApiTest, KeepAliveServesManyRequestsOnOneConnection) {
  for (int i = 0; i < 50; ++i) {
    HttpReply reply = client_->Get(Route());
    ASSERT_TRUE(reply.keep_alive);
  }
  EXPECT_EQ(CountOf(Route()), 50);
}

TEST_F(ApiTest, PipelinedRequestsAreAnsweredInOrder) {
  if (External()) GTEST_SKIP();
  std::string requests;
  for (int i = 0; i < 3; ++i) {
    requests += "GET " + Route() + " HTTP/1.1\r\nHost: x\r\n\r\n";
  }
  std::string replies = SendRaw(port_, requests);
  std::size_t one = replies.find("\"count\":1");
  std::size_t two = replies.find("\"count\":2");
  std::size_t three = replies.find("\"count\":3");
  ASSERT_NE(three, std::string::npos) << replies;
  EXPECT_LT(one, two);
  EXPECT_LT(two, three);
}

TEST_F(ApiTest, ABodyIsReadAndDiscardedAndExpectContinueIsHonoured) {
  if (External()) GTEST_SKIP();
  std::string body(100'000, 'b');
  std::string reply = SendRaw(port_, "POST " + Route() +
                                         " HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                                         "Content-Length: " +
                                         std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(reply.rfind("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK", 0), 0u) << reply;
  EXPECT_EQ(CountOf(Route()), 1);
}

}  // namespace
}  // namespace hitcounter::testing

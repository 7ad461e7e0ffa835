#include "hitcounter/service.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <limits>

#include "tests/support/memory_store.h"
#include "tests/support/service_replies.h"

namespace hitcounter {
namespace {

using testing::HeaderOf;

constexpr UnixMillis kNow = 1795701907123;  // 2026-11-26T14:05:07.123Z

class ServiceTest : public ::testing::Test {
 protected:
  Response Call(std::string method, std::string target) {
    Response out;
    bool called = false;
    service_.Handle(Request{std::move(method), std::move(target)}, [&](Response r) {
      EXPECT_FALSE(called) << "the callback ran twice";
      called = true;
      out = std::move(r);
    });
    EXPECT_TRUE(called) << "the callback never ran";
    return out;
  }

  static rapidjson::Document Json(const Response& response) {
    rapidjson::Document doc;
    doc.Parse(response.body.c_str());
    EXPECT_FALSE(doc.HasParseError()) << response.body;
    return doc;
  }

  testing::MemoryStore store_;
  FakeClock clock_{kNow};
  Service service_{store_, clock_};
};

TEST_F(ServiceTest, FirstHitOfARouteAnswersCountOne) {
  Response response = Call("GET", "/hello/world");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body,
            R"({"route":"/hello/world","count":1,"firstSeen":"2026-11-26T14:05:07.123Z",)"
            R"("lastAccess":"2026-11-26T14:05:07.123Z"})");
}

TEST_F(ServiceTest, EveryMethodCountsAndLastAccessIsThisHitsTime) {
  Call("GET", "/a");
  clock_.Advance(5000);
  Call("POST", "/a");
  Response response = Call("DELETE", "/a?ignored=1");
  rapidjson::Document doc = Json(response);
  EXPECT_EQ(doc["count"].GetInt64(), 3);
  EXPECT_STREQ(doc["firstSeen"].GetString(), "2026-11-26T14:05:07.123Z");
  EXPECT_STREQ(doc["lastAccess"].GetString(), "2026-11-26T14:05:12.123Z");
}

TEST_F(ServiceTest, TheRootIsARouteLikeAnyOther) {
  Call("GET", "/");
  EXPECT_EQ(Json(Call("GET", "/?x=1"))["count"].GetInt64(), 2);
}

TEST_F(ServiceTest, SpellingsOfOnePathCountTogether) {
  Call("GET", "/abc");
  Call("GET", "/a%62c");
  EXPECT_EQ(Json(Call("GET", "/%61%62%63/"))["count"].GetInt64(), 3);
}

TEST_F(ServiceTest, OptionsIsAPreflightAndNeverCounts) {
  Response response = Call("OPTIONS", "/a");
  EXPECT_EQ(response.status, 204);
  EXPECT_EQ(HeaderOf(response, "Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(Call("GET", "/_stats?route=/a").status, 404);
}

TEST_F(ServiceTest, AnInvalidPathIsA400AndCountsNothing) {
  for (const char* target : {"/%zz", "/%", "/%FF", "/a%00b", "no-slash"}) {
    Response response = Call("GET", target);
    EXPECT_EQ(response.status, 400) << target;
    EXPECT_STREQ(Json(response)["error"].GetString(), "invalid_path");
  }
  EXPECT_EQ(Json(Call("GET", "/_stats"))["routes"].Size(), 0u);
}

TEST_F(ServiceTest, ATooLongRouteIsA414) {
  Response response = Call("GET", "/" + std::string(kMaxRouteBytes, 'x'));
  EXPECT_EQ(response.status, 414);
  EXPECT_STREQ(Json(response)["error"].GetString(), "route_too_long");
}

TEST_F(ServiceTest, RoutesWithQuotesAndBackslashesAreEscapedInJson) {
  rapidjson::Document doc = Json(Call("GET", "/say%22hi%22%5Cn/caf%C3%A9"));
  EXPECT_STREQ(doc["route"].GetString(), "/say\"hi\"\\n/café");
}

TEST_F(ServiceTest, StatsNeverCounts) {
  Call("GET", "/a");
  Call("GET", "/_stats");
  Call("GET", "/_stats?route=/a");
  Call("GET", "/_health");
  rapidjson::Document doc = Json(Call("GET", "/_stats"));
  ASSERT_EQ(doc["routes"].Size(), 1u);
  EXPECT_EQ(doc["routes"][0]["count"].GetInt64(), 1);
}

TEST_F(ServiceTest, StatsOfOneRouteOrA404) {
  Call("GET", "/caf%C3%A9");
  EXPECT_EQ(Json(Call("GET", "/_stats?route=/caf%25C3%25A9"))["count"].GetInt64(), 1);
  EXPECT_EQ(Json(Call("GET", "/_stats?route=%2Fcaf%C3%A9"))["count"].GetInt64(), 1);
  Response missing = Call("GET", "/_stats?route=/never");
  EXPECT_EQ(missing.status, 404);
  EXPECT_STREQ(Json(missing)["error"].GetString(), "route_not_found");
}

TEST_F(ServiceTest, StatsPagesWithCursorsUntilTheEnd) {
  for (const char* route : {"/a", "/b", "/c", "/d", "/e"}) Call("GET", route);
  std::vector<std::string> seen;
  std::string target = "/_stats?sort=route&limit=2";
  for (int page = 0; page < 5; ++page) {
    rapidjson::Document doc = Json(Call("GET", target));
    for (const auto& row : doc["routes"].GetArray()) seen.emplace_back(row["route"].GetString());
    if (doc["nextCursor"].IsNull()) break;
    target = std::string("/_stats?sort=route&limit=2&cursor=") + doc["nextCursor"].GetString();
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"/a", "/b", "/c", "/d", "/e"}));
}

TEST_F(ServiceTest, StatsSortsByCountAndFiltersByPrefix) {
  Call("GET", "/api/x");
  Call("GET", "/api/y");
  Call("GET", "/api/y");
  Call("GET", "/other");
  rapidjson::Document doc = Json(Call("GET", "/_stats?sort=count&prefix=%2Fapi%2F"));
  ASSERT_EQ(doc["routes"].Size(), 2u);
  EXPECT_STREQ(doc["routes"][0]["route"].GetString(), "/api/y");
  EXPECT_STREQ(doc["routes"][1]["route"].GetString(), "/api/x");
}

TEST_F(ServiceTest, BadStatsParametersAre400) {
  for (const char* query : {"sort=size", "limit=0", "limit=1001", "limit=ten", "cursor=zz",
                            "prefix=%ZZ", "route=%2F%25zz"}) {
    Response response = Call("GET", std::string("/_stats?") + query);
    EXPECT_EQ(response.status, 400) << query;
    EXPECT_STREQ(Json(response)["error"].GetString(), "invalid_query") << query;
  }
}

TEST_F(ServiceTest, ReservedEndpointsAreReadOnlyButStatsAlsoDeletes) {
  Response response = Call("POST", "/_health");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(HeaderOf(response, "Allow"), "GET, HEAD, OPTIONS");
  response = Call("PUT", "/_stats");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(HeaderOf(response, "Allow"), "GET, HEAD, DELETE, OPTIONS");
  EXPECT_EQ(Call("HEAD", "/_health").status, 200);
}

TEST_F(ServiceTest, UnknownPathsUnderTheReservedPrefixAre404AndNeverCount) {
  EXPECT_EQ(Call("GET", "/_nope").status, 404);
  EXPECT_EQ(Call("GET", "/%5Fstats").status, 200);  // "/_stats" spelled otherwise
  EXPECT_EQ(Json(Call("GET", "/_stats"))["routes"].Size(), 0u);
}

// Regression: "/" was accepted and then nothing counted; "/a//b/" made the endpoints
// unreachable; "/admin" put them at /adminstats and took /administrator too.
TEST(ReservedPrefixTest, WholeSegmentsOrTheDefaultFormAreTheOnlyPrefixes) {
  for (const char* good : {"/_", "/admin/", "/.hc/", "/prod/_", "/a/b/", "/caf\xc3\xa9/"}) {
    EXPECT_TRUE(ValidateReservedPrefix(good).ok()) << good;
  }
  struct Bad {
    const char* prefix;
    const char* suggestion;
  };
  for (Bad bad : {Bad{"/", "/admin/"}, Bad{"/admin", "/admin/"}, Bad{"/a//b/", "/a/b/"},
                  Bad{"/a/./b/", "/a/b/"}, Bad{"admin/", "/admin/"}, Bad{"", "/"},
                  Bad{"/%zz/", "/admin/"}, Bad{"/x/../", "/admin/"}}) {
    Status status = ValidateReservedPrefix(bad.prefix);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << bad.prefix;
    EXPECT_NE(status.message().find(std::string("use ") + bad.suggestion), std::string::npos)
        << bad.prefix << ": " << status.message();
  }
}

TEST_F(ServiceTest, TheReservedPrefixCanBeMoved) {
  ServiceOptions options;
  options.reserved_prefix = "/.hc/";
  Service moved(store_, clock_, options);
  Response counted;
  moved.Handle(Request{"GET", "/_stats"}, [&](Response r) { counted = std::move(r); });
  EXPECT_EQ(Json(counted)["count"].GetInt64(), 1);
  Response stats;
  moved.Handle(Request{"GET", "/.hc/stats"}, [&](Response r) { stats = std::move(r); });
  EXPECT_EQ(Json(stats)["routes"][0]["route"], "/_stats");
}

TEST_F(ServiceTest, StoreFailuresAre503AndHealthSaysSo) {
  store_.FailWith(Status::Unavailable("disk on fire"));
  Response hit = Call("GET", "/a");
  EXPECT_EQ(hit.status, 503);
  EXPECT_STREQ(Json(hit)["error"].GetString(), "store_unavailable");
  EXPECT_EQ(HeaderOf(hit, "Retry-After"), "1") << "clients are told when to come back";
  EXPECT_EQ(Call("GET", "/_health").status, 503);
  EXPECT_EQ(Call("GET", "/_stats").status, 503);
  store_.FailWith(Status::Ok());
  EXPECT_EQ(Call("GET", "/_health").status, 200);
}

TEST_F(ServiceTest, AFullDiskIs507) {
  store_.FailWith(Status::InsufficientSpace("disk full"));
  EXPECT_EQ(Call("GET", "/a").status, 507);
}

TEST_F(ServiceTest, ANewRoutePastTheBoundIs507WithItsOwnCode) {
  store_.FailWith(Status::RouteLimitReached("hitcounter counts 3 routes already"));
  Response response = Call("GET", "/a");
  EXPECT_EQ(response.status, 507);
  EXPECT_NE(response.body.find(R"("error":"route_limit_reached")"), std::string::npos);
}

TEST_F(ServiceTest, ACountAtItsMaximumIsAnErrorNotAWrap) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  store_.Seed(RouteStats{"/full", kMax, 0, 0});
  Response response = Call("GET", "/full");
  EXPECT_EQ(response.status, 500);
  EXPECT_STREQ(Json(response)["error"].GetString(), "count_overflow");
  EXPECT_EQ(GetNow(store_, "/full")->count, kMax);
}

// What a store says when it fails may name an account, a role, a table, a region or a file: the
// client gets a fixed sentence and the request's id to quote; the front end logs the rest.
TEST_F(ServiceTest, AStoreFailureShowsTheClientNoInternalsButTheRequestIdToQuote) {
  const std::string internals =
      "User: arn:aws:sts::123456789012:assumed-role/hc-role/hc-fn is not authorized to perform "
      "dynamodb:UpdateItem on resource: arn:aws:dynamodb:eu-west-1:123456789012:table/hits";
  for (Status failure : {Status::Unavailable(internals), Status::InsufficientSpace(internals),
                         Status::Internal(internals), Status::OutOfRange(internals)}) {
    store_.FailWith(failure);
    for (const char* target : {"/a", "/_stats", "/_stats?route=/a", "/_health"}) {
      Request request{"GET", target};
      request.request_id = "req-42";
      Response response;
      service_.Handle(request, [&](Response r) { response = std::move(r); });
      EXPECT_GE(response.status, 500) << target;
      for (const char* secret : {"123456789012", "arn:", "eu-west-1", "hc-role", "table/hits"}) {
        EXPECT_EQ(response.body.find(secret), std::string::npos) << target << ": " << response.body;
      }
      EXPECT_STREQ(Json(response)["requestId"].GetString(), "req-42") << target;
      EXPECT_EQ(response.detail, internals) << target;
    }
  }
}

TEST_F(ServiceTest, RequestErrorsKeepTheirOwnSentenceAndNeedNoRequestId) {
  Request request{"GET", "/%zz"};
  request.request_id = "req-1";
  Response response;
  service_.Handle(request, [&](Response r) { response = std::move(r); });
  EXPECT_EQ(response.status, 400);
  EXPECT_FALSE(Json(response).HasMember("requestId"));
  EXPECT_NE(response.body.find("hex digits"), std::string::npos) << response.body;
  EXPECT_TRUE(response.detail.empty());
}

// Regression: the last-resort handler called a callback it had moved into the store's call,
// and Handle, documented "never throws", threw std::bad_function_call.
TEST_F(ServiceTest, AStoreThatThrowsGets500AnsweredExactlyOnce) {
  store_.Throw(true);
  for (const char* target : {"/a", "/_stats", "/_stats?route=/a", "/_health"}) {
    int answers = 0;
    Response response;
    EXPECT_NO_THROW(service_.Handle(Request{"GET", target}, [&](Response r) {
      ++answers;
      response = std::move(r);
    }));
    EXPECT_EQ(answers, 1) << target;
    EXPECT_EQ(response.status, 500) << target;
    EXPECT_STREQ(Json(response)["error"].GetString(), "internal") << target;
    EXPECT_NE(response.detail.find("told to throw"), std::string::npos) << target;
  }
}

}  // namespace
}  // namespace hitcounter

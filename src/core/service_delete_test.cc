// DELETE {prefix}stats through Service::Handle: the admin token, the query, the answers.
#include <gtest/gtest.h>

#include "hitcounter/service.h"
#include "tests/support/memory_store.h"
#include "tests/support/service_replies.h"

namespace hitcounter {
namespace {

constexpr UnixMillis kNow = 1795701907123;
constexpr char kToken[] = "s3cret";
constexpr char kBearer[] = "Bearer s3cret";

class ServiceDeleteTest : public ::testing::Test {
 protected:
  Response Call(Service& service, std::string method, std::string target,
                std::string authorization = "") {
    Response out;
    bool called = false;
    Request request{std::move(method), std::move(target)};
    request.authorization = std::move(authorization);
    service.Handle(request, [&](Response r) {
      EXPECT_FALSE(called) << "answered twice";
      called = true;
      out = std::move(r);
    });
    EXPECT_TRUE(called);
    return out;
  }

  void Hit(const char* route, int times) {
    for (int i = 0; i < times; ++i) ASSERT_EQ(Call(guarded_, "GET", route).status, 200);
  }

  testing::MemoryStore store_;
  FakeClock clock_{kNow};
  Service open_{store_, clock_, ServiceOptions{"/_", ""}};
  Service guarded_{store_, clock_, ServiceOptions{"/_", kToken}};
};

TEST_F(ServiceDeleteTest, WithoutAConfiguredTokenDeletingIsForbiddenWithAReason) {
  Hit("/a", 1);
  Response response = Call(open_, "DELETE", "/_stats?route=/a");
  EXPECT_EQ(response.status, 403);
  EXPECT_NE(response.body.find("\"error\":\"forbidden\""), std::string::npos) << response.body;
  EXPECT_NE(response.body.find("--admin-token"), std::string::npos) << response.body;
  EXPECT_TRUE(response.reserved);
  EXPECT_EQ(Call(open_, "GET", "/_stats?route=/a").status, 200) << "nothing was deleted";
}

TEST_F(ServiceDeleteTest, WithoutTheTokenItIs401AndNothingIsDeleted) {
  Hit("/a", 1);
  EXPECT_EQ(Call(guarded_, "DELETE", "/_stats?route=/a").status, 401);
  EXPECT_EQ(Call(guarded_, "DELETE", "/_stats?route=/a", "Bearer wrong").status, 401);
  EXPECT_EQ(Call(guarded_, "GET", "/_stats?route=/a", kBearer).status, 200);
}

TEST_F(ServiceDeleteTest, DeletingARouteAnswersWhatItHeldAndFreesIt) {
  Hit("/a", 3);
  Response response = Call(guarded_, "DELETE", "/_stats?route=/a", kBearer);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"route":"/a","deletedRoutes":1,"deletedHits":3})");
  EXPECT_EQ(Call(guarded_, "GET", "/_stats?route=/a", kBearer).status, 404);
  EXPECT_EQ(Call(guarded_, "DELETE", "/_stats?route=/a", kBearer).status, 404)
      << "a route never hit (or deleted already) is not found";
}

TEST_F(ServiceDeleteTest, TheRouteIsNormalisedAsAHitsIs) {
  Hit("/a/b", 1);
  EXPECT_EQ(Call(guarded_, "DELETE", "/_stats?route=%2Fa%2F%62%2F", kBearer).status, 200);
}

TEST_F(ServiceDeleteTest, DeletingAPrefixSaysWhetherMoreRemain) {
  Hit("/api/x", 2);
  Hit("/api/y", 1);
  Hit("/web", 1);
  Response response = Call(guarded_, "DELETE", "/_stats?prefix=/api/", kBearer);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"prefix":"/api/","deletedRoutes":2,"deletedHits":3,"more":false})");
  EXPECT_EQ(Call(guarded_, "GET", "/_stats?route=/web", kBearer).status, 200);
}

TEST_F(ServiceDeleteTest, APrefixPastTheBoundIsDeletedAPageAtATime) {
  for (std::size_t i = 0; i < kMaxDeletedRoutesPerCall + 5; ++i) {
    store_.Seed(RouteStats{"/r/" + std::to_string(i), 2, kNow, kNow});
  }
  Response first = Call(guarded_, "DELETE", "/_stats?prefix=/r/", kBearer);
  EXPECT_EQ(first.body, R"({"prefix":"/r/","deletedRoutes":1000,"deletedHits":2000,"more":true})");
  Response second = Call(guarded_, "DELETE", "/_stats?prefix=/r/", kBearer);
  EXPECT_EQ(second.body, R"({"prefix":"/r/","deletedRoutes":5,"deletedHits":10,"more":false})");
}

TEST_F(ServiceDeleteTest, BadDeletionQueriesAre400) {
  for (const char* query : {"", "?", "?route=/a&prefix=/b", "?route=/a&route=/b",
                            "?prefix=", "?sort=count", "?route=/a&limit=3", "?route=%2"}) {
    Response response = Call(guarded_, "DELETE", std::string("/_stats") + query, kBearer);
    EXPECT_EQ(response.status, 400) << query;
    EXPECT_NE(response.body.find("invalid_query"), std::string::npos) << query;
  }
}

TEST_F(ServiceDeleteTest, AStoreFailureIs503AndNamesNoInternals) {
  Hit("/a", 1);
  store_.FailWith(Status::Unavailable("table secret-table in eu-west-1"));
  Response response = Call(guarded_, "DELETE", "/_stats?route=/a", kBearer);
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.body.find("secret-table"), std::string::npos) << response.body;
  EXPECT_EQ(response.detail, "table secret-table in eu-west-1");
}

TEST_F(ServiceDeleteTest, OnlyStatsDeletes) {
  EXPECT_EQ(Call(guarded_, "DELETE", "/_health", kBearer).status, 405);
  EXPECT_EQ(Call(guarded_, "DELETE", "/_dashboard", kBearer).status, 405);
}

}  // namespace
}  // namespace hitcounter

// The store contract for deleting routes (Store::Delete) and DeleteUnderPrefix over it.
#include <string>
#include <vector>

#include "core/delete_routes.h"
#include "tests/store_contract.h"

namespace hitcounter::testing {
namespace {

constexpr UnixMillis kT0 = 1'795'701'907'123;

void Hit(Store& store, const std::string& route, int times, UnixMillis at = kT0) {
  for (int i = 0; i < times; ++i) ASSERT_TRUE(IncrementAndWait(store, route, at).ok());
}

std::vector<std::string> Listed(Store& store, std::string prefix = "") {
  StatsQuery query;
  query.order = StatsOrder::kByRoute;
  query.prefix = std::move(prefix);
  query.limit = 1000;
  query.with_totals = true;
  Result<StatsPage> page = ListNow(store, query);
  EXPECT_TRUE(page.ok()) << page.status().message();
  std::vector<std::string> routes;
  if (!page.ok()) return routes;
  for (const RouteStats& stats : page->routes) routes.push_back(stats.route);
  EXPECT_EQ(page->totals->routes, static_cast<std::int64_t>(routes.size()));
  return routes;
}

Result<PrefixDeletion> DeletePrefixNow(Store& store, std::string prefix) {
  return Await<Result<PrefixDeletion>>([&](auto done) {
    DeleteUnderPrefix(store, std::move(prefix), kNoDeadline, std::move(done));
  });
}

TEST_P(StoreContractTest, DeletingARouteRemovesItsRecordAndSaysWhatItHeld) {
  Hit(*store_, "/a", 3);
  Hit(*store_, "/b", 2);
  Result<DeletedRoutes> deleted = DeleteNow(*store_, {"/a"});
  ASSERT_TRUE(deleted.ok()) << deleted.status().message();
  EXPECT_EQ(*deleted, (DeletedRoutes{1, 3}));
  EXPECT_EQ(GetNow(*store_, "/a").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(GetNow(*store_, "/b")->count, 2);
  EXPECT_EQ(Listed(*store_), std::vector<std::string>{"/b"});
  StatsQuery totals;
  totals.with_totals = true;
  EXPECT_EQ(*ListNow(*store_, totals)->totals, (RouteTotals{1, 2}));
}

TEST_P(StoreContractTest, DeletingRoutesNeverHitDeletesNothing) {
  Hit(*store_, "/a", 1);
  Result<DeletedRoutes> deleted = DeleteNow(*store_, {"/missing", "/a/b"});
  ASSERT_TRUE(deleted.ok()) << deleted.status().message();
  EXPECT_EQ(*deleted, (DeletedRoutes{0, 0}));
  EXPECT_EQ(GetNow(*store_, "/a")->count, 1);
}

TEST_P(StoreContractTest, ADeletedRouteHitAgainCountsFromOneFirstSeenAnew) {
  Hit(*store_, "/a", 4, kT0);
  ASSERT_TRUE(DeleteNow(*store_, {"/a"}).ok());
  Result<RouteStats> again = IncrementAndWait(*store_, "/a", kT0 + 5'000);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->count, 1);
  EXPECT_EQ(again->first_seen, kT0 + 5'000);
  EXPECT_EQ(GetNow(*store_, "/a")->count, 1);
}

TEST_P(StoreContractTest, DeletingFreesThePlaceOfTheRouteUnderTheBound) {
  std::unique_ptr<Store> store = GetParam().make(2);
  ASSERT_NE(store, nullptr);
  Hit(*store, "/a", 1);
  Hit(*store, "/b", 1);
  ASSERT_EQ(IncrementAndWait(*store, "/c", kT0).status().code(), StatusCode::kRouteLimitReached);
  ASSERT_EQ(*DeleteNow(*store, {"/a"}), (DeletedRoutes{1, 1}));
  EXPECT_TRUE(IncrementAndWait(*store, "/c", kT0).ok());
  EXPECT_EQ(IncrementAndWait(*store, "/d", kT0).status().code(), StatusCode::kRouteLimitReached);
}

TEST_P(StoreContractTest, ADeletionOfTooManyRoutesIsRefused) {
  std::vector<std::string> routes(kMaxDeletedRoutesPerCall + 1, "/a");
  EXPECT_EQ(DeleteNow(*store_, routes).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreContractTest, DeletingAPrefixDeletesOnlyTheRoutesStartingWithIt) {
  Hit(*store_, "/api/a", 2);
  Hit(*store_, "/api/b", 3);
  Hit(*store_, "/apis", 1);
  Hit(*store_, "/web", 1);
  Result<PrefixDeletion> deletion = DeletePrefixNow(*store_, "/api/");
  ASSERT_TRUE(deletion.ok()) << deletion.status().message();
  EXPECT_EQ(deletion->deleted, (DeletedRoutes{2, 5}));
  EXPECT_FALSE(deletion->more);
  EXPECT_EQ(Listed(*store_), (std::vector<std::string>{"/apis", "/web"}));
  ASSERT_TRUE(DeletePrefixNow(*store_, "/").ok());
  EXPECT_TRUE(Listed(*store_).empty());
}

TEST_P(StoreContractTest, ARateLimitWindowGoesWithItsRoute) {
  const RateLimit limit{1, 60};
  ASSERT_TRUE(IncrementWithin(*store_, "/a", kT0, limit).ok());
  ASSERT_EQ(IncrementWithin(*store_, "/a", kT0, limit).status().code(),
            StatusCode::kResourceExhausted);
  ASSERT_TRUE(DeleteNow(*store_, {"/a"}).ok());
  Result<CountedHit> again = IncrementWithin(*store_, "/a", kT0 + 1, limit);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->stats.count, 1);
}

}  // namespace
}  // namespace hitcounter::testing

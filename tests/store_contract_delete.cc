// The store contract for managing counts: deleting routes (Store::Delete, DeleteUnderPrefix
// over it) and importing records (Store::Import).
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

TEST_P(StoreContractTest, AReplacingImportWritesRecordsExactlyAndTwiceChangesNothing) {
  Hit(*store_, "/old", 5);
  const std::vector<RouteStats> records = {{"/old", 2, kT0 - 100, kT0 - 50},
                                           {"/new", 7, kT0 - 300, kT0 + 9}};
  Result<ImportedRoutes> first = ImportNow(*store_, records, ImportMode::kReplace);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_EQ(*first, (ImportedRoutes{1, 1}));
  EXPECT_EQ(*GetNow(*store_, "/old"), records[0]);
  EXPECT_EQ(*GetNow(*store_, "/new"), records[1]);
  ASSERT_EQ(*ImportNow(*store_, records, ImportMode::kReplace), (ImportedRoutes{0, 2}));
  EXPECT_EQ(*GetNow(*store_, "/old"), records[0]);
  EXPECT_EQ(*GetNow(*store_, "/new"), records[1]);
  EXPECT_EQ(IncrementAndWait(*store_, "/new", kT0 + 10)->count, 8);
}

TEST_P(StoreContractTest, AnAddingImportAddsCountsAndWidensTheTimes) {
  Hit(*store_, "/a", 3, kT0);
  ASSERT_EQ(*ImportNow(*store_, {{"/a", 4, kT0 - 1000, kT0 - 500}, {"/b", 1, kT0, kT0}},
                       ImportMode::kAdd),
            (ImportedRoutes{1, 1}));
  EXPECT_EQ(*GetNow(*store_, "/a"), (RouteStats{"/a", 7, kT0 - 1000, kT0}));
  ASSERT_TRUE(ImportNow(*store_, {{"/a", 1, kT0 + 5, kT0 + 7}}, ImportMode::kAdd).ok());
  EXPECT_EQ(*GetNow(*store_, "/a"), (RouteStats{"/a", 8, kT0 - 1000, kT0 + 7}));
  EXPECT_EQ(*GetNow(*store_, "/b"), (RouteStats{"/b", 1, kT0, kT0}));
}

TEST_P(StoreContractTest, AnImportOfImpossibleRecordsIsRefused) {
  for (const std::vector<RouteStats>& records :
       {std::vector<RouteStats>{{"/z", 0, kT0, kT0}},
        std::vector<RouteStats>{{"/t", 1, kT0, kT0 - 1}},
        std::vector<RouteStats>{{"/d", 1, kT0, kT0}, {"/d", 2, kT0, kT0}}}) {
    EXPECT_EQ(ImportNow(*store_, records, ImportMode::kAdd).status().code(),
              StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(GetNow(*store_, "/d").status().code(), StatusCode::kNotFound);
}

TEST_P(StoreContractTest, AnImportNeverPassesTheRouteBound) {
  std::unique_ptr<Store> store = GetParam().make(2);
  ASSERT_NE(store, nullptr);
  Hit(*store, "/a", 1);
  Result<ImportedRoutes> refused =
      ImportNow(*store, {{"/b", 1, kT0, kT0}, {"/c", 1, kT0, kT0}}, ImportMode::kReplace);
  EXPECT_EQ(refused.status().code(), StatusCode::kRouteLimitReached);
  EXPECT_EQ(IncrementAndWait(*store, "/d", kT0).status().code() == StatusCode::kRouteLimitReached,
            GetNow(*store, "/b").ok())
      << "the bound holds whatever part of the import was written";
  EXPECT_EQ(GetNow(*store, "/c").status().code(), StatusCode::kNotFound);
}

TEST_P(StoreContractTest, AnAddedCountPastTheMaximumIsRefused) {
  ASSERT_TRUE(ImportNow(*store_, {{"/m", INT64_MAX - 1, kT0, kT0}}, ImportMode::kReplace).ok());
  EXPECT_EQ(ImportNow(*store_, {{"/m", 2, kT0, kT0}}, ImportMode::kAdd).status().code(),
            StatusCode::kOutOfRange);
  EXPECT_EQ(GetNow(*store_, "/m")->count, INT64_MAX - 1);
}

}  // namespace
}  // namespace hitcounter::testing

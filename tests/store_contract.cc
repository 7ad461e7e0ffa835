#include "tests/store_contract.h"

#include <algorithm>
#include <future>
#include <set>
#include <thread>
#include <vector>

namespace hitcounter::testing {

Result<CountedHit> IncrementWithin(Store& store, std::string route, UnixMillis now,
                                   std::optional<RateLimit> limit) {
  return IncrementNow(store, std::move(route), now, limit);
}

Result<RouteStats> IncrementAndWait(Store& store, std::string route, UnixMillis now) {
  Result<CountedHit> hit = IncrementWithin(store, std::move(route), now, std::nullopt);
  if (!hit.ok()) return hit.status();
  return hit->stats;
}

namespace {

constexpr UnixMillis kT0 = 1'795'701'907'123;

std::vector<std::string> RoutesOf(const StatsPage& page) {
  std::vector<std::string> routes;
  for (const RouteStats& stats : page.routes) routes.push_back(stats.route);
  return routes;
}

// Hits `route` `times` times at kT0 + offset.
void Hit(Store& store, const std::string& route, int times, UnixMillis offset = 0) {
  for (int i = 0; i < times; ++i) {
    ASSERT_TRUE(IncrementAndWait(store, route, kT0 + offset).ok());
  }
}

TEST_P(StoreContractTest, TheFirstHitCreatesTheRouteWithCountOne) {
  Result<RouteStats> stats = IncrementAndWait(*store_, "/a", kT0);
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(*stats, (RouteStats{"/a", 1, kT0, kT0}));
}

TEST_P(StoreContractTest, HitsAccumulateKeepFirstSeenAndMoveLastAccess) {
  Hit(*store_, "/a", 2);
  Result<RouteStats> stats = IncrementAndWait(*store_, "/a", kT0 + 500);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(*stats, (RouteStats{"/a", 3, kT0, kT0 + 500}));
  Result<RouteStats> read = GetNow(*store_, "/a");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, *stats);
}

TEST_P(StoreContractTest, GetOfARouteNeverHitIsNotFound) {
  EXPECT_EQ(GetNow(*store_, "/never").status().code(), StatusCode::kNotFound);
}

TEST_P(StoreContractTest, RoutesAreExactBytesWithAnyPrintableUnicode) {
  const std::string odd = "/say \"hi\"\\/café/😀/%2F";
  Hit(*store_, odd, 1);
  Hit(*store_, "/say \"hi\"\\/cafe/😀/%2F", 1);
  Result<RouteStats> stats = GetNow(*store_, odd);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->route, odd);
  EXPECT_EQ(stats->count, 1);
}

TEST_P(StoreContractTest, ListsByCountDescendingWithTiesByRouteDescending) {
  Hit(*store_, "/one", 1);
  Hit(*store_, "/three", 3);
  Hit(*store_, "/also-one", 1);
  Result<StatsPage> page = ListNow(*store_, StatsQuery{StatsOrder::kByCount, "", 10, {}});
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_EQ(RoutesOf(*page), (std::vector<std::string>{"/three", "/one", "/also-one"}));
  EXPECT_FALSE(page->next);
}

TEST_P(StoreContractTest, ListsByRouteAscending) {
  for (const char* route : {"/b", "/a", "/c"}) Hit(*store_, route, 1);
  Result<StatsPage> page = ListNow(*store_, StatsQuery{StatsOrder::kByRoute, "", 10, {}});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(RoutesOf(*page), (std::vector<std::string>{"/a", "/b", "/c"}));
}

TEST_P(StoreContractTest, ListsByLastAccessNewestFirst) {
  Hit(*store_, "/old", 1, 0);
  Hit(*store_, "/new", 1, 2000);
  Hit(*store_, "/mid", 1, 1000);
  Result<StatsPage> page = ListNow(*store_, StatsQuery{StatsOrder::kByLastAccess, "", 10, {}});
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(RoutesOf(*page), (std::vector<std::string>{"/new", "/mid", "/old"}));
}

TEST_P(StoreContractTest, ListsOnlyRoutesUnderThePrefix) {
  for (const char* route : {"/api/a", "/api/b", "/apx", "/api", "/b"}) Hit(*store_, route, 1);
  for (StatsOrder order : {StatsOrder::kByCount, StatsOrder::kByRoute, StatsOrder::kByLastAccess}) {
    Result<StatsPage> page = ListNow(*store_, StatsQuery{order, "/api/", 10, {}});
    ASSERT_TRUE(page.ok());
    std::vector<std::string> routes = RoutesOf(*page);
    std::sort(routes.begin(), routes.end());
    EXPECT_EQ(routes, (std::vector<std::string>{"/api/a", "/api/b"}));
  }
}

TEST_P(StoreContractTest, PagesVisitEveryRouteOnceInEveryOrder) {
  std::set<std::string> all;
  for (int i = 0; i < 23; ++i) {
    std::string route = "/r/" + std::to_string(i);
    Hit(*store_, route, 1 + i % 4, i % 5);
    all.insert(route);
  }
  for (StatsOrder order : {StatsOrder::kByCount, StatsOrder::kByRoute, StatsOrder::kByLastAccess}) {
    StatsQuery query{order, "", 5, {}};
    std::vector<std::string> seen;
    for (int pages = 0; pages < 10; ++pages) {
      Result<StatsPage> page = ListNow(*store_, query);
      ASSERT_TRUE(page.ok());
      EXPECT_LE(page->routes.size(), 5u);
      for (const std::string& route : RoutesOf(*page)) seen.push_back(route);
      if (!page->next) break;
      query.after = page->next;
    }
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), all);
    EXPECT_EQ(seen.size(), all.size()) << "a route was listed twice";
  }
}

TEST_P(StoreContractTest, ListsTheTotalsOfEveryRouteUnderThePrefixOnEveryPageWhenAsked) {
  Hit(*store_, "/api/a", 2);
  Hit(*store_, "/api/b", 3);
  Hit(*store_, "/api/c", 1);
  Hit(*store_, "/b", 1);
  StatsQuery query{StatsOrder::kByCount, "/api/", 2, {}, /*with_totals=*/true};
  Result<StatsPage> first = ListNow(*store_, query);
  ASSERT_TRUE(first.ok()) << first.status().message();
  ASSERT_TRUE(first->totals);
  EXPECT_EQ(*first->totals, (RouteTotals{3, 6}));
  ASSERT_TRUE(first->next);
  query.after = first->next;
  Result<StatsPage> second = ListNow(*store_, query);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(RoutesOf(*second), (std::vector<std::string>{"/api/c"}));
  ASSERT_TRUE(second->totals) << "totals do not depend on the page";
  EXPECT_EQ(*second->totals, (RouteTotals{3, 6}));

  Result<StatsPage> all = ListNow(*store_, StatsQuery{StatsOrder::kByRoute, "", 1, {}, true});
  ASSERT_TRUE(all.ok());
  ASSERT_TRUE(all->totals);
  EXPECT_EQ(*all->totals, (RouteTotals{4, 7}));
  Result<StatsPage> none = ListNow(*store_, StatsQuery{StatsOrder::kByRoute, "/zzz", 1, {}, true});
  ASSERT_TRUE(none.ok());
  ASSERT_TRUE(none->totals);
  EXPECT_EQ(*none->totals, (RouteTotals{0, 0}));
  EXPECT_FALSE(ListNow(*store_, StatsQuery{})->totals) << "only when asked";
}

TEST_P(StoreContractTest, TotalsFollowNewHits) {
  Hit(*store_, "/x", 1);
  const StatsQuery query{StatsOrder::kByCount, "", 10, {}, /*with_totals=*/true};
  EXPECT_EQ(ListNow(*store_, query)->totals, (RouteTotals{1, 1}));
  Hit(*store_, "/x", 2);
  Hit(*store_, "/y", 1);
  EXPECT_EQ(ListNow(*store_, query)->totals, (RouteTotals{2, 4}));
}

TEST_P(StoreContractTest, ConcurrentHitsAreExactAndEachCountIsReturnedOnce) {
  constexpr int kThreads = 8;
  constexpr int kHitsPerThread = 100;
  const std::vector<std::string> routes = {"/x", "/y", "/z"};
  std::vector<std::vector<std::int64_t>> counts(kThreads * routes.size());
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kHitsPerThread; ++i) {
        std::size_t r = static_cast<std::size_t>(i) % routes.size();
        Result<RouteStats> stats = IncrementAndWait(*store_, routes[r], kT0);
        if (stats.ok())
          counts[static_cast<std::size_t>(t) * routes.size() + r].push_back(stats->count);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (std::size_t r = 0; r < routes.size(); ++r) {
    std::set<std::int64_t> unique;
    std::size_t returned = 0;
    for (int t = 0; t < kThreads; ++t) {
      for (std::int64_t count : counts[static_cast<std::size_t>(t) * routes.size() + r]) {
        unique.insert(count);
        ++returned;
      }
    }
    Result<RouteStats> stats = GetNow(*store_, routes[r]);
    ASSERT_TRUE(stats.ok());
    EXPECT_EQ(static_cast<std::size_t>(stats->count), returned) << routes[r];
    EXPECT_EQ(unique.size(), returned) << "a count was returned twice for " << routes[r];
    EXPECT_EQ(*unique.rbegin(), stats->count);
  }
}

TEST_P(StoreContractTest, IsHealthyWhenItAnswers) { EXPECT_TRUE(HealthNow(*store_).ok()); }

}  // namespace
}  // namespace hitcounter::testing

// The store contract for a bound on the number of routes (kDefaultMaxRoutes).
#include <atomic>
#include <thread>
#include <vector>

#include "tests/store_contract.h"

namespace hitcounter::testing {
namespace {

constexpr UnixMillis kT0 = 1'795'701'907'123;

std::unique_ptr<Store> StoreWithMaxRoutes(std::int64_t max_routes) {
  return StoreContractTest::GetParam().make(max_routes);
}

TEST_P(StoreContractTest, ANewRoutePastTheBoundIsRefusedAndKnownRoutesKeepCounting) {
  std::unique_ptr<Store> store = StoreWithMaxRoutes(3);
  ASSERT_NE(store, nullptr);
  for (const char* route : {"/a", "/b", "/c"})
    ASSERT_TRUE(IncrementAndWait(*store, route, kT0).ok());
  Result<RouteStats> refused = IncrementAndWait(*store, "/d", kT0);
  EXPECT_EQ(refused.status().code(), StatusCode::kRouteLimitReached);
  EXPECT_NE(refused.status().message().find("3 routes"), std::string::npos)
      << refused.status().message();
  Result<RouteStats> known = IncrementAndWait(*store, "/a", kT0 + 1);
  ASSERT_TRUE(known.ok()) << known.status().message();
  EXPECT_EQ(known->count, 2);
  EXPECT_EQ(GetNow(*store, "/d").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ListNow(*store, StatsQuery{})->routes.size(), 3u);
}

TEST_P(StoreContractTest, ConcurrentNewRoutesNeverPassTheBound) {
  constexpr std::int64_t kMaxRoutes = 10;
  constexpr int kThreads = 8;
  constexpr int kRoutesPerThread = 8;
  std::unique_ptr<Store> store = StoreWithMaxRoutes(kMaxRoutes);
  ASSERT_NE(store, nullptr);
  std::atomic<int> counted{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRoutesPerThread; ++i) {
        std::string route = "/r" + std::to_string(t) + "-" + std::to_string(i);
        StatusCode code = IncrementAndWait(*store, route, kT0).status().code();
        if (code == StatusCode::kOk) ++counted;
        if (code == StatusCode::kRouteLimitReached) ++refused;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(counted.load(), kMaxRoutes);
  EXPECT_EQ(refused.load(), kThreads * kRoutesPerThread - kMaxRoutes);
  EXPECT_EQ(ListNow(*store, StatsQuery{})->routes.size(), static_cast<std::size_t>(kMaxRoutes));
}

// Racing first hits on one route may each claim a place, but only one creates the route and
// the others give theirs back: afterwards the route takes one place of the bound.
TEST_P(StoreContractTest, ConcurrentFirstHitsOnOneRouteTakeOnePlace) {
  constexpr int kThreads = 8;
  constexpr std::int64_t kMaxRoutes = kThreads + 1;
  std::unique_ptr<Store> store = StoreWithMaxRoutes(kMaxRoutes);
  ASSERT_NE(store, nullptr);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      Result<RouteStats> hit = IncrementAndWait(*store, "/same", kT0);
      EXPECT_TRUE(hit.ok()) << hit.status().message();
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(GetNow(*store, "/same")->count, kThreads);
  for (std::int64_t i = 1; i < kMaxRoutes; ++i) {
    Result<RouteStats> hit = IncrementAndWait(*store, "/other" + std::to_string(i), kT0);
    EXPECT_TRUE(hit.ok()) << i << ": " << hit.status().message();
  }
  EXPECT_EQ(IncrementAndWait(*store, "/one-too-many", kT0).status().code(),
            StatusCode::kRouteLimitReached);
}

TEST_P(StoreContractTest, ARateLimitedHitOnARefusedRouteIsRefusedAsOneTooMany) {
  std::unique_ptr<Store> store = StoreWithMaxRoutes(1);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(IncrementWithin(*store, "/a", kT0, RateLimit{5, 60}).ok());
  Result<CountedHit> refused = IncrementWithin(*store, "/b", kT0, RateLimit{5, 60});
  EXPECT_EQ(refused.status().code(), StatusCode::kRouteLimitReached);
  EXPECT_EQ(ListNow(*store, StatsQuery{})->routes.size(), 1u);
}

}  // namespace
}  // namespace hitcounter::testing

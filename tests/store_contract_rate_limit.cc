// The store contract for rate-limited hits (Store::Increment with a limit).
#include <atomic>
#include <thread>
#include <vector>

#include "tests/store_contract.h"

namespace hitcounter::testing {
namespace {

constexpr UnixMillis kWindowStart = 1'795'701'900'000;  // 2026-11-26T14:05:00.000Z
constexpr RateLimit kThreePerMinute{3, 60};

TEST_P(StoreContractTest, ALimitCapsTheWindowAndRefusedHitsCountNothing) {
  for (std::int64_t i = 1; i <= 3; ++i) {
    Result<CountedHit> hit = IncrementWithin(*store_, "/login", kWindowStart + i, kThreePerMinute);
    ASSERT_TRUE(hit.ok()) << hit.status().message();
    EXPECT_EQ(hit->window_hits, i);
    EXPECT_EQ(hit->stats.count, i);
  }
  Result<CountedHit> refused =
      IncrementWithin(*store_, "/login", kWindowStart + 9, kThreePerMinute);
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
  Result<RouteStats> stats = GetNow(*store_, "/login");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->count, 3);
  EXPECT_EQ(stats->last_access, kWindowStart + 3);
}

TEST_P(StoreContractTest, TheNextWindowStartsAfresh) {
  for (int i = 0; i < 4; ++i) (void)IncrementWithin(*store_, "/a", kWindowStart, kThreePerMinute);
  Result<CountedHit> last_ms =
      IncrementWithin(*store_, "/a", kWindowStart + 59'999, kThreePerMinute);
  EXPECT_EQ(last_ms.status().code(), StatusCode::kResourceExhausted);
  Result<CountedHit> next = IncrementWithin(*store_, "/a", kWindowStart + 60'000, kThreePerMinute);
  ASSERT_TRUE(next.ok()) << next.status().message();
  EXPECT_EQ(next->window_hits, 1);
  EXPECT_EQ(next->stats.count, 4);
}

TEST_P(StoreContractTest, AChangedWindowLengthStartsANewWindow) {
  for (int i = 0; i < 3; ++i) (void)IncrementWithin(*store_, "/a", kWindowStart, kThreePerMinute);
  Result<CountedHit> hourly = IncrementWithin(*store_, "/a", kWindowStart, RateLimit{5, 3600});
  ASSERT_TRUE(hourly.ok()) << hourly.status().message();
  EXPECT_EQ(hourly->window_hits, 1);
}

TEST_P(StoreContractTest, LimitsAreKeptPerRouteAndUnlimitedHitsIgnoreThem) {
  for (int i = 0; i < 5; ++i) (void)IncrementWithin(*store_, "/a", kWindowStart, kThreePerMinute);
  Result<CountedHit> other = IncrementWithin(*store_, "/b", kWindowStart, kThreePerMinute);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->window_hits, 1);
  Result<CountedHit> unlimited = IncrementWithin(*store_, "/a", kWindowStart, std::nullopt);
  ASSERT_TRUE(unlimited.ok());
  EXPECT_EQ(unlimited->window_hits, 0);
  EXPECT_EQ(unlimited->stats.count, 4);
}

TEST_P(StoreContractTest, WindowsNeverShowInListings) {
  (void)IncrementWithin(*store_, "/a", kWindowStart, kThreePerMinute);
  for (StatsOrder order : {StatsOrder::kByCount, StatsOrder::kByRoute, StatsOrder::kByLastAccess}) {
    StatsQuery query;
    query.order = order;
    Result<StatsPage> page = ListNow(*store_, query);
    ASSERT_TRUE(page.ok()) << page.status().message();
    ASSERT_EQ(page->routes.size(), 1u);
    EXPECT_EQ(page->routes[0].route, "/a");
  }
}

TEST_P(StoreContractTest, ConcurrentLimitedHitsAcceptExactlyTheLimit) {
  constexpr int kClients = 64;
  constexpr RateLimit kTen{10, 60};
  std::atomic<int> accepted{0}, refused{0}, failed{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      Result<CountedHit> hit = IncrementWithin(*store_, "/hot", kWindowStart + 1, kTen);
      if (hit.ok()) {
        ++accepted;
      } else if (hit.status().code() == StatusCode::kResourceExhausted) {
        ++refused;
      } else {
        ++failed;
      }
    });
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(accepted.load(), 10);
  EXPECT_EQ(refused.load(), kClients - 10);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(GetNow(*store_, "/hot")->count, 10);
}

}  // namespace
}  // namespace hitcounter::testing

// The kill -9 loop: an acknowledged hit survives SIGKILL of the server at any moment.
//
// Each round starts the server on the same SQLite file, drives it from several clients over a
// few routes, kills it after a random delay, then opens the file as the kill left it (read-only,
// before any restart can repair it): PRAGMA integrity_check must say ok, and every route's count
// must lie between the highest count the server acknowledged and the hits sent (those without an
// answer included: they may or may not have been committed). The restarted server must then
// serve that same count. The seed of the kill delays is printed; HITCOUNTER_TEST_SEED=N reuses it.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <optional>
#include <random>
#include <thread>

#include "tests/blackbox/fixture.h"
#include "tests/blackbox/sqlite_file.h"

namespace hitcounter::testing {
namespace {

using std::chrono::milliseconds;

constexpr int kRounds = 25;
constexpr int kClients = 8;
constexpr int kRoutes = 4;
// The kill comes this long after the load starts, at random: from "the first hits are being
// written" to "many group commits in".
constexpr int kMinKillDelayMillis = 20;
constexpr int kMaxKillDelayMillis = 400;

unsigned SeedForThisRun() {
  const char* fixed = std::getenv("HITCOUNTER_TEST_SEED");
  if (fixed != nullptr && *fixed != '\0') return static_cast<unsigned>(std::stoul(fixed));
  return std::random_device{}();
}

class CrashTest : public BlackBoxTest {
 protected:
  void SetUp() override {
    BlackBoxTest::SetUp();
    if (External()) GTEST_SKIP() << "needs to kill the server";
    if (StoreUnderTest() != StoreKind::kSqlite) GTEST_SKIP() << "checks the SQLite file";
  }
};

TEST_F(CrashTest, NoAcknowledgedHitIsLostWhenTheServerIsKilledUnderLoadTwentyFiveTimes) {
  const unsigned seed = SeedForThisRun();
  std::printf("kill -9 loop: seed %u (HITCOUNTER_TEST_SEED=%u reuses it)\n", seed, seed);
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> kill_delay(kMinKillDelayMillis, kMaxKillDelayMillis);
  std::vector<std::atomic<std::int64_t>> sent(kRoutes), acknowledged(kRoutes);
  std::atomic<std::int64_t> hits_acknowledged{0}, hits_unanswered{0}, hits_refused{0};
  std::int64_t max_loss = 0;
  auto route = [&](int r) { return Route("/k" + std::to_string(r)); };

  for (int round = 0; round < kRounds; ++round) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        HttpClient client(host_, port_);
        for (int i = 0; !stop; ++i) {
          const auto r = static_cast<std::size_t>((c + i) % kRoutes);
          sent[r]++;
          HttpReply reply = client.Get(route(static_cast<int>(r)));
          if (reply.status != 200) {  // the server is gone: this hit may or may not count
            ++(reply.status == 0 ? hits_unanswered : hits_refused);
            break;
          }
          ++hits_acknowledged;
          rapidjson::Document doc;
          doc.Parse(reply.body.c_str());
          const std::int64_t count = doc["count"].GetInt64();
          for (std::int64_t best = acknowledged[r];
               count > best && !acknowledged[r].compare_exchange_weak(best, count);) {
          }
        }
      });
    }
    std::this_thread::sleep_for(milliseconds(kill_delay(random)));
    server_->process().Signal(SIGKILL);
    ASSERT_TRUE(server_->process().WaitForExit(std::chrono::seconds(10)));
    stop = true;
    for (std::thread& client : clients) client.join();

    std::vector<std::int64_t> in_file(kRoutes);
    {
      SqliteFile file(DatabasePath());
      ASSERT_EQ(file.IntegrityCheck(), "ok") << "round " << round;
      for (int r = 0; r < kRoutes; ++r) {
        const auto i = static_cast<std::size_t>(r);
        std::optional<std::int64_t> count = file.CountOf(route(r));
        ASSERT_TRUE(count.has_value()) << "round " << round;
        in_file[i] = *count;
        max_loss = std::max(max_loss, acknowledged[i] - *count);
        EXPECT_GE(*count, acknowledged[i]) << "an acknowledged hit was lost in round " << round;
        EXPECT_LE(*count, sent[i]) << "more counted than sent in round " << round;
      }
    }

    server_ = std::make_unique<ServerProcess>(store_, ServerArgs());
    port_ = server_->port();
    ASSERT_NE(port_, 0) << "the server did not restart after round " << round;
    client_ = std::make_unique<HttpClient>(host_, port_);
    for (int r = 0; r < kRoutes; ++r) {
      EXPECT_EQ(CountOf(route(r)), in_file[static_cast<std::size_t>(r)]) << "round " << round;
    }
  }
  std::printf(
      "kill -9 loop: %d rounds, %lld hits acknowledged, %lld unanswered, %lld refused, "
      "max loss %lld\n",
      kRounds, static_cast<long long>(hits_acknowledged.load()),
      static_cast<long long>(hits_unanswered.load()), static_cast<long long>(hits_refused.load()),
      static_cast<long long>(max_loss));
  EXPECT_EQ(max_loss, 0);
  EXPECT_EQ(hits_refused, 0) << "a hit got an error status instead of a count or nothing";
  EXPECT_GT(hits_acknowledged, kRounds);
}

}  // namespace
}  // namespace hitcounter::testing

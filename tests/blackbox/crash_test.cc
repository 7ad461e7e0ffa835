// An acknowledged hit survives kill -9 of the server at any moment.
#include <signal.h>
#include <sqlite3.h>

#include <atomic>
#include <random>
#include <thread>

#include "tests/blackbox/fixture.h"

namespace hitcounter::testing {
namespace {

constexpr int kRounds = 5;
constexpr int kClients = 8;
constexpr int kRoutes = 4;

class CrashTest : public BlackBoxTest {
 protected:
  void SetUp() override {
    BlackBoxTest::SetUp();
    if (External()) GTEST_SKIP() << "needs to kill the server";
    if (StoreUnderTest() != StoreKind::kSqlite) GTEST_SKIP() << "checks the SQLite file";
  }
};

std::string IntegrityCheck(const std::string& path) {
  sqlite3* db = nullptr;
  std::string result = "cannot open";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_exec(
        db, "PRAGMA integrity_check",
        [](void* out, int, char** values, char**) {
          *static_cast<std::string*>(out) = values[0];
          return 0;
        },
        &result, nullptr);
  }
  sqlite3_close(db);
  return result;
}

TEST_F(CrashTest, NoAcknowledgedHitIsLostWhenTheServerIsKilledUnderLoad) {
  std::mt19937 random(20261126);
  std::vector<std::atomic<std::int64_t>> sent(kRoutes), acknowledged(kRoutes);
  for (int round = 0; round < kRounds; ++round) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        HttpClient client(host_, port_);
        for (int i = 0; !stop; ++i) {
          int r = (c + i) % kRoutes;
          sent[static_cast<std::size_t>(r)]++;
          HttpReply reply = client.Get(Route("/k" + std::to_string(r)));
          if (reply.status != 200) break;  // the server is gone
          rapidjson::Document doc;
          doc.Parse(reply.body.c_str());
          std::int64_t count = doc["count"].GetInt64();
          auto& best = acknowledged[static_cast<std::size_t>(r)];
          for (std::int64_t seen = best;
               count > seen && !best.compare_exchange_weak(seen, count);) {
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + random() % 400));
    server_->process().Signal(SIGKILL);
    ASSERT_TRUE(server_->process().WaitForExit(std::chrono::seconds(10)));
    stop = true;
    for (std::thread& client : clients) client.join();
    EXPECT_EQ(IntegrityCheck(DatabasePath()), "ok") << "round " << round;

    server_ = std::make_unique<ServerProcess>(store_, ServerArgs());
    port_ = server_->port();
    ASSERT_NE(port_, 0);
    client_ = std::make_unique<HttpClient>(host_, port_);
    for (int r = 0; r < kRoutes; ++r) {
      std::int64_t count = CountOf(Route("/k" + std::to_string(r)));
      EXPECT_GE(count, acknowledged[static_cast<std::size_t>(r)]) << "round " << round;
      EXPECT_LE(count, sent[static_cast<std::size_t>(r)]) << "round " << round;
    }
  }
  EXPECT_GT(acknowledged[0], 0);
}

}  // namespace
}  // namespace hitcounter::testing

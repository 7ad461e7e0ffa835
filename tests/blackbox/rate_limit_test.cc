// Rate limits through real servers on the store under test: exact under concurrency, also when
// several server processes share the store.
#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "tests/blackbox/fixture.h"

namespace hitcounter::testing {
namespace {

constexpr int kLimit = 10;
constexpr int kClients = 64;

class RateLimitTest : public BlackBoxTest {
 protected:
  void SetUp() override {
    BlackBoxTest::SetUp();
    if (External()) GTEST_SKIP() << "starts servers with limits of their own";
  }

  // A server on this test's store with `flags` after the store's own. The fixture's server is
  // stopped first: a SQLite file has one owner.
  std::unique_ptr<ServerProcess> LimitedServer(const std::vector<std::string>& flags) {
    server_.reset();
    std::vector<std::string> args = ServerArgs();
    args.insert(args.end(), flags.begin(), flags.end());
    auto server = std::make_unique<ServerProcess>(store_, args);
    EXPECT_NE(server->port(), 0) << "the limited server did not start";
    client_ = std::make_unique<HttpClient>(host_, server->port());
    return server;
  }

  // The tests fire at windows of an hour: start clear of an hour's end, so that all the hits
  // fall in one window.
  static void AwayFromAWindowEnd() {
    using namespace std::chrono;
    const auto into_hour = system_clock::now().time_since_epoch() % hours(1);
    if (hours(1) - into_hour < seconds(30)) std::this_thread::sleep_for(hours(1) - into_hour);
  }

  struct Tally {
    std::atomic<int> ok{0}, limited{0}, other{0};
    std::atomic<int> well_formed_429{0};
  };

  // kClients concurrent requests to `route`, each on its own connection, spread over `ports`.
  static void Fire(const std::vector<int>& ports, const std::string& route, Tally& tally) {
    std::vector<std::thread> clients;
    std::atomic<int> ready{0};
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        HttpClient client("127.0.0.1", ports[static_cast<std::size_t>(c) % ports.size()]);
        ++ready;
        while (ready.load() < kClients) std::this_thread::yield();  // all at once
        HttpReply reply = client.Get(route);
        if (reply.status == 200) {
          ++tally.ok;
        } else if (reply.status == 429) {
          ++tally.limited;
          rapidjson::Document doc = Json(reply);
          if (doc.IsObject() && std::string_view(doc["error"].GetString()) == "rate_limited" &&
              doc["limit"].GetInt() == kLimit && doc["windowSeconds"].GetInt() == 3600 &&
              reply.headers.count("retry-after") == 1 && reply.headers.count("ratelimit") == 1) {
            ++tally.well_formed_429;
          }
        } else {
          ++tally.other;
        }
      });
    }
    for (std::thread& client : clients) client.join();
  }
};

TEST_F(RateLimitTest, SixtyFourConcurrentHitsWithLimitTenGiveTenAcceptedAndFiftyFourRefused) {
  auto server = LimitedServer({"--rate-limit", "10/1h"});
  AwayFromAWindowEnd();
  Tally tally;
  Fire({server->port()}, Route("/hot"), tally);
  EXPECT_EQ(tally.ok.load(), kLimit);
  EXPECT_EQ(tally.limited.load(), kClients - kLimit);
  EXPECT_EQ(tally.well_formed_429.load(), kClients - kLimit);
  EXPECT_EQ(tally.other.load(), 0);
  EXPECT_EQ(CountOf(Route("/hot")), kLimit);
}

TEST_F(RateLimitTest, TwoServersOnOneStoreShareTheLimitExactly) {
  if (StoreUnderTest() == StoreKind::kSqlite) {
    GTEST_SKIP() << "one server owns a SQLite file (shared_store_test.cc); servers share DynamoDB";
  }
  auto first = LimitedServer({"--rate-limit", "10/1h"});
  auto second = LimitedServer({"--rate-limit", "10/1h"});
  AwayFromAWindowEnd();
  Tally tally;
  Fire({first->port(), second->port()}, Route("/shared"), tally);
  EXPECT_EQ(tally.ok.load(), kLimit);
  EXPECT_EQ(tally.limited.load(), kClients - kLimit);
  EXPECT_EQ(tally.other.load(), 0);
  EXPECT_EQ(CountOf(Route("/shared")), kLimit);
}

TEST_F(RateLimitTest, OtherRoutesKeepCountingWhileOneIsLimited) {
  auto server = LimitedServer({"--rate-limit", "10/1h"});
  AwayFromAWindowEnd();
  HttpClient client("127.0.0.1", server->port());
  for (int i = 0; i < kLimit + 5; ++i) client.Get(Route("/busy"));
  EXPECT_EQ(client.Get(Route("/busy")).status, 429);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client.Get(Route("/quiet")).status, 200);
  EXPECT_EQ(CountOf(Route("/busy")), kLimit);
  EXPECT_EQ(CountOf(Route("/quiet")), 3);
}

TEST_F(RateLimitTest, AcceptedAndRefusedHitsCarryTheRateLimitFields) {
  auto server = LimitedServer({"--rate-limit", "2/1h"});
  AwayFromAWindowEnd();
  HttpClient client("127.0.0.1", server->port());
  HttpReply first = client.Get(Route());
  EXPECT_EQ(first.headers["ratelimit-policy"], "\"per-route\";q=2;w=3600");
  EXPECT_EQ(first.headers["ratelimit"].rfind("\"per-route\";r=1;t=", 0), 0u);
  client.Get(Route());
  HttpReply refused = client.Get(Route());
  ASSERT_EQ(refused.status, 429);
  const int retry_after = std::atoi(refused.headers["retry-after"].c_str());
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 3600);
  EXPECT_EQ(Json(refused)["retryAfter"].GetInt(), retry_after);
  EXPECT_EQ(refused.headers["ratelimit"], "\"per-route\";r=0;t=" + std::to_string(retry_after));
}

TEST_F(RateLimitTest, ARulesFileOverridesTheDefaultByPrefix) {
  const std::string rules = dir_.path() + "/limits.conf";
  std::ofstream(rules) << "# per-prefix limits\n"
                       << Route("/login") << " 1/1h\n"
                       << Route("/static/") << " unlimited\n";
  auto server = LimitedServer({"--rate-limit", "3/1h", "--rate-limit-file", rules});
  AwayFromAWindowEnd();
  HttpClient client("127.0.0.1", server->port());
  EXPECT_EQ(client.Get(Route("/login")).status, 200);
  EXPECT_EQ(client.Get(Route("/login")).status, 429);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(client.Get(Route("/static/app.js")).status, 200);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(client.Get(Route("/other")).status, 200);
  EXPECT_EQ(client.Get(Route("/other")).status, 429);
}

TEST_F(RateLimitTest, ABadLimitStopsTheServerAtStartWithAReason) {
  std::string output;
  // Through sh, to read the reason from stderr.
  std::vector<std::string> argv = {"/bin/sh",          "-c",      "exec \"$0\" \"$@\" 2>&1",
                                   HitcounterBinary(), "serve",   "--listen",
                                   "127.0.0.1:0",      "--store", store_,
                                   "--rate-limit",     "ten/1m"};
  for (const std::string& flag : StoreFlags()) argv.push_back(flag);
  EXPECT_EQ(RunToExit(argv, &output), 1);
  EXPECT_NE(output.find("--rate-limit"), std::string::npos) << output;
}

}  // namespace
}  // namespace hitcounter::testing

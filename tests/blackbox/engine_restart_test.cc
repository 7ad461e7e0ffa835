// The DynamoDB engine killed and restarted under the server's feet, under load.
//
// The server runs on an engine of its own (killing the shared one would break the other tests),
// of the kind under test: this runs in the blackbox_on_dynalite and blackbox_on_dynamodb-local
// runs, and is skipped on SQLite. Clients hit the server all along. While the engine is dead
// every hit is a JSON 503 within the store's call timeout (none hangs); once the engine is back
// (empty: the engines keep their tables in memory, so the table is created again) every hit is
// 200 and the counts are exact: the server's kept-alive connections to the dead engine were
// dropped and new ones made, none left stuck.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "tests/blackbox/fixture.h"

namespace hitcounter::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// The server's DynamoDB call timeout (store/dynamodb_store.h: kDefaultDynamoDbCallTimeout), and
// scheduling slack on top of it for a loaded 2-core machine running sanitizer builds.
constexpr milliseconds kCallTimeout{5'000};
constexpr milliseconds kSlack{3'000};

constexpr char kTable[] = "engine-restart";  // on the test's own engine
constexpr int kClients = 6;
constexpr int kRoutes = 3;
// The engine is killed once this many hits were counted (a fresh DynamoDB Local takes seconds
// over its first calls), and at the latest after kWarmUpTimeout.
constexpr int kCountedBeforeKill = 30;
constexpr milliseconds kWarmUpTimeout{60'000};
constexpr milliseconds kDown{1'500};
constexpr milliseconds kLoadAfterRestart{1'500};
// A client that got an error waits this long before its next hit, so that refused connections
// do not turn the down time into a busy loop.
constexpr milliseconds kPauseAfterError{20};

// When a hit was sent, relative to the engine's death and return.
enum Phase : int { kBeforeKill, kDownOrRestarting, kBack };

struct Reply {
  Phase sent_in;
  int route;
  int status;
  std::string error;  // the JSON error of a non-200
  std::int64_t count;
  milliseconds took;
  steady_clock::time_point answered;
};

class EngineRestartTest : public BlackBoxTest {
 protected:
  void SetUp() override {
    BlackBoxTest::SetUp();
    if (External()) GTEST_SKIP() << "needs to kill the server's engine";
    const StoreKind kind = StoreUnderTest();
    if (kind == StoreKind::kSqlite) GTEST_SKIP() << "kills a DynamoDB engine";
    std::string error;
    engine_ =
        LocalDynamoDb::Start(kind == StoreKind::kDynalite ? LocalDynamoDb::Engine::kDynalite
                                                          : LocalDynamoDb::Engine::kDynamoDbLocal,
                             &error);
    ASSERT_NE(engine_, nullptr) << error;
    ASSERT_NO_FATAL_FAILURE(CreateTable());
    server_ = std::make_unique<ServerProcess>(
        "dynamodb:" + std::string(kTable),
        std::vector<std::string>{"--endpoint-url", engine_->endpoint_url()});
    port_ = server_->port();
    ASSERT_NE(port_, 0) << "the server did not start";
    client_ = std::make_unique<HttpClient>(host_, port_);
  }

  // `hitcounter create-table`, which waits until the table is ACTIVE.
  void CreateTable() {
    std::string output;
    const int code =
        RunToExit({HitcounterBinary(), "create-table", "--store", "dynamodb:" + std::string(kTable),
                   "--endpoint-url", engine_->endpoint_url()},
                  &output);
    ASSERT_EQ(code, 0) << "create-table failed: " << output;
  }

  std::unique_ptr<LocalDynamoDb> engine_;
};

TEST_F(EngineRestartTest, HitsAre503WhileTheEngineIsDeadAndCountExactlyOnceItIsBack) {
  std::atomic<int> phase{kBeforeKill};
  std::atomic<bool> stop{false};
  std::atomic<int> counted_before_kill{0};
  std::mutex replies_mutex;
  std::vector<Reply> replies;
  auto route = [&](Phase sent_in, int r) {
    return Route(sent_in == kBeforeKill ? "/before" : "/after") + std::to_string(r);
  };
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      HttpClient client(host_, port_);
      for (int i = 0; !stop; ++i) {
        const auto sent_in = static_cast<Phase>(phase.load());
        const int r = (c + i) % kRoutes;
        const auto start = steady_clock::now();
        HttpReply http = client.Get(route(sent_in, r));
        const auto answered = steady_clock::now();
        Reply reply{sent_in, r, http.status,
                    "",      0, std::chrono::duration_cast<milliseconds>(answered - start),
                    answered};
        rapidjson::Document doc;
        doc.Parse(http.body.c_str());
        if (!doc.HasParseError() && doc.IsObject()) {
          if (doc.HasMember("count")) reply.count = doc["count"].GetInt64();
          if (doc.HasMember("error")) reply.error = doc["error"].GetString();
        }
        if (sent_in == kBeforeKill && http.status == 200) ++counted_before_kill;
        {
          std::lock_guard lock(replies_mutex);
          replies.push_back(reply);
        }
        if (http.status != 200) std::this_thread::sleep_for(kPauseAfterError);
      }
    });
  }

  for (const auto warm_up_end = steady_clock::now() + kWarmUpTimeout;
       counted_before_kill < kCountedBeforeKill && steady_clock::now() < warm_up_end;) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  engine_->Kill();
  phase = kDownOrRestarting;
  const auto killed = steady_clock::now();
  std::this_thread::sleep_for(kDown);
  const HttpReply sick = client_->Get("/_health");
  std::string error;
  ASSERT_TRUE(engine_->Restart(&error)) << error;
  ASSERT_NO_FATAL_FAILURE(CreateTable());
  const auto back = steady_clock::now();
  phase = kBack;
  std::this_thread::sleep_for(kLoadAfterRestart);
  stop = true;
  for (std::thread& client : clients) client.join();

  std::map<Phase, std::map<int, int>> statuses;  // phase sent in -> status -> replies
  milliseconds slowest{0};
  std::vector<std::multiset<std::int64_t>> counts_after(kRoutes);
  std::optional<steady_clock::time_point> first_count_after_kill;
  for (const Reply& reply : replies) {
    ++statuses[reply.sent_in][reply.status];
    slowest = std::max(slowest, reply.took);
    EXPECT_TRUE(reply.status == 200 || reply.status == 503) << reply.status << " " << reply.error;
    if (reply.status == 503) {
      EXPECT_EQ(reply.error, "store_unavailable");
    }
    if (reply.sent_in == kBack) {
      EXPECT_EQ(reply.status, 200) << reply.error;
    }
    if (reply.sent_in != kBeforeKill && reply.status == 200) {
      counts_after[static_cast<std::size_t>(reply.route)].insert(reply.count);
      first_count_after_kill =
          std::min(first_count_after_kill.value_or(reply.answered), reply.answered);
    }
  }
  for (Phase p : {kBeforeKill, kDownOrRestarting, kBack}) {
    std::string line;
    for (const auto& [status, n] : statuses[p]) {
      line += std::to_string(n) + " x " + std::to_string(status) + " ";
    }
    std::printf("engine restart (%s), hits sent %s: %s\n", LocalDynamoDb::Name(engine_->engine()),
                p == kBeforeKill ? "before the kill"
                : p == kBack     ? "once back"
                                 : "while down",
                line.c_str());
  }
  auto since_kill = [&](steady_clock::time_point t) {
    return static_cast<long long>(std::chrono::duration_cast<milliseconds>(t - killed).count());
  };
  std::printf(
      "engine restart: table back %lld ms after the kill, first count %lld ms after it, slowest "
      "reply %lld ms\n",
      since_kill(back), first_count_after_kill ? since_kill(*first_count_after_kill) : -1LL,
      static_cast<long long>(slowest.count()));
  EXPECT_LE(slowest, kCallTimeout + kSlack) << "a hit hung";
  EXPECT_GT(statuses[kBeforeKill][200], 0);
  EXPECT_GT(statuses[kDownOrRestarting][503], 0);
  EXPECT_GT(statuses[kBack][200], 0);
  EXPECT_EQ(sick.status, 503) << sick.body;
  EXPECT_EQ(client_->Get("/_health").status, 200);

  // Routes hit only after the kill live in the new table alone: exactly their 200s, each count
  // returned once.
  for (int r = 0; r < kRoutes; ++r) {
    const std::multiset<std::int64_t>& counts = counts_after[static_cast<std::size_t>(r)];
    const auto hits = static_cast<std::int64_t>(counts.size());
    EXPECT_EQ(CountOf(route(kBack, r)), hits) << "route " << r;
    EXPECT_EQ(std::set<std::int64_t>(counts.begin(), counts.end()).size(), counts.size())
        << "a count was returned twice on route " << r;
    if (!counts.empty()) {
      EXPECT_EQ(*counts.begin(), 1);
      EXPECT_EQ(*counts.rbegin(), hits);
    }
  }
}

}  // namespace
}  // namespace hitcounter::testing

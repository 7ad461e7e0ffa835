// GET /_metrics on the real server: Prometheus text whose counters move with the traffic.
#include <algorithm>
#include <chrono>
#include <thread>

#include "tests/blackbox/fixture.h"
#include "tests/support/prometheus_text.h"

namespace hitcounter::testing {
namespace {

class MetricsEndpointTest : public BlackBoxTest {
 protected:
  PrometheusText Scrape() {
    HttpReply reply = client_->Get("/_metrics");
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    PrometheusText text = ParsePrometheusText(reply.body);
    EXPECT_TRUE(text.ok()) << text.error << "\n" << reply.body;
    return text;
  }
};

TEST_F(MetricsEndpointTest, ParsesAsPrometheusTextWithoutPerRouteLabels) {
  client_->Get(Route("/a"));
  PrometheusText text = Scrape();
  ASSERT_TRUE(text.ok());
  for (const auto& [series, value] : text.samples) {
    EXPECT_EQ(series.find(Route()), std::string::npos) << series;
    EXPECT_EQ(series.find("route=\""), std::string::npos) << series;
  }
  EXPECT_GE(text.Value("hitcounter_open_connections"), 1);
}

TEST_F(MetricsEndpointTest, CountersMoveWithTraffic) {
  if (External()) GTEST_SKIP() << "other clients move the counters of an external server";
  PrometheusText before = Scrape();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(client_->Get(Route("/hit")).status, 200);
  ASSERT_EQ(client_->Get("/_nothing").status, 404);
  PrometheusText after = Scrape();
  auto delta = [&](const std::string& series) {
    return after.Value(series) - std::max(0.0, before.Value(series));
  };
  EXPECT_EQ(delta(R"(hitcounter_http_responses_total{code="200"})"), 4);  // 3 hits, 1 scrape
  EXPECT_EQ(delta(R"(hitcounter_http_responses_total{code="404"})"), 1);
  EXPECT_EQ(delta("hitcounter_hit_duration_seconds_count"), 3);  // reserved paths are not hits
  EXPECT_GT(delta("hitcounter_hit_duration_seconds_sum"), 0);
  EXPECT_EQ(delta("hitcounter_store_commit_batch_hits_sum"), 3);
  if (StoreUnderTest() == StoreKind::kSqlite) {
    EXPECT_GE(delta("hitcounter_store_commit_duration_seconds_count"), 1);
  } else {
    EXPECT_EQ(delta("hitcounter_store_commit_duration_seconds_count"), 3);  // a write per hit
  }
  EXPECT_EQ(delta("hitcounter_store_errors_total"), 0);
}

TEST_F(MetricsEndpointTest, ConnectionsAreCountedOpenAndClosed) {
  if (External()) GTEST_SKIP() << "other clients hold connections to an external server";
  PrometheusText before = Scrape();
  {
    HttpClient second(host_, port_);
    ASSERT_EQ(second.Get("/_health").status, 200);
    EXPECT_EQ(Scrape().Value("hitcounter_open_connections"),
              before.Value("hitcounter_open_connections") + 1);
  }
  // The server sees the close a little later.
  double open = 0;
  for (int tries = 0; tries < 100; ++tries) {
    open = Scrape().Value("hitcounter_open_connections");
    if (open == before.Value("hitcounter_open_connections")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(open, before.Value("hitcounter_open_connections"));
  EXPECT_EQ(Scrape().Value("hitcounter_connections_total"),
            before.Value("hitcounter_connections_total") + 1);
}

// Issue 18: hits counted apart from hits refused (by reason), reserved answers apart from both,
// the store's routes against --max-routes, and the process's own figures, on a server with a
// bound on routes and a rate limit.
class MetricsOfABoundedServerTest : public MetricsEndpointTest {
 protected:
  static constexpr int kMaxRoutes = 3;
  static constexpr int kRateLimit = 2;  // hits per route and minute

  void SetUp() override {
    MetricsEndpointTest::SetUp();
    if (External()) GTEST_SKIP() << "starts a server with bounds of its own";
    server_.reset();  // a SQLite file has one owner
    std::vector<std::string> args = ServerArgs();
    args.insert(args.end(), {"--max-routes", std::to_string(kMaxRoutes), "--rate-limit",
                             std::to_string(kRateLimit) + "/1m"});
    server_ = std::make_unique<ServerProcess>(store_, args);
    ASSERT_NE(server_->port(), 0);
    client_ = std::make_unique<HttpClient>(host_, server_->port());
  }
};

TEST_F(MetricsOfABoundedServerTest, HitsRefusalsAndReservedAnswersMoveApart) {
  PrometheusText before = Scrape();
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before.Value("hitcounter_hits_total"), 0);
  EXPECT_EQ(before.Value("hitcounter_routes_limit"), kMaxRoutes);
  EXPECT_EQ(before.Value(R"(hitcounter_reserved_responses_total{endpoint="metrics"})"), 0)
      << "a scrape is counted once answered";
  for (int i = 0; i < kRateLimit; ++i) ASSERT_EQ(client_->Get(Route("/a")).status, 200);
  ASSERT_EQ(client_->Get(Route("/a")).status, 429);
  ASSERT_EQ(client_->Get(Route("/b")).status, 200);
  ASSERT_EQ(client_->Get(Route("/c")).status, 200);
  ASSERT_EQ(client_->Get(Route("/d")).status, 507);  // a fourth route past --max-routes 3
  ASSERT_EQ(client_->Get("/_stats").status, 200);
  ASSERT_EQ(client_->Get("/_health").status, 200);
  ASSERT_EQ(client_->Get("/_nothing").status, 404);
  PrometheusText after = Scrape();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after.Value("hitcounter_hits_total"), 4);
  EXPECT_EQ(after.Value(R"(hitcounter_hits_refused_total{reason="rate_limited"})"), 1);
  EXPECT_EQ(after.Value(R"(hitcounter_hits_refused_total{reason="route_limit_reached"})"), 1);
  EXPECT_EQ(after.Value(R"(hitcounter_hits_refused_total{reason="store_unavailable"})"), 0);
  EXPECT_EQ(after.Value(R"(hitcounter_reserved_responses_total{endpoint="stats"})"), 1);
  EXPECT_EQ(after.Value(R"(hitcounter_reserved_responses_total{endpoint="health"})"), 1);
  EXPECT_EQ(after.Value(R"(hitcounter_reserved_responses_total{endpoint="not_found"})"), 1);
  EXPECT_EQ(after.Value(R"(hitcounter_reserved_responses_total{endpoint="metrics"})"), 1);
  EXPECT_EQ(after.Value("hitcounter_hit_duration_seconds_count"), 6) << "hits, refused or not";
  if (StoreUnderTest() == StoreKind::kSqlite) {
    EXPECT_EQ(after.Value("hitcounter_routes"), kMaxRoutes);
    EXPECT_EQ(after.Value("hitcounter_store_pending_hits"), 0);
    EXPECT_EQ(after.Value("hitcounter_store_pending_hits_limit"), 100'000);
  }
}

TEST_F(MetricsOfABoundedServerTest, ReportsTheProcesssOwnFigures) {
  PrometheusText text = Scrape();
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text.Value("hitcounter_build_info{version=\"" HITCOUNTER_TEST_VERSION "\"}"), 1);
  EXPECT_GE(text.Value("process_cpu_seconds_total"), 0);
  EXPECT_GT(text.Value("process_resident_memory_bytes"), 1 << 20);
  EXPECT_GE(text.Value("process_open_fds"), 4);  // stdio, the listening socket, the scrape's
  EXPECT_GE(text.Value("process_max_fds"), text.Value("process_open_fds"));
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_NEAR(text.Value("process_start_time_seconds"), now, 120) << "started just now";
  const double open = text.Value("process_open_fds");
  {
    HttpClient second(host_, server_->port());
    ASSERT_EQ(second.Get("/_health").status, 200);
    EXPECT_GE(Scrape().Value("process_open_fds"), open + 1) << "one more connection";
  }
}

}  // namespace
}  // namespace hitcounter::testing

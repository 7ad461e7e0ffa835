// GET /_metrics on the real server: Prometheus text whose counters move with the traffic.
#include <algorithm>
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
    EXPECT_EQ(series.find("route"), std::string::npos) << series;
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

}  // namespace
}  // namespace hitcounter::testing

#include "hitcounter/metrics.h"

#include <gtest/gtest.h>

#include "tests/support/prometheus_text.h"

namespace hitcounter {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using testing::ParsePrometheusText;
using testing::PrometheusText;

TEST(MetricsTest, AFreshRegistryParsesAsPrometheusTextWithEveryFamily) {
  Metrics metrics;
  PrometheusText text = ParsePrometheusText(metrics.RenderPrometheus());
  ASSERT_TRUE(text.ok()) << text.error;
  EXPECT_EQ(text.types["hitcounter_http_responses_total"], "counter");
  EXPECT_EQ(text.types["hitcounter_hit_duration_seconds"], "histogram");
  EXPECT_EQ(text.types["hitcounter_open_connections"], "gauge");
  EXPECT_EQ(text.types["hitcounter_connections_total"], "counter");
  EXPECT_EQ(text.types["hitcounter_store_commit_duration_seconds"], "histogram");
  EXPECT_EQ(text.types["hitcounter_store_commit_batch_hits"], "histogram");
  EXPECT_EQ(text.types["hitcounter_store_errors_total"], "counter");
  EXPECT_EQ(text.Value("hitcounter_hit_duration_seconds_count"), 0);
}

TEST(MetricsTest, ResponsesAreCountedByStatusCode) {
  Metrics metrics;
  metrics.RecordResponse(200);
  metrics.RecordResponse(200);
  metrics.RecordResponse(404);
  metrics.RecordResponse(42);  // not an HTTP status: ignored
  PrometheusText text = ParsePrometheusText(metrics.RenderPrometheus());
  ASSERT_TRUE(text.ok()) << text.error;
  EXPECT_EQ(text.Value(R"(hitcounter_http_responses_total{code="200"})"), 2);
  EXPECT_EQ(text.Value(R"(hitcounter_http_responses_total{code="404"})"), 1);
  EXPECT_EQ(text.Value(R"(hitcounter_http_responses_total{code="500"})"), -1);
}

TEST(MetricsTest, HitLatencyFallsIntoCumulativeBucketsInSeconds) {
  Metrics metrics;
  metrics.RecordHitLatency(microseconds(80));
  metrics.RecordHitLatency(microseconds(100));  // a bound is inclusive: le="0.0001"
  metrics.RecordHitLatency(milliseconds(3));
  metrics.RecordHitLatency(std::chrono::seconds(60));  // past the last bound: +Inf only
  PrometheusText text = ParsePrometheusText(metrics.RenderPrometheus());
  ASSERT_TRUE(text.ok()) << text.error;
  EXPECT_EQ(text.Value(R"(hitcounter_hit_duration_seconds_bucket{le="0.0001"})"), 2);
  EXPECT_EQ(text.Value(R"(hitcounter_hit_duration_seconds_bucket{le="0.0025"})"), 2);
  EXPECT_EQ(text.Value(R"(hitcounter_hit_duration_seconds_bucket{le="0.005"})"), 3);
  EXPECT_EQ(text.Value(R"(hitcounter_hit_duration_seconds_bucket{le="5"})"), 3);
  EXPECT_EQ(text.Value(R"(hitcounter_hit_duration_seconds_bucket{le="+Inf"})"), 4);
  EXPECT_EQ(text.Value("hitcounter_hit_duration_seconds_count"), 4);
  EXPECT_NEAR(text.Value("hitcounter_hit_duration_seconds_sum"), 60.00318, 1e-9);
}

TEST(MetricsTest, ConnectionsGaugeGoesUpAndDown) {
  Metrics metrics;
  metrics.ConnectionOpened();
  metrics.ConnectionOpened();
  metrics.ConnectionClosed();
  PrometheusText text = ParsePrometheusText(metrics.RenderPrometheus());
  EXPECT_EQ(text.Value("hitcounter_open_connections"), 1);
  EXPECT_EQ(text.Value("hitcounter_connections_total"), 2);
}

TEST(MetricsTest, CommitsRecordBatchSizeLatencyAndFailedHits) {
  Metrics metrics;
  metrics.RecordCommit(1, milliseconds(2), false);
  metrics.RecordCommit(300, milliseconds(20), true);
  metrics.RecordRefusedHit();
  PrometheusText text = ParsePrometheusText(metrics.RenderPrometheus());
  ASSERT_TRUE(text.ok()) << text.error;
  EXPECT_EQ(text.Value(R"(hitcounter_store_commit_batch_hits_bucket{le="1"})"), 1);
  EXPECT_EQ(text.Value(R"(hitcounter_store_commit_batch_hits_bucket{le="256"})"), 1);
  EXPECT_EQ(text.Value(R"(hitcounter_store_commit_batch_hits_bucket{le="512"})"), 2);
  EXPECT_EQ(text.Value("hitcounter_store_commit_batch_hits_sum"), 301);
  EXPECT_EQ(text.Value("hitcounter_store_commit_duration_seconds_count"), 2);
  EXPECT_EQ(text.Value("hitcounter_store_errors_total"), 301);
}

TEST(PrometheusTextTest, TheParserRefusesMalformedExpositions) {
  EXPECT_FALSE(ParsePrometheusText("undeclared 1\n").ok());
  EXPECT_FALSE(ParsePrometheusText("# TYPE a counter\na{code=200} 1\n").ok());
  EXPECT_FALSE(ParsePrometheusText("# TYPE a counter\na one\n").ok());
  EXPECT_FALSE(ParsePrometheusText("# TYPE a histogram\na_bucket{le=\"1\"} 2\n"
                                   "a_bucket{le=\"+Inf\"} 1\n")
                   .ok());
  EXPECT_TRUE(ParsePrometheusText("# HELP a An a.\n# TYPE a counter\na{x=\"1\"} 1.5e3\n").ok());
}

}  // namespace
}  // namespace hitcounter

#include "hitcounter/metrics.h"

#include <gtest/gtest.h>

#include "tests/support/fake_proc_fs.h"
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

TEST(MetricsTest, NamesItsBuildInBuildInfo) {
  Metrics metrics("1.2.3");
  PrometheusText text = ParsePrometheusText(metrics.RenderPrometheus());
  ASSERT_TRUE(text.ok()) << text.error;
  EXPECT_EQ(text.types["hitcounter_build_info"], "gauge");
  EXPECT_EQ(text.Value(R"(hitcounter_build_info{version="1.2.3"})"), 1);
  EXPECT_EQ(ParsePrometheusText(Metrics("a\"b\\c").RenderPrometheus())
                .Value(R"(hitcounter_build_info{version="a\"b\\c"})"),
            1)
      << "label values are escaped";
}

TEST(MetricsTest, HitsCountedAreApartFromHitsRefusedWhichGoByReason) {
  Metrics metrics;
  PrometheusText fresh = ParsePrometheusText(metrics.RenderPrometheus());
  ASSERT_TRUE(fresh.ok()) << fresh.error;
  EXPECT_EQ(fresh.types["hitcounter_hits_total"], "counter");
  EXPECT_EQ(fresh.types["hitcounter_hits_refused_total"], "counter");
  for (std::string_view reason : Metrics::kRefusalReasons) {
    EXPECT_EQ(fresh.Value("hitcounter_hits_refused_total{reason=\"" + std::string(reason) + "\"}"),
              0)
        << "every reason is there from the start: " << reason;
  }
  metrics.RecordHit("");
  metrics.RecordHit("");
  metrics.RecordHit("rate_limited");
  metrics.RecordHit("route_limit_reached");
  metrics.RecordHit("store_unavailable");
  metrics.RecordHit("no_such_code");
  PrometheusText text = ParsePrometheusText(metrics.RenderPrometheus());
  EXPECT_EQ(text.Value("hitcounter_hits_total"), 2);
  EXPECT_EQ(text.Value(R"(hitcounter_hits_refused_total{reason="rate_limited"})"), 1);
  EXPECT_EQ(text.Value(R"(hitcounter_hits_refused_total{reason="route_limit_reached"})"), 1);
  EXPECT_EQ(text.Value(R"(hitcounter_hits_refused_total{reason="store_unavailable"})"), 1);
  EXPECT_EQ(text.Value(R"(hitcounter_hits_refused_total{reason="other"})"), 1);
  EXPECT_EQ(text.Value(R"(hitcounter_hits_refused_total{reason="insufficient_storage"})"), 0);
}

TEST(MetricsTest, ReservedResponsesAreCountedByEndpointAndAreNotHits) {
  Metrics metrics;
  metrics.RecordReservedResponse("stats");
  metrics.RecordReservedResponse("stats");
  metrics.RecordReservedResponse("metrics");
  metrics.RecordReservedResponse("preflight");
  metrics.RecordReservedResponse("?");
  PrometheusText text = ParsePrometheusText(metrics.RenderPrometheus());
  ASSERT_TRUE(text.ok()) << text.error;
  EXPECT_EQ(text.Value(R"(hitcounter_reserved_responses_total{endpoint="stats"})"), 2);
  EXPECT_EQ(text.Value(R"(hitcounter_reserved_responses_total{endpoint="metrics"})"), 1);
  EXPECT_EQ(text.Value(R"(hitcounter_reserved_responses_total{endpoint="preflight"})"), 1);
  EXPECT_EQ(text.Value(R"(hitcounter_reserved_responses_total{endpoint="health"})"), 0);
  EXPECT_EQ(text.Value(R"(hitcounter_reserved_responses_total{endpoint="other"})"), 1);
  EXPECT_EQ(text.Value("hitcounter_hits_total"), 0);
}

TEST(MetricsTest, TheStoresFiguresAreGaugesAndUnknownOnesAreLeftOut) {
  Metrics metrics;
  ScrapeFigures figures;
  figures.store = {
      .routes = 900, .max_routes = 1000, .pending_hits = 12, .max_pending_hits = 100'000};
  PrometheusText text = ParsePrometheusText(metrics.RenderPrometheus(figures));
  ASSERT_TRUE(text.ok()) << text.error;
  EXPECT_EQ(text.types["hitcounter_routes"], "gauge");
  EXPECT_EQ(text.Value("hitcounter_routes"), 900);
  EXPECT_EQ(text.Value("hitcounter_routes_limit"), 1000);
  EXPECT_EQ(text.Value("hitcounter_store_pending_hits"), 12);
  EXPECT_EQ(text.Value("hitcounter_store_pending_hits_limit"), 100'000);
  text = ParsePrometheusText(metrics.RenderPrometheus());
  EXPECT_EQ(text.types.count("hitcounter_routes"), 0u);
  EXPECT_EQ(text.types.count("hitcounter_routes_limit"), 0u);
}

TEST(MetricsTest, ProcessFiguresTakeTheNamesOfPrometheusClientLibraries) {
  Metrics metrics;
  ScrapeFigures figures;
  figures.process = ReadProcessFigures(testing::TypicalProcFs());
  const std::string exposition = metrics.RenderPrometheus(figures);
  PrometheusText text = ParsePrometheusText(exposition);
  ASSERT_TRUE(text.ok()) << text.error;
  EXPECT_EQ(text.types["process_cpu_seconds_total"], "counter");
  EXPECT_EQ(text.Value("process_cpu_seconds_total"), 4);
  EXPECT_EQ(text.types["process_resident_memory_bytes"], "gauge");
  EXPECT_EQ(text.Value("process_resident_memory_bytes"), 2560.0 * 4096);
  EXPECT_EQ(text.Value("process_virtual_memory_bytes"), 104857600);
  EXPECT_EQ(text.Value("process_open_fds"), 7);
  EXPECT_EQ(text.Value("process_max_fds"), 1024);
  EXPECT_EQ(text.Value("process_start_time_seconds"), 1764700123.45);
  EXPECT_NE(exposition.find("\nprocess_start_time_seconds 1764700123.45\n"), std::string::npos)
      << "fixed-point, not 1.76470012345e+09";
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

#include "hitcounter/metrics.h"

#include <algorithm>
#include <charconv>

namespace hitcounter {
namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;

// Buckets of the latency histograms, in microseconds: 100 µs (a hit served from a warm page
// cache) to 5 s (past any timeout a client would wait for).
constexpr std::initializer_list<std::uint64_t> kLatencyBoundsUs = {
    100,    250,     500,     1'000,   2'500,     5'000,     10'000,   25'000,
    50'000, 100'000, 250'000, 500'000, 1'000'000, 2'500'000, 5'000'000};
constexpr double kMicrosecondsPerSecond = 1e6;

// Buckets of the group-commit batch sizes, in hits: powers of two up to the store's cap of 1024
// hits per transaction (kMaxBatchHits in store/sqlite_store.h).
constexpr std::initializer_list<std::uint64_t> kBatchBounds = {1,  2,   4,   8,   16,  32,
                                                               64, 128, 256, 512, 1024};

constexpr auto kRelaxed = std::memory_order_relaxed;

std::uint64_t Micros(std::chrono::steady_clock::duration latency) {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(
      0, static_cast<std::int64_t>(duration_cast<microseconds>(latency).count())));
}

// The shortest fixed-point text that reads back as `value` ("0.0001", "2.5", "1024").
std::string Number(double value) {
  char text[64];  // a uint64 of microseconds in seconds takes at most 27
  auto result = std::to_chars(text, text + sizeof text, value, std::chars_format::fixed);
  return {text, result.ptr};
}

void Header(std::string_view name, std::string_view type, std::string_view help, std::string& out) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void Sample(std::string_view name, std::string_view labels, std::string_view value,
            std::string& out) {
  out.append(name).append(labels).append(" ").append(value).append("\n");
}

}  // namespace

Histogram::Histogram(std::initializer_list<std::uint64_t> bounds, double per_unit)
    : size_(std::min(bounds.size(), kMaxBuckets)), per_unit_(per_unit) {
  std::copy_n(bounds.begin(), size_, bounds_.begin());
}

void Histogram::Observe(std::uint64_t value) {
  std::size_t bucket = static_cast<std::size_t>(
      std::lower_bound(bounds_.begin(), bounds_.begin() + static_cast<std::ptrdiff_t>(size_),
                       value) -
      bounds_.begin());
  counts_[bucket].fetch_add(1, kRelaxed);
  sum_.fetch_add(value, kRelaxed);
}

void Histogram::Render(std::string_view name, std::string_view help, std::string& out) const {
  Header(name, "histogram", help, out);
  const std::string bucket = std::string(name) + "_bucket";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= size_; ++i) {
    cumulative += counts_[i].load(kRelaxed);
    std::string le = i < size_ ? Number(static_cast<double>(bounds_[i]) / per_unit_) : "+Inf";
    Sample(bucket, "{le=\"" + le + "\"}", std::to_string(cumulative), out);
  }
  Sample(std::string(name) + "_sum", "",
         Number(static_cast<double>(sum_.load(kRelaxed)) / per_unit_), out);
  Sample(std::string(name) + "_count", "", std::to_string(cumulative), out);
}

Metrics::Metrics()
    : hit_latency_(kLatencyBoundsUs, kMicrosecondsPerSecond),
      commit_latency_(kLatencyBoundsUs, kMicrosecondsPerSecond),
      batch_hits_(kBatchBounds, 1) {}

void Metrics::RecordResponse(int status) {
  if (status < kMinStatus || status > kMaxStatus) return;
  responses_[static_cast<std::size_t>(status - kMinStatus)].fetch_add(1, kRelaxed);
}

void Metrics::RecordHitLatency(std::chrono::steady_clock::duration latency) {
  hit_latency_.Observe(Micros(latency));
}

void Metrics::ConnectionOpened() {
  open_connections_.fetch_add(1, kRelaxed);
  connections_.fetch_add(1, kRelaxed);
}

void Metrics::ConnectionClosed() { open_connections_.fetch_sub(1, kRelaxed); }

void Metrics::RecordCommit(std::size_t hits, std::chrono::steady_clock::duration latency,
                           bool failed) {
  batch_hits_.Observe(hits);
  commit_latency_.Observe(Micros(latency));
  if (failed) store_errors_.fetch_add(hits, kRelaxed);
}

void Metrics::RecordRefusedHit() { store_errors_.fetch_add(1, kRelaxed); }

std::string Metrics::RenderPrometheus() const {
  std::string out;
  constexpr std::string_view kResponses = "hitcounter_http_responses_total";
  Header(kResponses, "counter", "HTTP responses sent, by status code.", out);
  for (std::size_t i = 0; i < responses_.size(); ++i) {
    std::uint64_t count = responses_[i].load(kRelaxed);
    if (count == 0) continue;
    Sample(kResponses, "{code=\"" + std::to_string(kMinStatus + static_cast<int>(i)) + "\"}",
           std::to_string(count), out);
  }
  hit_latency_.Render("hitcounter_hit_duration_seconds",
                      "Time from a hit's request header to its response, store included.", out);
  Header("hitcounter_open_connections", "gauge", "HTTP connections open now.", out);
  Sample("hitcounter_open_connections", "", std::to_string(open_connections_.load(kRelaxed)), out);
  Header("hitcounter_connections_total", "counter", "HTTP connections accepted.", out);
  Sample("hitcounter_connections_total", "", std::to_string(connections_.load(kRelaxed)), out);
  commit_latency_.Render(
      "hitcounter_store_commit_duration_seconds",
      "Time of one store write: a SQLite group commit (upserts, commit, fsync), or one "
      "hit's DynamoDB calls.",
      out);
  batch_hits_.Render("hitcounter_store_commit_batch_hits",
                     "Hits per store write (SQLite: one transaction and fsync; DynamoDB: 1).", out);
  Header("hitcounter_store_errors_total", "counter",
         "Hits the store failed to count (answered 503 or 507).", out);
  Sample("hitcounter_store_errors_total", "", std::to_string(store_errors_.load(kRelaxed)), out);
  return out;
}

}  // namespace hitcounter

#include "hitcounter/metrics.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <type_traits>
#include <utility>

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

// A family of one unlabelled sample.
void Single(std::string_view name, std::string_view type, std::string_view help,
            std::string_view value, std::string& out) {
  Header(name, type, help, out);
  Sample(name, "", value, out);
}

// The same, left out when the figure is absent.
template <typename T>
void SingleIfKnown(std::string_view name, std::string_view type, std::string_view help,
                   const std::optional<T>& value, std::string& out) {
  if (!value) return;
  if constexpr (std::is_integral_v<T>) {
    Single(name, type, help, std::to_string(*value), out);
  } else {
    Single(name, type, help, Number(*value), out);
  }
}

// The position of `name` in `names`, or that of the last ("other").
template <std::size_t N>
std::size_t IndexOf(const std::array<std::string_view, N>& names, std::string_view name) {
  const auto found = std::find(names.begin(), names.end(), name);
  return found == names.end() ? N - 1 : static_cast<std::size_t>(found - names.begin());
}

// A label value as the text format wants it: backslash, quote and newline escaped.
std::string LabelValue(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    out += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  return out;
}

template <std::size_t N>
void LabelledCounters(std::string_view name, std::string_view help, std::string_view label,
                      const std::array<std::string_view, N>& values,
                      const std::array<std::atomic<std::uint64_t>, N>& counts, std::string& out) {
  Header(name, "counter", help, out);
  for (std::size_t i = 0; i < N; ++i) {
    Sample(name, "{" + std::string(label) + "=\"" + std::string(values[i]) + "\"}",
           std::to_string(counts[i].load(std::memory_order_relaxed)), out);
  }
}

void RenderStore(const StoreFigures& store, std::string& out) {
  SingleIfKnown("hitcounter_routes", "gauge", "Distinct routes the store holds.", store.routes,
                out);
  SingleIfKnown("hitcounter_routes_limit", "gauge",
                "The most distinct routes counted (--max-routes); a hit on a new route past it "
                "gets 507. Absent when unbounded.",
                store.max_routes, out);
  SingleIfKnown("hitcounter_store_pending_hits", "gauge",
                "Hits waiting for the store, not yet answered (SQLite: for their batch's commit; "
                "DynamoDB: for their route's next write).",
                store.pending_hits, out);
  SingleIfKnown("hitcounter_store_pending_hits_limit", "gauge",
                "The most hits that may wait for the store; past it, hits get 503.",
                store.max_pending_hits, out);
}

// The names and meanings of Prometheus' client libraries (process collector).
void RenderProcess(const ProcessFigures& process, std::string& out) {
  SingleIfKnown("process_cpu_seconds_total", "counter",
                "Total user and system CPU time spent in seconds.", process.cpu_seconds, out);
  SingleIfKnown("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
                process.resident_bytes, out);
  SingleIfKnown("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
                process.virtual_bytes, out);
  SingleIfKnown("process_open_fds", "gauge", "Number of open file descriptors.", process.open_fds,
                out);
  SingleIfKnown("process_max_fds", "gauge", "Maximum number of open file descriptors.",
                process.max_fds, out);
  SingleIfKnown("process_start_time_seconds", "gauge",
                "Start time of the process since unix epoch in seconds.",
                process.start_time_seconds, out);
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

Metrics::Metrics(std::string version)
    : version_(std::move(version)),
      hit_latency_(kLatencyBoundsUs, kMicrosecondsPerSecond),
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

void Metrics::RecordHit(std::string_view refusal) {
  if (refusal.empty()) {
    hits_counted_.fetch_add(1, kRelaxed);
  } else {
    hits_refused_[IndexOf(kRefusalReasons, refusal)].fetch_add(1, kRelaxed);
  }
}

void Metrics::RecordReservedResponse(std::string_view endpoint) {
  reserved_responses_[IndexOf(kEndpoints, endpoint)].fetch_add(1, kRelaxed);
}

void Metrics::RecordCommit(std::size_t hits, std::chrono::steady_clock::duration latency,
                           bool failed) {
  batch_hits_.Observe(hits);
  commit_latency_.Observe(Micros(latency));
  if (failed) store_errors_.fetch_add(hits, kRelaxed);
}

void Metrics::RecordRefusedHit() { store_errors_.fetch_add(1, kRelaxed); }

std::string Metrics::RenderPrometheus(const ScrapeFigures& figures) const {
  std::string out;
  Header("hitcounter_build_info", "gauge", "Always 1; its labels name the build.", out);
  Sample("hitcounter_build_info", "{version=\"" + LabelValue(version_) + "\"}", "1", out);
  Single("hitcounter_hits_total", "counter",
         "Hits counted (outside the reserved endpoints, answered with their route's count).",
         std::to_string(hits_counted_.load(kRelaxed)), out);
  LabelledCounters("hitcounter_hits_refused_total",
                   "Hits that counted nothing, by reason: the error code of their answer "
                   "(rate_limited 429; route_limit_reached 507, past --max-routes; "
                   "store_unavailable 503 and insufficient_storage 507, the store failing).",
                   "reason", kRefusalReasons, hits_refused_, out);
  LabelledCounters("hitcounter_reserved_responses_total",
                   "Answers of the reserved endpoints (and CORS preflights), by endpoint; never "
                   "hits.",
                   "endpoint", kEndpoints, reserved_responses_, out);
  RenderStore(figures.store, out);
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
  RenderProcess(figures.process, out);
  return out;
}

}  // namespace hitcounter

// Metrics: the standalone server's and its store's counters, and their Prometheus text
// exposition (format 0.0.4), served at GET {prefix}metrics.
//
// Names follow Prometheus' conventions: base units in the name (_seconds, _bytes), _total on
// counters, a HELP and a TYPE line per family. What a scrape reads from elsewhere (the store's
// routes and pending hits, the process's CPU and memory) comes in as ScrapeFigures, gathered by
// the caller through small seams (Store::Figures, process_figures.h).
//
// Nothing here is per route: routes are unbounded (the counts live in {prefix}stats), so every
// series has a fixed, small set of labels.
//
// Recording is lock-free: each Record* call is a few relaxed atomic additions, cheap enough for
// every request. A scrape reads the atomics one by one, so it may see a request in one series
// and not yet in another; Prometheus tolerates that.
//
// Thread safety: every method may be called from any thread, concurrently.
#ifndef HITCOUNTER_METRICS_H_
#define HITCOUNTER_METRICS_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "hitcounter/process_figures.h"
#include "hitcounter/store.h"

namespace hitcounter {

// What a scrape reports besides the counters recorded here: read at scrape time.
struct ScrapeFigures {
  StoreFigures store{};
  ProcessFigures process{};
};

// A histogram over whole numbers (microseconds, or hits) with fixed upper bounds.
class Histogram {
 public:
  // Most buckets a histogram has (the +Inf bucket aside).
  static constexpr std::size_t kMaxBuckets = 16;

  // `bounds` ascending, at most kMaxBuckets. Values are exported divided by `per_unit` (1e6:
  // microseconds as seconds; a division, so that 100 µs prints as exactly 0.0001).
  Histogram(std::initializer_list<std::uint64_t> bounds, double per_unit);

  void Observe(std::uint64_t value);

  // Appends the # HELP / # TYPE lines and the _bucket, _sum and _count series.
  void Render(std::string_view name, std::string_view help, std::string& out) const;

 private:
  std::array<std::uint64_t, kMaxBuckets> bounds_{};
  std::size_t size_ = 0;
  double per_unit_;
  std::array<std::atomic<std::uint64_t>, kMaxBuckets + 1> counts_{};  // not cumulative
  std::atomic<std::uint64_t> sum_{0};
};

class Metrics {
 public:
  // Why a hit counted nothing: the error codes of the service's answers to hits (service.cc),
  // and "other" for any code not listed. Each is exported from the first scrape on, at 0, so
  // that rate() sees the first refusal.
  static constexpr std::array<std::string_view, 9> kRefusalReasons = {
      "rate_limited",   "route_limit_reached", "store_unavailable", "insufficient_storage",
      "count_overflow", "invalid_path",        "route_too_long",    "internal",
      "other"};
  // The reserved endpoints, by the name Response::endpoint gives them; "other" for any other.
  static constexpr std::array<std::string_view, 7> kEndpoints = {
      "stats", "health", "dashboard", "metrics", "not_found", "preflight", "other"};

  // `version` is exported as hitcounter_build_info{version="..."} 1.
  explicit Metrics(std::string version = "");

  // --- the HTTP server ---
  // One response sent, by status code (100 to 599; the server sends no other).
  void RecordResponse(int status);
  // How long a request outside the reserved endpoints (a hit) took, from its header to its
  // response.
  void RecordHitLatency(std::chrono::steady_clock::duration latency);
  void ConnectionOpened();
  void ConnectionClosed();
  // A request outside the reserved endpoints (a hit) answered: counted when `refusal` is
  // empty, else refused for that reason (the error code of its answer; kRefusalReasons).
  void RecordHit(std::string_view refusal);
  // A reserved endpoint's answer (kEndpoints), whatever its status: never a hit.
  void RecordReservedResponse(std::string_view endpoint);

  // --- the store ---
  // One store write: how many hits it held, how long it took, and whether it failed (then
  // every hit in it failed). SQLite: a group commit (upserts, commit, fsync); DynamoDB: one
  // hit's calls.
  void RecordCommit(std::size_t hits, std::chrono::steady_clock::duration latency, bool failed);
  // A hit the store refused before any transaction (its queue full, or closing).
  void RecordRefusedHit();

  // The whole exposition, as GET {prefix}metrics answers it, with `figures` read for this
  // scrape (a figure left absent leaves its series out).
  std::string RenderPrometheus(const ScrapeFigures& figures = {}) const;

 private:
  // Status codes are three digits: one counter each, without a lookup.
  static constexpr int kMinStatus = 100;
  static constexpr int kMaxStatus = 599;

  const std::string version_;
  std::array<std::atomic<std::uint64_t>, kMaxStatus - kMinStatus + 1> responses_{};
  std::atomic<std::uint64_t> hits_counted_{0};
  std::array<std::atomic<std::uint64_t>, kRefusalReasons.size()> hits_refused_{};
  std::array<std::atomic<std::uint64_t>, kEndpoints.size()> reserved_responses_{};
  Histogram hit_latency_;
  std::atomic<std::int64_t> open_connections_{0};
  std::atomic<std::uint64_t> connections_{0};
  // The store's thread writes these: apart from the server's, so the two do not share a line.
  alignas(64) Histogram commit_latency_;
  Histogram batch_hits_;
  std::atomic<std::uint64_t> store_errors_{0};
};

}  // namespace hitcounter

#endif  // HITCOUNTER_METRICS_H_

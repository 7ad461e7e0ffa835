// SqliteStore: the counters in one SQLite file, durable before acknowledged.
//
// Group commit. Every Increment goes into a queue. One writer thread takes whatever is
// waiting (up to kMaxBatchHits), applies each hit as one atomic upsert inside a single
// transaction, commits with fsync (WAL, synchronous=FULL), and only then calls the callbacks.
// A kill -9 or a power cut at any moment loses no acknowledged hit: a hit is acknowledged only
// after the fsync that made it durable. Under load a batch fills while the previous one is
// being flushed, so one fsync serves many hits; alone, a hit waits for one fsync (~0.1-1 ms).
//
// Reads (Get, List, CheckHealth) use a second connection: WAL lets them run while the writer
// commits. They see only committed hits.
//
// Several processes may share one file (SQLite locks it); counts stay exact because every hit
// is a single upsert.
//
// Bounded routes: with max_routes, the upsert inserts a new route only while the table
// route_total (kept by triggers) says there is room, in the hit's own statement.
//
// Rate limits: a limited hit first claims a place in its route's window (table rate_windows,
// one row per route) and counts only if it got one, both in the hit's transaction, so the
// check and the count commit together or not at all. The writer deletes the rows of ended
// windows every kRateWindowSweepMillis.
//
// A full disk (SQLITE_FULL) refuses the hits of the failed batch with kInsufficientSpace; nothing
// of that batch is counted, and the next batch tries again. See CheckHealth for health.
//
// Thread safety: all methods may be called from any thread. Callbacks run on the writer
// thread and must not block for long: they delay the next batch.
#ifndef HITCOUNTER_STORE_SQLITE_STORE_H_
#define HITCOUNTER_STORE_SQLITE_STORE_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hitcounter/metrics.h"
#include "hitcounter/store.h"
#include "store/sqlite_handle.h"

namespace hitcounter {

// Most hits in one transaction. Bigger batches amortise the fsync further but make the first
// hit of a batch wait for all the others; a thousand upserts take ~2-20 ms.
inline constexpr std::size_t kMaxBatchHits = 1024;

// Most hits waiting for the writer. Past it the disk cannot keep up, and new hits get
// kUnavailable at once instead of growing the queue without bound.
inline constexpr std::size_t kMaxQueuedHits = 100'000;

// How long a statement waits for another process's lock on the file before failing.
inline constexpr int kBusyTimeoutMillis = 5'000;

// How often the writer deletes the rows of ended rate-limit windows.
inline constexpr UnixMillis kRateWindowSweepMillis = 60'000;

// How long CheckHealth waits for the writer to commit its probe (see CheckHealth): a batch takes
// milliseconds; longer means the writer is stuck behind another process's lock or a slow disk.
inline constexpr std::chrono::milliseconds kHealthProbeTimeout{2'000};

class SqliteStore final : public Store {
 public:
  // Opens or creates the database at `path` and migrates its schema. Each group commit and each
  // refused hit is recorded into `metrics` when given (it must outlive the store). Hits on new
  // routes are refused once the file holds `max_routes` routes (kUnboundedRoutes: never); the
  // bound holds across processes sharing the file, as the check is part of the hit's upsert.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                   Metrics* metrics = nullptr,
                                                   std::int64_t max_routes = kUnboundedRoutes);

  // Commits every queued hit, then stops the writer.
  ~SqliteStore() override;

  void Increment(std::string route, UnixMillis now, std::optional<RateLimit> limit,
                 IncrementCallback done) override;
  Result<RouteStats> Get(const std::string& route) override;
  Result<StatsPage> List(const StatsQuery& query) override;
  // The failure of the writer's last commit (kInsufficientSpace for a full disk), or of the
  // reader; OK when both work. After a failed commit it does not just repeat that failure: it
  // has the writer commit a probe (a rewrite of the schema version: it counts nothing, but needs
  // room in the WAL like a hit) and answers with its outcome, so health recovers as soon as
  // commits can be made again, without waiting for a hit to succeed first (a load balancer that
  // took the server out of rotation sends none). The probe writes one page: on a disk with only a
  // few KiB left it may fit where a hit's two or three pages do not, and health says OK while
  // hits are refused. Waits up to kHealthProbeTimeout for the probe.
  Status CheckHealth() override;

  // Stops taking hits, commits the queued ones and joins the writer. Idempotent.
  void Close();

 private:
  struct PendingHit {
    std::string route;
    UnixMillis now;
    std::optional<RateLimit> limit;
    IncrementCallback done;
    bool probe = false;  // CheckHealth's probe: committed, but counts nothing
  };

  SqliteStore(sqlite::Database writer, sqlite::Database reader);
  // Queues `hit` for the writer, or calls its callback at once with the refusal.
  void Enqueue(PendingHit hit);
  Status ProbeCommit();
  Status PrepareStatements();
  void WriterLoop();
  void CommitBatch(std::vector<PendingHit>& batch);
  Result<CountedHit> Apply(const PendingHit& hit);
  Result<std::int64_t> ClaimWindow(const PendingHit& hit);
  Result<RouteStats> Upsert(const PendingHit& hit);
  Status DropWindow(const std::string& route);
  Status SweepEndedWindows(UnixMillis now);

  sqlite::Database write_db_;
  sqlite::Statement upsert_;
  sqlite::Statement read_back_;
  sqlite::Statement claim_window_;
  sqlite::Statement window_hits_;
  sqlite::Statement drop_window_;
  sqlite::Statement sweep_windows_;
  sqlite::Statement probe_;
  UnixMillis next_sweep_ = 0;  // writer thread only
  sqlite::Statement begin_;
  sqlite::Statement commit_;
  sqlite::Statement rollback_;

  std::mutex read_mutex_;  // guards the reader connection and its statements
  sqlite::Database read_db_;
  sqlite::Statement get_;
  sqlite::Statement list_by_count_;
  sqlite::Statement list_all_by_count_;
  sqlite::Statement list_by_route_;
  sqlite::Statement list_by_last_access_;

  std::mutex queue_mutex_;
  std::condition_variable queue_ready_;
  std::vector<PendingHit> queue_;
  bool writer_waiting_ = false;
  bool closing_ = false;
  Status last_commit_;  // the outcome of the writer's last batch, for CheckHealth
  Metrics* metrics_ = nullptr;
  std::int64_t max_routes_ = kUnboundedRoutes;

  std::thread writer_;
};

}  // namespace hitcounter

#endif  // HITCOUNTER_STORE_SQLITE_STORE_H_

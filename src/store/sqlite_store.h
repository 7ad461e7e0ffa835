// SqliteStore: the counters in one SQLite file, counted in memory, durable before acknowledged.
//
// Counting. The store keeps every route's record (count, first seen, last access, its rate-limit
// window) in memory, loaded from the file at open. A hit is counted there at once, on the
// caller's thread, under a mutex that is never held across I/O: the count it answers with is
// known immediately. Its answer still waits until the hit is on disk.
//
// Durability in batches. Hits counted since the last commit form the open batch. One writer
// thread takes the whole open batch at once, appends the records it changed (whole, once per
// route whatever its hits) as one row of the table `journal` (journal.h), commits with fsync
// (WAL, synchronous=FULL), and only then answers the batch's hits, all in one Post to the
// Executor. While it commits, the next batch fills. A kill -9 or a power cut at any moment loses
// no acknowledged hit: at open, the journal is replayed over `counters`. A commit that fails (a
// full disk: kInsufficientSpace) undoes in memory every hit not yet committed — the failed batch
// and the one filling behind it, whose counts were built on it — and refuses them all: nothing
// counted is ever answered with a count the file does not hold.
//
// Folding. Journaled records reach `counters` later, in the commits of later batches: each
// commit also writes the records whose first journaled change is older than kFoldDelay (at most
// kMaxFoldPerCommit of them, oldest first) and deletes the journal rows no longer needed. A
// route hit a thousand times in that second costs one row write, not a thousand (a per-batch
// upsert measured ~17,000 instructions per hit). Idle, the writer folds what is left after
// kFoldDelay; a clean close folds everything. The file always reads right through hitcounter
// (reads and `hitcounter stats` apply the journal); the `counters` table alone, as the sqlite3
// shell shows it, lags by up to about kFoldDelay under load.
//
// One owner. Counts held in memory are exact only if no one else writes the file, so Open takes
// an exclusive lock (file_lock.h) for the store's lifetime: a second store or `hitcounter serve`
// on the same file is refused at open. Read-only openers (ReadOnlySqliteStore, the sqlite3 shell)
// may read it at any time; they see every acknowledged hit.
//
// Checkpoints (copying the WAL back into the database file, with its own fsync) run on a thread
// of their own with a connection of their own, PASSIVE: they never hold up a commit, where
// SQLite's automatic checkpoint would stall the batch that triggers it by tens of milliseconds.
//
// Reads (Get, List) run on a reader thread with a read-only connection (sqlite_reader.h), with
// the committed, not yet folded records kept in memory as their overlay: they see every
// committed hit and no other, and never hold up hits. The reader thread runs only when its core
// is otherwise idle (SCHED_IDLE; kReaderNice where that is refused): on a busy machine a slow
// listing takes longer instead of taking the hits' CPU. CheckHealth answers at once from what the
// store knows (see there).
//
// Bounded routes: a hit on a new route is refused (kRouteLimitReached) once the store holds
// max_routes routes, in memory, before anything is written.
//
// Deleting. Delete turns each record into a tombstone (count 0) in memory at once, as a hit
// changes a record: a change of the open batch, journaled with it (the journal's record with
// count 0), answered when that commit is durable, undone with the batch if it fails. Its place
// under max_routes is free from then on, and readers see the route no more (a tombstone in the
// overlay hides the table's row). Folding a tombstone deletes the route's row and rate-limit
// window from the file, and then its record from memory; a replay at open does the same. A hit
// on a tombstone counts the route anew.
//
// Thread safety: every method may be called from any thread. Callbacks run on the Executor given
// at open, else on the store's threads (writer, reader), or inline for answers known at once
// (refusals); they must not block for long.
#ifndef HITCOUNTER_STORE_SQLITE_STORE_H_
#define HITCOUNTER_STORE_SQLITE_STORE_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "hitcounter/executor.h"
#include "hitcounter/metrics.h"
#include "hitcounter/store.h"
#include "store/file_lock.h"
#include "store/route_map.h"
#include "store/sqlite_handle.h"
#include "store/sqlite_reader.h"

namespace hitcounter {

// Most hits waiting for the disk (counted in memory, not yet committed). Past it the disk cannot
// keep up, and new hits get kUnavailable at once instead of growing memory without bound.
inline constexpr std::size_t kMaxQueuedHits = 100'000;

// Most reads waiting for the reader thread; past it, kUnavailable at once.
inline constexpr std::size_t kMaxQueuedReads = 1'024;

// How long one read may take, queueing included, when its caller gives no earlier deadline: a
// listing is milliseconds even at a million routes.
inline constexpr std::chrono::milliseconds kReadTimeout{10'000};

// How long a commit waits for a lock on the file held by another program (the sqlite3 shell in
// a transaction) before failing.
inline constexpr int kBusyTimeoutMillis = 5'000;

// How often the writer deletes the rows of ended rate-limit windows.
inline constexpr UnixMillis kRateWindowSweepMillis = 60'000;

// A commit taking longer than this makes CheckHealth fail: the disk or a lock held by another
// program keeps hits waiting (a batch normally commits in milliseconds).
inline constexpr std::chrono::milliseconds kCommitStallLimit{2'000};

// After a failed commit, the writer retries an empty commit (a probe) this often while no hits
// come, so that health recovers once the disk does, without waiting for a hit (a load balancer
// that took the server out of rotation sends none).
inline constexpr std::chrono::milliseconds kProbeInterval{500};

// The checkpointer's nice value (0 normal .. 19 lowest), and the reader's where SCHED_IDLE is
// refused: they yield the CPU to hits.
inline constexpr int kReaderNice = 10;

// The WAL size, in pages, past which the checkpointer copies it back (SQLite's own default).
inline constexpr int kCheckpointPages = 1'000;

// A journaled record is folded into `counters` this long after its first unfolded change: long
// enough that a busy route's many batches cost it one write, short enough that the journal
// (replayed at open, overlaid on every read) stays small.
inline constexpr std::chrono::milliseconds kFoldDelay{1'000};

// Most records one commit folds: bounds the extra time a batch's hits wait (~1 ms).
inline constexpr std::size_t kMaxFoldPerCommit = 256;

// Past this many unfolded records, folding does not wait for kFoldDelay: it bounds the journal,
// the memory of the overlay and what every listing merges.
inline constexpr std::size_t kMaxUnfoldedRoutes = 20'000;

struct SqliteOptions {
  // Each group commit and each refused hit is recorded here when set; must outlive the store.
  Metrics* metrics = nullptr;
  // Hits on new routes are refused once the store holds this many (kUnboundedRoutes: never).
  std::int64_t max_routes = kUnboundedRoutes;
  // Where callbacks run; must outlive the store. Null: on the store's own threads.
  Executor* executor = nullptr;
};

class SqliteStore final : public Store {
 public:
  // Opens or creates the database at `path`, migrates its schema, takes the file's lock and
  // loads every record. kUnavailable (with a message naming the file and what to do) when the
  // file is in use by another store, is read-only, is not a hitcounter database (another
  // program's tables), is newer than this build, or is ":memory:" (counts would not survive).
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                   SqliteOptions options = {});

  // Commits every counted hit, then stops the threads.
  ~SqliteStore() override;

  void Increment(Hit hit, Deadline deadline, IncrementCallback done) override;
  void Get(std::string route, Deadline deadline, GetCallback done) override;
  void List(StatsQuery query, Deadline deadline, ListCallback done) override;
  // Durable with the batch it joins: see "Deleting" above.
  void Delete(std::vector<std::string> routes, Deadline deadline, DeleteCallback done) override;
  // As hits are: the records change in memory at once (all, or none when refused), as changes
  // of the open batch, answered when its commit is durable and undone with it if it fails.
  void Import(std::vector<RouteStats> records, ImportMode mode, Deadline deadline,
              ImportCallback done) override;
  // At once, without touching the file: kUnavailable once a read found the file damaged, the
  // failure of the last commit (kInsufficientSpace for a full disk), or kUnavailable when a
  // commit has been running for over kCommitStallLimit; OK otherwise. After a failure the writer
  // probes every kProbeInterval, so health turns OK again soon after the disk recovers. A probe
  // writes one page: on a disk with a few KiB left it may fit where a batch does not, and health
  // says OK while hits are refused.
  void CheckHealth(Deadline deadline, HealthCallback done) override;
  // The routes held and the hits waiting for the disk, with their bounds (max_routes and
  // kMaxQueuedHits), read under the counting mutex.
  StoreFigures Figures() override;

  // Stops taking hits, commits the counted ones and joins the threads. Idempotent.
  void Close();

  // The routes held in memory, and the bytes their records take (for benchmarks).
  std::size_t RouteCount();
  std::size_t MemoryBytes();

 private:
  // A route's record. `batch` is the store's bookkeeping: the batch that last changed it.
  struct Record {
    std::int64_t count = 0;
    UnixMillis first_seen = 0;
    UnixMillis last_access = 0;
    UnixMillis window_start = 0;      // the rate-limit window `window_hits` are in
    std::int64_t window_hits = 0;     // 0: no window
    std::int32_t window_seconds = 0;  // the window's length, part of its identity
    std::uint32_t batch = 0;
  };
  using Routes = RouteMap<Record>;

  // A record's first change in a batch: what it was before (to undo), and whether the batch
  // created it.
  struct Change {
    Routes::Entry* entry;
    Record before;
    bool created;
  };
  struct Waiter {
    IncrementCallback done;
    CountedHit hit;
  };
  struct Batch {
    std::uint32_t id = 0;
    std::vector<Change> changes;
    std::vector<Waiter> waiters;
  };
  // A record the writer writes: a changed record as its batch left it.
  struct Row {
    const Routes::Entry* entry;
    Record record;
  };
  // A committed record not yet folded into `counters`, and the journal row of its first
  // unfolded change.
  struct Unfolded {
    Record record;
    std::uint64_t seq;
  };
  // The folding order: oldest first change first. An entry whose route was folded since, or
  // changed again after a fold, is stale (its seq no longer matches) and skipped.
  struct FoldTicket {
    const Routes::Entry* entry;
    std::uint64_t seq;
    std::chrono::steady_clock::time_point since;
  };
  // What one commit writes.
  struct Commit {
    std::uint64_t seq = 0;  // the journal row of `rows`; 0 without rows
    std::vector<Row> rows;
    std::vector<Row> fold;
    std::vector<FoldTicket> fold_tickets;  // to put back when the commit fails
    std::uint64_t keep_from = 0;           // journal rows below it are deleted
    UnixMillis sweep_before = 0;           // ended rate windows to delete; 0: none
    bool probe = false;
  };
  using ReadJob = std::function<void(SqliteReader&)>;

  SqliteStore(FileLock lock, sqlite::Database writer, sqlite::Database checkpointer,
              std::unique_ptr<SqliteReader> reader, SqliteOptions options);
  Status PrepareStatements();
  Status LoadRecords();
  Status ReplayJournal();
  void StartThreads();

  // Counts `hit` in memory (mutex_ held); the refusal when it is not counted.
  Status CountLocked(const Hit& hit, CountedHit& counted);
  // Turns the records of `routes` into tombstones, changes of the open batch (mutex_ held).
  DeletedRoutes TombstoneLocked(const std::vector<std::string>& routes);
  // Writes `records` into memory as changes of the open batch, or refuses them all.
  Result<ImportedRoutes> ImportLocked(const std::vector<RouteStats>& records, ImportMode mode);
  void UndoLocked(Batch& batch);

  // Wakes the writer for a batch: at the end of the caller's event-loop round when there is an
  // executor (see Increment), at once otherwise.
  void WakeWriterForBatch();
  void WriterLoop();
  std::vector<Row> RowsOf(const Batch& batch);
  // Picks the records to fold (all that are due; every one when `everything`), and what the
  // journal keeps after them.
  void PlanFold(Commit& commit, bool everything);
  Status Write(const Commit& commit);
  Status AppendJournal(const Commit& commit);
  Status FoldRow(const Row& row);
  // After a successful commit: the folded records leave the overlay, the journaled ones join.
  void Committed(const Commit& commit);
  // After a failed one: the fold is tried again later.
  void Uncommitted(Commit& commit);
  bool FoldDue(std::chrono::steady_clock::time_point now);
  void Answer(std::vector<Waiter> waiters, const Status& status);

  void CheckpointerLoop();
  void EnqueueRead(Deadline deadline, ReadJob job, std::function<void(Status)> refuse);
  // The committed, unfolded record of `route`, if it has one; and all those under `prefix`.
  std::optional<RouteStats> Overlaid(std::string_view route);
  std::vector<RouteStats> OverlayUnder(std::string_view prefix);
  void ReaderLoop();
  // Marks the store damaged when `reader` found the file so; before the read's answer is
  // delivered, so that a health check after it already knows.
  void NoteDamage(const SqliteReader& reader);
  void Deliver(std::function<void()> work);

  // Declared first, destroyed last: the lock outlives the connections (file_lock.h).
  FileLock lock_;
  const SqliteOptions options_;

  // The writer thread's connection and statements.
  sqlite::Database write_db_;
  sqlite::Statement append_journal_;
  sqlite::Statement trim_journal_;
  sqlite::Statement upsert_route_;
  sqlite::Statement upsert_window_;
  sqlite::Statement sweep_windows_;
  sqlite::Statement delete_route_;
  sqlite::Statement delete_window_;
  sqlite::Statement probe_;
  sqlite::Statement begin_;
  sqlite::Statement commit_;
  sqlite::Statement rollback_;
  UnixMillis next_sweep_ = 0;
  std::uint64_t next_seq_ = 1;
  std::uint64_t trimmed_below_ = 0;  // journal rows below this seq are deleted
  std::deque<FoldTicket> fold_queue_;
  std::string journal_blob_;  // reused: one allocation for the life of the store

  // The overlay: written by the writer thread after each commit, read by the reader thread.
  std::mutex overlay_mutex_;
  std::unordered_map<const Routes::Entry*, Unfolded> unfolded_;

  std::mutex mutex_;  // guards everything below up to the reader's part
  // Shared with wake-ups posted to the executor, which may run after the store is gone.
  std::shared_ptr<std::condition_variable> writer_wakeup_ =
      std::make_shared<std::condition_variable>();
  Routes routes_;
  // Records of routes_ that are tombstones (count 0): deleted routes not yet folded, which
  // hold no place under max_routes.
  std::size_t tombstones_ = 0;
  Batch open_;  // hits counted since the writer last took a batch
  std::optional<std::chrono::steady_clock::time_point> commit_started_;
  std::size_t waiting_hits_ = 0;  // counted, not yet answered
  Status last_commit_;
  bool damaged_ = false;  // a read found the file damaged: hits would meet it too
  bool probe_wanted_ = false;
  bool writer_waiting_ = false;
  bool closing_ = false;
  std::uint32_t next_batch_id_ = 1;

  std::mutex read_mutex_;  // guards the read queue
  std::condition_variable read_ready_;
  struct QueuedRead {
    Deadline deadline;
    ReadJob job;
    std::function<void(Status)> refuse;
  };
  std::deque<QueuedRead> reads_;
  bool reads_closing_ = false;
  std::unique_ptr<SqliteReader> reader_;  // the reader thread's

  // The checkpointer's connection and its signal (set from the writer's WAL hook).
  sqlite::Database checkpoint_db_;
  std::mutex checkpoint_mutex_;
  std::condition_variable checkpoint_wanted_;
  bool checkpoint_due_ = false;      // guarded by checkpoint_mutex_
  bool checkpoint_closing_ = false;  // guarded by checkpoint_mutex_

  std::thread writer_;
  std::thread reader_thread_;
  std::thread checkpointer_;
};

// The same file, read-only, for commands that only read (`hitcounter stats`): no lock, no
// writer, no records in memory; every call answers before it returns. Increment answers
// kUnavailable.
class ReadOnlySqliteStore final : public Store {
 public:
  // kUnavailable when `path` does not exist or is not a hitcounter database.
  static Result<std::unique_ptr<ReadOnlySqliteStore>> Open(const std::string& path);

  void Increment(Hit hit, Deadline deadline, IncrementCallback done) override;
  void Get(std::string route, Deadline deadline, GetCallback done) override;
  void List(StatsQuery query, Deadline deadline, ListCallback done) override;
  // kUnavailable: only the store's owner deletes.
  void Delete(std::vector<std::string> routes, Deadline deadline, DeleteCallback done) override;
  // kUnavailable: only the store's owner imports.
  void Import(std::vector<RouteStats> records, ImportMode mode, Deadline deadline,
              ImportCallback done) override;
  void CheckHealth(Deadline deadline, HealthCallback done) override;

 private:
  explicit ReadOnlySqliteStore(std::unique_ptr<SqliteReader> reader) : reader_(std::move(reader)) {}
  std::mutex mutex_;  // one read at a time on the connection
  std::unique_ptr<SqliteReader> reader_;
};

}  // namespace hitcounter

#endif  // HITCOUNTER_STORE_SQLITE_STORE_H_

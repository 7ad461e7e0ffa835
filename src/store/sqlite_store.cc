#include "store/sqlite_store.h"

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <limits>
#include <utility>

#include "store/journal.h"
#include "store/sqlite_schema.h"

namespace hitcounter {
namespace {

using sqlite::BindText;
using sqlite::ErrorStatus;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kAppendJournalSql = "INSERT INTO journal (seq, records) VALUES (?1, ?2)";
constexpr std::string_view kTrimJournalSql = "DELETE FROM journal WHERE seq < ?1";
constexpr std::string_view kLoadJournalSql = "SELECT seq, records FROM journal ORDER BY seq";

// A fold writes each record whole: the store owns the file, so what the journal says is what
// the row must say, and no read-back is needed.
constexpr std::string_view kUpsertRouteSql = R"sql(
  INSERT INTO counters (route, count, first_seen, last_access) VALUES (?1, ?2, ?3, ?4)
  ON CONFLICT (route) DO UPDATE SET count = excluded.count, first_seen = excluded.first_seen,
    last_access = excluded.last_access
)sql";

constexpr std::string_view kUpsertWindowSql = R"sql(
  INSERT INTO rate_windows (route, window_start, window_ms, hits) VALUES (?1, ?2, ?3, ?4)
  ON CONFLICT (route) DO UPDATE SET window_start = excluded.window_start,
    window_ms = excluded.window_ms, hits = excluded.hits
)sql";

// A deleted route's tombstone, folded: its row and its window go.
constexpr std::string_view kDeleteRouteSql = "DELETE FROM counters WHERE route = ?1";
constexpr std::string_view kDeleteWindowSql = "DELETE FROM rate_windows WHERE route = ?1";

constexpr std::string_view kSweepWindowsSql =
    "DELETE FROM rate_windows WHERE window_start + window_ms <= ?1";

constexpr std::string_view kLoadRoutesSql =
    "SELECT route, count, first_seen, last_access FROM counters";
constexpr std::string_view kLoadWindowsSql =
    "SELECT route, window_start, window_ms, hits FROM rate_windows";

constexpr std::string_view kInUse =
    "one hitcounter serve owns a SQLite file; to run several servers, share one DynamoDB table "
    "(--store dynamodb:TABLE) instead";

// The probe: sets the schema version to what it is. It rewrites the database's first page, so
// committing it needs room in the WAL, as a batch does.
std::string ProbeSql() {
  return "PRAGMA user_version = " + std::to_string(sqlite::LatestSchemaVersion());
}

// Steps a statement that returns no rows, and resets it.
Status Step(sqlite3* db, sqlite3_stmt* statement, std::string_view what) {
  int code = sqlite3_step(statement);
  // The error is read before the reset, which clears it.
  Status status = code == SQLITE_DONE ? Status::Ok() : ErrorStatus(db, code, what);
  sqlite3_reset(statement);
  return status;
}

Status RunPragma(sqlite3* db, const char* pragma) {
  Result<sqlite::Statement> statement = sqlite::Prepare(db, pragma);
  if (!statement.ok()) return statement.status();
  int code = sqlite3_step(statement->get());
  if (code != SQLITE_ROW && code != SQLITE_DONE) return ErrorStatus(db, code, pragma);
  return Status::Ok();
}

// A damaged file is refused at open rather than found by a hit or a listing later (0.3 s at a
// million routes: every page is read, as loading the records reads the table anyway).
Status QuickCheck(sqlite3* db) {
  Result<sqlite::Statement> check = sqlite::Prepare(db, "PRAGMA quick_check");
  if (!check.ok()) return check.status();
  const int code = sqlite3_step(check->get());
  if (code != SQLITE_ROW) return ErrorStatus(db, code, "the database file is damaged");
  const std::string verdict = sqlite::ColumnText(check->get(), 0);
  if (verdict == "ok") return Status::Ok();
  return Status::Unavailable("the database file is damaged (" + verdict +
                             "): restore it from a backup, or move it away to start afresh");
}

bool IsMemoryDatabase(const std::string& path) {
  return path.empty() || path == ":memory:" || path.starts_with("file::memory:");
}

// Lowers the calling thread's scheduling priority (Linux: nice values are per thread).
void LowerThreadPriority(int nice) {
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), nice);
}

// Runs the calling thread only when no other thread wants its core (SCHED_IDLE): a thread that
// wakes for a hit preempts it at once, where under a nice value it waits for the scheduler's
// wake-up granularity (bench/read_isolation.sh: hits lost 43% beside a listing loop at nice 10).
void RunWhenIdle() {
  const sched_param param{};
  if (sched_setscheduler(0, SCHED_IDLE, &param) != 0) LowerThreadPriority(kReaderNice);
}

}  // namespace

// ---------------------------------------------------------------------------------- opening

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                       SqliteOptions options) {
  if (options.max_routes < 0) return Status::InvalidArgument("the most routes cannot be negative");
  if (IsMemoryDatabase(path)) {
    return Status::InvalidArgument(
        "an in-memory SQLite database would lose every count at exit: give a file path");
  }
  Result<FileLock> lock = FileLock::Acquire(path, kInUse);
  if (!lock.ok()) return lock.status();
  Result<sqlite::Database> writer = sqlite::Open(path, /*read_only=*/false);
  if (!writer.ok()) return writer.status();
  sqlite3* db = writer->get();
  if (sqlite3_db_readonly(db, "main") == 1) {
    return Status::Unavailable(path + " is read-only: hitcounter needs to write its counts there");
  }
  sqlite3_busy_timeout(db, kBusyTimeoutMillis);
  // WAL: readers do not block the writer. FULL: every commit is fsynced before it returns.
  for (const char* pragma : {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL"}) {
    if (Status done = RunPragma(db, pragma); !done.ok()) return done;
  }
  if (Status migrated = sqlite::Migrate(db); !migrated.ok()) {
    return Status::Unavailable(path + ": " + migrated.message());
  }
  if (Status sound = QuickCheck(db); !sound.ok())
    return Status::Unavailable(path + ": " + sound.message());
  Result<std::unique_ptr<SqliteReader>> reader = SqliteReader::Open(path);
  if (!reader.ok()) return reader.status();
  Result<sqlite::Database> checkpointer = sqlite::Open(path, /*read_only=*/false);
  if (!checkpointer.ok()) return checkpointer.status();
  // A connection checkpoints a WAL only once it has opened it, by reading.
  if (Status wal = RunPragma(checkpointer->get(), "PRAGMA journal_mode"); !wal.ok()) return wal;

  std::unique_ptr<SqliteStore> store(
      new SqliteStore(std::move(lock).value(), std::move(writer).value(),
                      std::move(checkpointer).value(), std::move(reader).value(), options));
  if (Status prepared = store->PrepareStatements(); !prepared.ok()) return prepared;
  if (Status loaded = store->LoadRecords(); !loaded.ok()) {
    return Status::Unavailable("cannot read " + path + ": " + loaded.message());
  }
  // Folds what a crash left in the journal, and proves the file can be written now rather than
  // refusing every hit later.
  if (Status replayed = store->ReplayJournal(); !replayed.ok()) {
    return Status::Unavailable("cannot write " + path + ": " + replayed.message());
  }
  store->StartThreads();
  return store;
}

SqliteStore::SqliteStore(FileLock lock, sqlite::Database writer, sqlite::Database checkpointer,
                         std::unique_ptr<SqliteReader> reader, SqliteOptions options)
    : lock_(std::move(lock)),
      options_(options),
      write_db_(std::move(writer)),
      reader_(std::move(reader)),
      checkpoint_db_(std::move(checkpointer)) {
  open_.id = next_batch_id_++;
  // Replaces SQLite's automatic checkpoint on the writer's connection (see the header).
  sqlite3_wal_hook(
      write_db_.get(),
      [](void* self, sqlite3*, const char*, int pages) {
        auto* store = static_cast<SqliteStore*>(self);
        if (pages >= kCheckpointPages) {
          {
            std::lock_guard guard(store->checkpoint_mutex_);
            store->checkpoint_due_ = true;
          }
          store->checkpoint_wanted_.notify_one();
        }
        return SQLITE_OK;
      },
      this);
}

SqliteStore::~SqliteStore() { Close(); }

Status SqliteStore::PrepareStatements() {
  struct Wanted {
    std::string_view sql;
    sqlite::Statement* slot;
  };
  const std::string probe_sql = ProbeSql();
  const Wanted wanted[] = {
      {kAppendJournalSql, &append_journal_},
      {kTrimJournalSql, &trim_journal_},
      {kUpsertRouteSql, &upsert_route_},
      {kUpsertWindowSql, &upsert_window_},
      {kSweepWindowsSql, &sweep_windows_},
      {kDeleteRouteSql, &delete_route_},
      {kDeleteWindowSql, &delete_window_},
      {probe_sql, &probe_},
      {"BEGIN IMMEDIATE", &begin_},
      {"COMMIT", &commit_},
      {"ROLLBACK", &rollback_},
  };
  for (const Wanted& w : wanted) {
    Result<sqlite::Statement> statement = sqlite::Prepare(write_db_.get(), w.sql);
    if (!statement.ok()) return statement.status();
    *w.slot = std::move(statement).value();
  }
  return Status::Ok();
}

Status SqliteStore::LoadRecords() {
  sqlite3* db = write_db_.get();
  Result<sqlite::Statement> routes = sqlite::Prepare(db, kLoadRoutesSql);
  if (!routes.ok()) return routes.status();
  int code;
  while ((code = sqlite3_step(routes->get())) == SQLITE_ROW) {
    sqlite3_stmt* row = routes->get();
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(row, 0));
    std::string_view route(text == nullptr ? "" : text,
                           static_cast<std::size_t>(sqlite3_column_bytes(row, 0)));
    Record& record = routes_.Insert(route).first->value;
    record.count = sqlite3_column_int64(row, 1);
    record.first_seen = sqlite3_column_int64(row, 2);
    record.last_access = sqlite3_column_int64(row, 3);
  }
  if (code != SQLITE_DONE) return ErrorStatus(db, code, "cannot load the counts");
  Result<sqlite::Statement> windows = sqlite::Prepare(db, kLoadWindowsSql);
  if (!windows.ok()) return windows.status();
  while ((code = sqlite3_step(windows->get())) == SQLITE_ROW) {
    sqlite3_stmt* row = windows->get();
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(row, 0));
    std::string_view route(text == nullptr ? "" : text,
                           static_cast<std::size_t>(sqlite3_column_bytes(row, 0)));
    Routes::Entry* entry = routes_.Find(route);
    if (entry == nullptr) continue;  // a window of a route never counted holds no hit
    entry->value.window_start = sqlite3_column_int64(row, 1);
    entry->value.window_seconds = static_cast<std::int32_t>(sqlite3_column_int64(row, 2) / 1000);
    entry->value.window_hits = sqlite3_column_int64(row, 3);
  }
  if (code != SQLITE_DONE) return ErrorStatus(db, code, "cannot load the rate-limit windows");
  return Status::Ok();
}

Status SqliteStore::ReplayJournal() {
  sqlite3* db = write_db_.get();
  Result<sqlite::Statement> rows = sqlite::Prepare(db, kLoadJournalSql);
  if (!rows.ok()) return rows.status();
  std::vector<const Routes::Entry*> replayed;
  int code;
  while ((code = sqlite3_step(rows->get())) == SQLITE_ROW) {
    next_seq_ = static_cast<std::uint64_t>(sqlite3_column_int64(rows->get(), 0)) + 1;
    const auto* bytes = static_cast<const char*>(sqlite3_column_blob(rows->get(), 1));
    const std::string_view blob(bytes == nullptr ? "" : bytes,
                                static_cast<std::size_t>(sqlite3_column_bytes(rows->get(), 1)));
    Status read = ReadJournalRecords(blob, [&](const JournalRecord& journaled) {
      Routes::Entry* entry = routes_.Insert(journaled.route).first;
      replayed.push_back(entry);
      Record& record = entry->value;
      record.count = journaled.count;
      record.first_seen = journaled.first_seen;
      record.last_access = journaled.last_access;
      record.window_start = journaled.window_start;
      record.window_hits = journaled.window_hits;
      record.window_seconds = static_cast<std::int32_t>(journaled.window_seconds);
    });
    if (!read.ok()) return read;
  }
  if (code != SQLITE_DONE) return ErrorStatus(db, code, "cannot read the journal");
  std::sort(replayed.begin(), replayed.end());
  replayed.erase(std::unique(replayed.begin(), replayed.end()), replayed.end());
  Commit commit;
  for (const Routes::Entry* entry : replayed) commit.fold.push_back(Row{entry, entry->value});
  commit.keep_from = std::numeric_limits<std::int64_t>::max();  // the whole journal is folded
  commit.probe = true;
  if (Status written = Write(commit); !written.ok()) return written;
  // Tombstones (count 0) of deleted routes were folded as deletions: their records go too.
  for (const Routes::Entry* entry : replayed) {
    if (entry->value.count == 0) routes_.Erase(const_cast<Routes::Entry*>(entry));
  }
  return Status::Ok();
}

void SqliteStore::StartThreads() {
  writer_ = std::thread([this] { WriterLoop(); });
  reader_thread_ = std::thread([this] {
    RunWhenIdle();
    ReaderLoop();
  });
  checkpointer_ = std::thread([this] {
    LowerThreadPriority(kReaderNice);
    CheckpointerLoop();
  });
}

void SqliteStore::Close() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  writer_wakeup_->notify_one();
  if (writer_.joinable()) writer_.join();
  {
    std::lock_guard lock(read_mutex_);
    reads_closing_ = true;
  }
  read_ready_.notify_one();
  if (reader_thread_.joinable()) reader_thread_.join();
  {
    std::lock_guard lock(checkpoint_mutex_);
    checkpoint_closing_ = true;
  }
  checkpoint_wanted_.notify_one();
  if (checkpointer_.joinable()) checkpointer_.join();
}

void SqliteStore::CheckpointerLoop() {
  for (;;) {
    {
      std::unique_lock lock(checkpoint_mutex_);
      checkpoint_wanted_.wait(lock, [this] { return checkpoint_due_ || checkpoint_closing_; });
      if (checkpoint_closing_) return;
      checkpoint_due_ = false;
    }
    // A failure (a full disk) leaves the WAL as it is: the next one tries again.
    (void)sqlite3_wal_checkpoint_v2(checkpoint_db_.get(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                    nullptr, nullptr);
  }
}

std::size_t SqliteStore::RouteCount() {
  std::lock_guard lock(mutex_);
  return routes_.size() - tombstones_;
}

StoreFigures SqliteStore::Figures() {
  StoreFigures figures;
  {
    std::lock_guard lock(mutex_);
    figures.routes = static_cast<std::int64_t>(routes_.size() - tombstones_);
    figures.pending_hits = static_cast<std::int64_t>(waiting_hits_);
  }
  if (options_.max_routes != kUnboundedRoutes) figures.max_routes = options_.max_routes;
  figures.max_pending_hits = static_cast<std::int64_t>(kMaxQueuedHits);
  return figures;
}

std::size_t SqliteStore::MemoryBytes() {
  std::lock_guard lock(mutex_);
  return routes_.MemoryBytes();
}

// ---------------------------------------------------------------------------------- counting

void SqliteStore::Increment(Hit hit, Deadline deadline, IncrementCallback done) {
  Status refused;
  bool wake_writer = false;
  {
    std::lock_guard lock(mutex_);
    CountedHit counted;
    if (closing_) {
      refused = Status::Unavailable("the store is closing; the hit was not counted");
    } else if (waiting_hits_ >= kMaxQueuedHits) {
      refused = Status::Unavailable("too many hits are waiting for the disk; try again");
    } else if (deadline != kNoDeadline && SteadyClock::now() >= deadline) {
      refused = Status::Unavailable("the hit came after its deadline; it was not counted");
    } else {
      refused = CountLocked(hit, counted);
    }
    if (refused.ok()) {
      counted.stats.route = std::move(hit.route);
      open_.waiters.push_back(Waiter{std::move(done), std::move(counted)});
      ++waiting_hits_;
      // Wake the writer only when it sleeps, and once: while it commits, the batch just fills.
      wake_writer = std::exchange(writer_waiting_, false);
    }
  }
  if (refused.ok()) {
    // After unlocking: a writer woken under the lock may, on the same core, preempt this thread
    // only to block on the mutex it still holds.
    if (wake_writer) WakeWriterForBatch();
    return;
  }
  const StatusCode code = refused.code();
  if (options_.metrics != nullptr && code == StatusCode::kUnavailable) {
    options_.metrics->RecordRefusedHit();
  }
  done(std::move(refused));
}

Status SqliteStore::CountLocked(const Hit& hit, CountedHit& counted) {
  Routes::Entry* entry = routes_.Find(hit.route);
  const bool created = entry == nullptr;
  // A deleted route's record, kept until its tombstone is folded (see Delete): the hit counts
  // it anew, from 1.
  const bool revived = !created && entry->value.count == 0;
  if (created || revived) {
    if (options_.max_routes != kUnboundedRoutes &&
        static_cast<std::int64_t>(routes_.size() - tombstones_) >= options_.max_routes) {
      return Status::RouteLimitReached("hitcounter counts " + std::to_string(options_.max_routes) +
                                       " routes already, its most; this new route was not counted");
    }
  }
  if (created) entry = routes_.Insert(hit.route).first;
  Record& record = entry->value;
  const Record before = record;
  if (record.count == std::numeric_limits<std::int64_t>::max()) {
    return Status::OutOfRange("the count of this route is at its maximum");
  }
  if (hit.limit) {
    const UnixMillis start = hit.limit->WindowStart(hit.now);
    const auto seconds = static_cast<std::int32_t>(hit.limit->window_seconds);
    const bool same_window = record.window_start == start && record.window_seconds == seconds;
    if (same_window && record.window_hits >= hit.limit->limit) {
      // A new route has no hits in any window, so it is never refused here: nothing to erase.
      return Status::ResourceExhausted("the route's rate limit is reached in this window");
    }
    record.window_hits = same_window ? record.window_hits + 1 : 1;
    record.window_start = start;
    record.window_seconds = seconds;
    counted.window_hits = record.window_hits;
  }
  if (created || revived) record.first_seen = hit.now;
  if (revived) --tombstones_;
  ++record.count;
  record.last_access = hit.now;
  if (record.batch != open_.id) {
    open_.changes.push_back(Change{entry, before, created});
    record.batch = open_.id;
  }
  counted.stats.count = record.count;
  counted.stats.first_seen = record.first_seen;
  counted.stats.last_access = record.last_access;
  return Status::Ok();
}

// ---------------------------------------------------------------------------------- deleting

void SqliteStore::Delete(std::vector<std::string> routes, Deadline deadline, DeleteCallback done) {
  if (routes.size() > kMaxDeletedRoutesPerCall) {
    return done(Status::InvalidArgument("one deletion names at most " +
                                        std::to_string(kMaxDeletedRoutesPerCall) + " routes"));
  }
  Status refused;
  DeletedRoutes deleted;
  bool wake_writer = false;
  {
    std::lock_guard lock(mutex_);
    if (closing_) {
      refused = Status::Unavailable("the store is closing; nothing was deleted");
    } else if (deadline != kNoDeadline && SteadyClock::now() >= deadline) {
      refused = Status::Unavailable("the deletion came after its deadline; nothing was deleted");
    } else {
      deleted = TombstoneLocked(routes);
    }
    if (refused.ok() && deleted.routes > 0) {
      // Answered with the open batch's hits, once its commit is durable; undone with them if
      // it fails.
      open_.waiters.push_back(Waiter{[done, deleted](Result<CountedHit> committed) {
                                       if (!committed.ok()) return done(committed.status());
                                       done(deleted);
                                     },
                                     CountedHit{}});
      ++waiting_hits_;
      wake_writer = std::exchange(writer_waiting_, false);
    }
  }
  if (!refused.ok()) return done(std::move(refused));
  if (deleted.routes == 0) return done(deleted);  // nothing to write
  if (wake_writer) writer_wakeup_->notify_one();
}

void SqliteStore::Import(std::vector<RouteStats> records, ImportMode mode, Deadline deadline,
                         ImportCallback done) {
  if (Status valid = ValidateImport(records); !valid.ok()) return done(std::move(valid));
  Status refused;
  ImportedRoutes counts;
  bool wake_writer = false;
  {
    std::lock_guard lock(mutex_);
    if (closing_) {
      refused = Status::Unavailable("the store is closing; nothing was imported");
    } else if (deadline != kNoDeadline && SteadyClock::now() >= deadline) {
      refused = Status::Unavailable("the import came after its deadline; nothing was imported");
    } else if (Result<ImportedRoutes> imported = ImportLocked(records, mode); !imported.ok()) {
      refused = imported.status();
    } else {
      counts = *imported;
    }
    if (refused.ok() && !records.empty()) {
      open_.waiters.push_back(Waiter{[done, counts](Result<CountedHit> committed) {
                                       if (!committed.ok()) return done(committed.status());
                                       done(counts);
                                     },
                                     CountedHit{}});
      ++waiting_hits_;
      wake_writer = std::exchange(writer_waiting_, false);
    }
  }
  if (!refused.ok()) return done(std::move(refused));
  if (records.empty()) return done(counts);
  if (wake_writer) writer_wakeup_->notify_one();
}

Result<ImportedRoutes> SqliteStore::ImportLocked(const std::vector<RouteStats>& records,
                                                 ImportMode mode) {
  // First every check, so that a refused import changes nothing.
  std::int64_t new_routes = 0;
  for (const RouteStats& imported : records) {
    const Routes::Entry* entry = routes_.Find(imported.route);
    if (entry == nullptr || entry->value.count == 0) {
      ++new_routes;
    } else if (mode == ImportMode::kAdd &&
               imported.count > std::numeric_limits<std::int64_t>::max() - entry->value.count) {
      return Status::OutOfRange(imported.route + ": the added count would pass its maximum");
    }
  }
  const auto live = static_cast<std::int64_t>(routes_.size() - tombstones_);
  if (options_.max_routes != kUnboundedRoutes && live + new_routes > options_.max_routes) {
    return Status::RouteLimitReached("hitcounter counts at most " +
                                     std::to_string(options_.max_routes) + " routes and holds " +
                                     std::to_string(live) + ": the " + std::to_string(new_routes) +
                                     " new routes of this import do not fit; nothing was imported");
  }
  ImportedRoutes counts;
  for (const RouteStats& imported : records) {
    auto [entry, created] = routes_.Insert(imported.route);
    Record& record = entry->value;
    const Record before = record;
    const bool fresh = created || record.count == 0;
    if (!created && record.count == 0) --tombstones_;
    if (fresh || mode == ImportMode::kReplace) {
      record.count = imported.count;
      record.first_seen = imported.first_seen;
      record.last_access = imported.last_access;
    } else {
      record.count += imported.count;
      record.first_seen = std::min(record.first_seen, imported.first_seen);
      record.last_access = std::max(record.last_access, imported.last_access);
    }
    ++(fresh ? counts.created : counts.updated);
    if (created || record.batch != open_.id) {
      open_.changes.push_back(Change{entry, before, created});
      record.batch = open_.id;
    }
  }
  return counts;
}

DeletedRoutes SqliteStore::TombstoneLocked(const std::vector<std::string>& routes) {
  DeletedRoutes deleted;
  for (const std::string& route : routes) {
    Routes::Entry* entry = routes_.Find(route);
    if (entry == nullptr || entry->value.count == 0) continue;  // none, or deleted already
    Record& record = entry->value;
    deleted.Add(record.count);
    if (record.batch != open_.id) {
      open_.changes.push_back(Change{entry, record, /*created=*/false});
    }
    record = Record{};
    record.batch = open_.id;
    ++tombstones_;
  }
  return deleted;
}

// Puts every record `batch` changed back as it was before the batch, newest change first.
void SqliteStore::UndoLocked(Batch& batch) {
  for (auto change = batch.changes.rbegin(); change != batch.changes.rend(); ++change) {
    if (change->created) {
      routes_.Erase(change->entry);
      continue;
    }
    // A deletion undone gives its tombstone back; a hit on a tombstone undone takes it again.
    const bool was_tombstone = change->before.count == 0;
    const bool is_tombstone = change->entry->value.count == 0;
    if (is_tombstone && !was_tombstone) --tombstones_;
    if (!is_tombstone && was_tombstone) ++tombstones_;
    change->entry->value = change->before;
  }
  batch.changes.clear();
}

// ---------------------------------------------------------------------------------- the writer

// The first hit of a batch does not wake the writer at once: the hits that arrived with it, in
// the same round of the caller's event loop, would each miss the batch and wait for the next
// commit (measured: a third of the batches held one hit). Posted to the executor, the wake-up
// runs after the handlers already queued, so the batch takes the whole round.
void SqliteStore::WakeWriterForBatch() {
  if (options_.executor == nullptr) return writer_wakeup_->notify_one();
  options_.executor->Post([wakeup = writer_wakeup_] { wakeup->notify_one(); });
}

void SqliteStore::WriterLoop() {
  for (;;) {
    Batch batch;
    Commit commit;
    bool closing = false;
    {
      std::unique_lock lock(mutex_);
      auto has_batch = [this] { return !open_.waiters.empty() || !open_.changes.empty(); };
      auto has_work = [&] { return has_batch() || probe_wanted_ || closing_; };
      writer_waiting_ = true;
      if (!last_commit_.ok()) {
        // Still failing: try an empty commit now and then, so health sees the disk recover.
        if (!writer_wakeup_->wait_for(lock, kProbeInterval, has_work)) probe_wanted_ = true;
      } else if (!fold_queue_.empty()) {
        // Records to fold later: wait for hits, or until the oldest is due.
        writer_wakeup_->wait_until(lock, fold_queue_.front().since + kFoldDelay, has_work);
      } else {
        writer_wakeup_->wait(lock, has_work);
      }
      writer_waiting_ = false;
      closing = closing_;
      const bool folding = closing && last_commit_.ok() && !unfolded_.empty();
      if (closing && !has_batch() && !folding) return;
      batch = std::exchange(open_, Batch{});
      open_.id = next_batch_id_++;
      commit.rows = RowsOf(batch);
      commit.probe = std::exchange(probe_wanted_, false);
    }
    if (!commit.rows.empty()) commit.seq = next_seq_++;
    PlanFold(commit, /*everything=*/closing);
    for (const Row& row : commit.rows) {
      commit.sweep_before = std::max(commit.sweep_before, row.record.last_access);
    }
    if (commit.rows.empty() && commit.fold.empty() && !commit.probe) continue;
    const auto started = SteadyClock::now();
    {
      std::lock_guard lock(mutex_);
      commit_started_ = started;
    }
    Status status = Write(commit);
    if (status.ok()) {
      Committed(commit);
    } else {
      Uncommitted(commit);
    }
    std::vector<Waiter> built_on_failure;
    {
      std::lock_guard lock(mutex_);
      commit_started_.reset();
      last_commit_ = status;
      if (!status.ok()) {
        // The open batch's counts include the failed one's: undo and refuse both.
        UndoLocked(open_);
        UndoLocked(batch);
        built_on_failure = std::exchange(open_.waiters, {});
      }
      waiting_hits_ -= batch.waiters.size() + built_on_failure.size();
    }
    if (options_.metrics != nullptr && !batch.waiters.empty()) {
      options_.metrics->RecordCommit(batch.waiters.size(), SteadyClock::now() - started,
                                     !status.ok());
    }
    Answer(std::move(batch.waiters), status);
    if (!built_on_failure.empty()) Answer(std::move(built_on_failure), status);
  }
}

// The records to write, copied while the mutex is held: hits of the next batch may change them
// as soon as it is released.
std::vector<SqliteStore::Row> SqliteStore::RowsOf(const Batch& batch) {
  std::vector<Row> rows;
  rows.reserve(batch.changes.size());
  for (const Change& change : batch.changes) rows.push_back(Row{change.entry, change.entry->value});
  return rows;
}

void SqliteStore::PlanFold(Commit& commit, bool everything) {
  const auto now = SteadyClock::now();
  const bool crowded = unfolded_.size() > kMaxUnfoldedRoutes;
  auto live = [this](const FoldTicket& ticket) {
    auto unfolded = unfolded_.find(ticket.entry);
    return unfolded != unfolded_.end() && unfolded->second.seq == ticket.seq;
  };
  while (!fold_queue_.empty() && commit.fold.size() < kMaxFoldPerCommit) {
    const FoldTicket ticket = fold_queue_.front();
    if (!live(ticket)) {
      fold_queue_.pop_front();
      continue;
    }
    if (!everything && !crowded && now - ticket.since < kFoldDelay) break;
    commit.fold.push_back(Row{ticket.entry, unfolded_.at(ticket.entry).record});
    commit.fold_tickets.push_back(ticket);
    fold_queue_.pop_front();
  }
  while (!fold_queue_.empty() && !live(fold_queue_.front())) fold_queue_.pop_front();
  // In key order, neighbours share B-tree pages: fewer pages written to the WAL.
  std::sort(commit.fold.begin(), commit.fold.end(),
            [](const Row& a, const Row& b) { return a.entry->route() < b.entry->route(); });
  // Journal rows below the oldest still unfolded (or below this commit's own) are no longer
  // needed; with nothing unfolded left, none are.
  std::uint64_t keep_from = std::numeric_limits<std::int64_t>::max();
  if (!fold_queue_.empty()) keep_from = fold_queue_.front().seq;
  if (commit.seq != 0) keep_from = std::min(keep_from, commit.seq);
  if (keep_from > trimmed_below_) commit.keep_from = keep_from;
}

Status SqliteStore::Write(const Commit& commit) {
  sqlite3* db = write_db_.get();
  Status status = Step(db, begin_.get(), "cannot begin a transaction");
  if (status.ok() && !commit.rows.empty()) status = AppendJournal(commit);
  for (std::size_t i = 0; status.ok() && i < commit.fold.size(); ++i) {
    status = FoldRow(commit.fold[i]);
  }
  if (status.ok() && commit.keep_from != 0) {
    sqlite3_bind_int64(trim_journal_.get(), 1, static_cast<std::int64_t>(commit.keep_from));
    status = Step(db, trim_journal_.get(), "cannot trim the journal");
  }
  if (status.ok() && commit.sweep_before >= next_sweep_ && commit.sweep_before > 0) {
    next_sweep_ = commit.sweep_before + kRateWindowSweepMillis;
    sqlite3_bind_int64(sweep_windows_.get(), 1, commit.sweep_before);
    status = Step(db, sweep_windows_.get(), "cannot sweep rate windows");
  }
  if (status.ok() && commit.probe) {
    status = Step(db, probe_.get(), "cannot write the schema version");
  }
  if (status.ok()) status = Step(db, commit_.get(), "cannot commit");
  if (!status.ok() && !sqlite3_get_autocommit(db)) {
    (void)Step(db, rollback_.get(), "cannot roll back");
  }
  if (status.ok() && commit.keep_from != 0) {
    trimmed_below_ = std::min<std::uint64_t>(commit.keep_from, next_seq_);
  }
  return status;
}

Status SqliteStore::AppendJournal(const Commit& commit) {
  journal_blob_.clear();
  for (const Row& row : commit.rows) {
    const Record& r = row.record;
    AppendJournalRecord(JournalRecord{row.entry->route(), r.count, r.first_seen, r.last_access,
                                      r.window_start, r.window_hits, r.window_seconds},
                        journal_blob_);
  }
  sqlite3_stmt* append = append_journal_.get();
  sqlite3_bind_int64(append, 1, static_cast<std::int64_t>(commit.seq));
  sqlite3_bind_blob(append, 2, journal_blob_.data(), static_cast<int>(journal_blob_.size()),
                    SQLITE_STATIC);
  return Step(write_db_.get(), append, "cannot append to the journal");
}

Status SqliteStore::FoldRow(const Row& row) {
  sqlite3* db = write_db_.get();
  if (row.record.count == 0) {
    for (sqlite3_stmt* erase : {delete_route_.get(), delete_window_.get()}) {
      BindText(erase, 1, row.entry->route());
      if (Status erased = Step(db, erase, "cannot delete a route"); !erased.ok()) return erased;
    }
    return Status::Ok();
  }
  sqlite3_stmt* upsert = upsert_route_.get();
  BindText(upsert, 1, row.entry->route());
  sqlite3_bind_int64(upsert, 2, row.record.count);
  sqlite3_bind_int64(upsert, 3, row.record.first_seen);
  sqlite3_bind_int64(upsert, 4, row.record.last_access);
  if (Status written = Step(db, upsert, "cannot write a count"); !written.ok()) return written;
  if (row.record.window_hits == 0) return Status::Ok();
  sqlite3_stmt* window = upsert_window_.get();
  BindText(window, 1, row.entry->route());
  sqlite3_bind_int64(window, 2, row.record.window_start);
  sqlite3_bind_int64(window, 3, std::int64_t{row.record.window_seconds} * 1000);
  sqlite3_bind_int64(window, 4, row.record.window_hits);
  return Step(db, window, "cannot write a rate-limit window");
}

void SqliteStore::Committed(const Commit& commit) {
  std::vector<FoldTicket> tickets;
  const auto now = SteadyClock::now();
  {
    std::lock_guard lock(overlay_mutex_);
    for (const Row& row : commit.fold) unfolded_.erase(row.entry);
    for (const Row& row : commit.rows) {
      auto [unfolded, added] = unfolded_.try_emplace(row.entry, Unfolded{row.record, commit.seq});
      if (added) {
        tickets.push_back(FoldTicket{row.entry, commit.seq, now});
      } else {
        unfolded->second.record = row.record;
      }
    }
  }
  fold_queue_.insert(fold_queue_.end(), tickets.begin(), tickets.end());
  // A folded tombstone has left the file and the overlay: its record leaves memory, unless a
  // hit counted it anew meanwhile.
  bool folded_tombstone = false;
  for (const Row& row : commit.fold) folded_tombstone = folded_tombstone || row.record.count == 0;
  if (!folded_tombstone) return;
  std::lock_guard lock(mutex_);
  for (const Row& row : commit.fold) {
    auto* entry = const_cast<Routes::Entry*>(row.entry);
    // Kept while anything still refers to it: a newer tombstone of it, committed (in the
    // overlay) or not yet (a change of the open batch).
    if (row.record.count != 0 || entry->value.count != 0 || unfolded_.contains(entry) ||
        entry->value.batch == open_.id) {
      continue;
    }
    routes_.Erase(entry);
    --tombstones_;
  }
}

void SqliteStore::Uncommitted(Commit& commit) {
  fold_queue_.insert(fold_queue_.begin(), commit.fold_tickets.begin(), commit.fold_tickets.end());
}

void SqliteStore::Answer(std::vector<Waiter> waiters, const Status& status) {
  if (waiters.empty()) return;
  Deliver([waiters = std::move(waiters), status]() mutable {
    for (Waiter& waiter : waiters) {
      waiter.done(status.ok() ? Result<CountedHit>(std::move(waiter.hit))
                              : Result<CountedHit>(status));
    }
  });
}

void SqliteStore::Deliver(std::function<void()> work) {
  if (options_.executor != nullptr) return options_.executor->Post(std::move(work));
  work();
}

// ---------------------------------------------------------------------------------- health

void SqliteStore::CheckHealth(Deadline /*deadline*/, HealthCallback done) {
  Status health;
  bool wake_writer = false;
  {
    std::lock_guard lock(mutex_);
    if (damaged_) {
      health = Status::Unavailable(
          "a read found the database file damaged: restore it from a backup, or move it away");
    } else if (!last_commit_.ok()) {
      health = last_commit_;
      probe_wanted_ = true;
      wake_writer = std::exchange(writer_waiting_, false);
    } else if (commit_started_ && SteadyClock::now() - *commit_started_ > kCommitStallLimit) {
      health = Status::Unavailable("a commit has been waiting for the disk for over " +
                                   std::to_string(kCommitStallLimit.count()) + " ms");
    }
  }
  if (wake_writer) writer_wakeup_->notify_one();
  done(std::move(health));
}

// ---------------------------------------------------------------------------------- reads

void SqliteStore::Get(std::string route, Deadline deadline, GetCallback done) {
  auto shared = std::make_shared<GetCallback>(std::move(done));
  EnqueueRead(
      deadline,
      [this, route = std::move(route), shared, deadline](SqliteReader& reader) {
        std::optional<RouteStats> overlaid = Overlaid(route);
        Result<RouteStats> result =
            !overlaid ? reader.Get(route, deadline)
            : overlaid->count == 0
                ? Result<RouteStats>(Status::NotFound("this route was never hit"))
                : Result<RouteStats>(std::move(*overlaid));
        NoteDamage(reader);
        Deliver([result = std::move(result), shared]() mutable { (*shared)(std::move(result)); });
      },
      [this, shared](Status refusal) {
        Deliver([refusal = std::move(refusal), shared] { (*shared)(refusal); });
      });
}

void SqliteStore::List(StatsQuery query, Deadline deadline, ListCallback done) {
  auto shared = std::make_shared<ListCallback>(std::move(done));
  EnqueueRead(
      deadline,
      [this, query = std::move(query), shared, deadline](SqliteReader& reader) {
        Result<StatsPage> result = reader.List(query, deadline, OverlayUnder(query.prefix));
        NoteDamage(reader);
        Deliver([result = std::move(result), shared]() mutable { (*shared)(std::move(result)); });
      },
      [this, shared](Status refusal) {
        Deliver([refusal = std::move(refusal), shared] { (*shared)(refusal); });
      });
}

std::optional<RouteStats> SqliteStore::Overlaid(std::string_view route) {
  // Both locks (in this order): a record erased meanwhile (a folded deletion) could otherwise
  // give its entry to another route before the overlay is looked up.
  std::lock_guard routes_lock(mutex_);
  const Routes::Entry* entry = routes_.Find(route);
  if (entry == nullptr) return std::nullopt;
  std::lock_guard lock(overlay_mutex_);
  auto unfolded = unfolded_.find(entry);
  if (unfolded == unfolded_.end()) return std::nullopt;
  const Record& r = unfolded->second.record;
  return RouteStats{std::string(route), r.count, r.first_seen, r.last_access};
}

std::vector<RouteStats> SqliteStore::OverlayUnder(std::string_view prefix) {
  std::vector<RouteStats> overlay;
  std::lock_guard lock(overlay_mutex_);
  for (const auto& [entry, unfolded] : unfolded_) {
    const std::string_view route = entry->route();
    if (!route.starts_with(prefix)) continue;
    const Record& r = unfolded.record;
    overlay.push_back(RouteStats{std::string(route), r.count, r.first_seen, r.last_access});
  }
  return overlay;
}

void SqliteStore::EnqueueRead(Deadline deadline, ReadJob job, std::function<void(Status)> refuse) {
  deadline = std::min(deadline, SteadyClock::now() + kReadTimeout);
  Status refused;
  {
    std::lock_guard lock(read_mutex_);
    if (reads_closing_) {
      refused = Status::Unavailable("the store is closing");
    } else if (reads_.size() >= kMaxQueuedReads) {
      refused = Status::Unavailable("too many reads are waiting; try again");
    } else {
      reads_.push_back(QueuedRead{deadline, std::move(job), std::move(refuse)});
    }
  }
  if (refused.ok()) return read_ready_.notify_one();
  refuse(std::move(refused));
}

void SqliteStore::ReaderLoop() {
  for (;;) {
    QueuedRead read;
    {
      std::unique_lock lock(read_mutex_);
      read_ready_.wait(lock, [this] { return !reads_.empty() || reads_closing_; });
      if (reads_.empty()) return;
      read = std::move(reads_.front());
      reads_.pop_front();
    }
    if (SteadyClock::now() >= read.deadline) {
      read.refuse(Status::Unavailable("the read waited past its deadline"));
      continue;
    }
    read.job(*reader_);
  }
}

void SqliteStore::NoteDamage(const SqliteReader& reader) {
  if (!reader.saw_damage()) return;
  std::lock_guard lock(mutex_);
  damaged_ = true;
}

// ---------------------------------------------------------------------------------- read-only

Result<std::unique_ptr<ReadOnlySqliteStore>> ReadOnlySqliteStore::Open(const std::string& path) {
  Result<std::unique_ptr<SqliteReader>> reader = SqliteReader::Open(path);
  if (!reader.ok()) return reader.status();
  return std::unique_ptr<ReadOnlySqliteStore>(new ReadOnlySqliteStore(std::move(reader).value()));
}

void ReadOnlySqliteStore::Increment(Hit, Deadline, IncrementCallback done) {
  done(Status::Unavailable("this store was opened read-only"));
}

// Reads see the table with the journal over it, both in one read transaction.
void ReadOnlySqliteStore::Get(std::string route, Deadline deadline, GetCallback done) {
  Result<RouteStats> result = [&]() -> Result<RouteStats> {
    std::lock_guard lock(mutex_);
    if (Status begun = reader_->BeginRead(); !begun.ok()) return begun;
    Result<std::vector<RouteStats>> journal = reader_->ReadJournal();
    Result<RouteStats> read = reader_->Get(route, deadline);
    reader_->EndRead();
    if (!journal.ok()) return journal.status();
    for (RouteStats& stats : journal.value()) {
      if (stats.route != route) continue;
      if (stats.count == 0) return Status::NotFound("this route was never hit");  // deleted
      return std::move(stats);
    }
    return read;
  }();
  done(std::move(result));
}

void ReadOnlySqliteStore::List(StatsQuery query, Deadline deadline, ListCallback done) {
  Result<StatsPage> result = [&]() -> Result<StatsPage> {
    std::lock_guard lock(mutex_);
    if (Status begun = reader_->BeginRead(); !begun.ok()) return begun;
    Result<std::vector<RouteStats>> journal = reader_->ReadJournal();
    Result<StatsPage> page = journal.ok() ? reader_->List(query, deadline, *journal)
                                          : Result<StatsPage>(journal.status());
    reader_->EndRead();
    return page;
  }();
  done(std::move(result));
}

void ReadOnlySqliteStore::Delete(std::vector<std::string>, Deadline, DeleteCallback done) {
  done(Status::Unavailable("this store was opened read-only"));
}

void ReadOnlySqliteStore::Import(std::vector<RouteStats>, ImportMode, Deadline,
                                 ImportCallback done) {
  done(Status::Unavailable("this store was opened read-only"));
}

void ReadOnlySqliteStore::CheckHealth(Deadline deadline, HealthCallback done) {
  Result<RouteStats> probe = [&] {
    std::lock_guard lock(mutex_);
    return reader_->Get("/", deadline);
  }();
  done(probe.ok() || probe.status().code() == StatusCode::kNotFound ? Status::Ok()
                                                                    : probe.status());
}

}  // namespace hitcounter

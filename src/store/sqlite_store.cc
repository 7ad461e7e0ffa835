#include "store/sqlite_store.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <limits>
#include <memory>
#include <utility>

#include "store/sqlite_schema.h"

namespace hitcounter {
namespace {

using sqlite::BindText;
using sqlite::ErrorStatus;

// One hit, one atomic statement: insert the route or add one to it. A new route is inserted only
// while the table holds fewer than ?3 routes (0: no bound): otherwise its key is NULL, which
// NOT NULL refuses and OR IGNORE turns into "no row changes" (the upsert clause applies to the
// key's uniqueness only). The WHERE refuses to grow a count past INT64_MAX (SQLite would
// silently turn it into a floating-point number). Either way no row changes, and the read-back
// tells which: no row is kRouteLimitReached, a row kOutOfRange.
//
// The bound is checked in the VALUES row rather than in an INSERT ... SELECT ... WHERE: a SELECT
// feeding a table that has triggers (route_total's) is first copied into a temporary table,
// which cost a B-tree and page-cache set-up per hit (a tenth of the server's allocations).
//
// The new values are read back with kReadBackSql in the same transaction rather than with
// RETURNING: RETURNING allocated and zeroed ~166 KB per execution, ~40,000 instructions per
// hit (callgrind), several times the cost of the second lookup.
constexpr std::string_view kUpsertSql = R"sql(
  INSERT OR IGNORE INTO counters (route, count, first_seen, last_access) VALUES (
    CASE WHEN ?3 = 0 OR (SELECT routes FROM route_total) < ?3
              OR EXISTS (SELECT 1 FROM counters WHERE route = ?1) THEN ?1 END,
    1, ?2, ?2)
  ON CONFLICT (route) DO UPDATE SET count = count + 1, last_access = excluded.last_access
    WHERE count < 9223372036854775807
)sql";

constexpr std::string_view kReadBackSql = "SELECT count, first_seen FROM counters WHERE route = ?1";

// A limited hit's place in its window (?2 its start, ?3 its length): a new window starts at
// one hit; the current one grows by one unless it holds ?4 (the limit) already, and then no
// row changes. The SET expressions read the row as it was before the update.
constexpr std::string_view kClaimWindowSql = R"sql(
  INSERT INTO rate_windows (route, window_start, window_ms, hits) VALUES (?1, ?2, ?3, 1)
  ON CONFLICT (route) DO UPDATE SET
    hits = CASE WHEN window_start = excluded.window_start AND window_ms = excluded.window_ms
                THEN hits + 1 ELSE 1 END,
    window_start = excluded.window_start,
    window_ms = excluded.window_ms
  WHERE window_start <> excluded.window_start OR window_ms <> excluded.window_ms OR hits < ?4
)sql";

constexpr std::string_view kWindowHitsSql = "SELECT hits FROM rate_windows WHERE route = ?1";

// A window claimed by a hit on a route that was then refused as one too many: no hit of the
// window counted on the route (it has no row), so the window's row only takes space.
constexpr std::string_view kDropWindowSql = "DELETE FROM rate_windows WHERE route = ?1";

constexpr std::string_view kSweepWindowsSql =
    "DELETE FROM rate_windows WHERE window_start + window_ms <= ?1";

// CheckHealth's probe: sets the schema version to what it is. That rewrites the database's first
// page, so committing it needs room in the WAL, as a hit does.
std::string ProbeSql() {
  return "PRAGMA user_version = " + std::to_string(sqlite::LatestSchemaVersion());
}

constexpr std::string_view kGetSql =
    "SELECT route, count, first_seen, last_access FROM counters WHERE route = ?1";

// Listings: ?1/?2 bound the prefix range, ?3/?4 are the keyset cursor, ?5 the row limit.
// Keyset conditions use row values so SQLite can walk an index from the cursor onwards.
// Under a prefix, SQLite reads the prefix's range of the table and sorts it: the cost grows
// with the routes under the prefix, not with the table.
constexpr std::string_view kListByCountSql = R"sql(
  SELECT route, count, first_seen, last_access FROM counters
  WHERE route >= ?1 AND route < ?2 AND (count, route) < (?3, ?4)
  ORDER BY count DESC, route DESC LIMIT ?5
)sql";

// Without a prefix (the dashboard's listing), walking the count index from the cursor reads
// just the page. Named, because without statistics SQLite picks the plan above, which sorts
// the whole table: ~400 ms instead of ~1 ms at a million routes (bench/scale_bench.sh).
constexpr std::string_view kListAllByCountSql = R"sql(
  SELECT route, count, first_seen, last_access FROM counters INDEXED BY counters_by_count
  WHERE route >= ?1 AND route < ?2 AND (count, route) < (?3, ?4)
  ORDER BY count DESC, route DESC LIMIT ?5
)sql";

// No index on last_access: it would be rewritten by every hit. The listing scans the table
// with a bounded sort instead (see docs/BENCHMARKS.md for its cost at a million routes).
constexpr std::string_view kListByLastAccessSql = R"sql(
  SELECT route, count, first_seen, last_access FROM counters
  WHERE route >= ?1 AND route < ?2 AND (last_access, route) < (?3, ?4)
  ORDER BY last_access DESC, route DESC LIMIT ?5
)sql";

constexpr std::string_view kListByRouteSql = R"sql(
  SELECT route, count, first_seen, last_access FROM counters
  WHERE route >= ?1 AND route < ?2 AND route > ?4
  ORDER BY route LIMIT ?5
)sql";

// Greater than every route: a valid UTF-8 string never holds the byte 0xFF.
constexpr std::string_view kAfterEveryRoute = "\xFF";

RouteStats ReadRow(sqlite3_stmt* statement) {
  return RouteStats{sqlite::ColumnText(statement, 0), sqlite3_column_int64(statement, 1),
                    sqlite3_column_int64(statement, 2), sqlite3_column_int64(statement, 3)};
}

// Resets a statement when it goes out of scope, so early returns cannot leave it busy.
class ResetOnExit {
 public:
  explicit ResetOnExit(sqlite3_stmt* statement) : statement_(statement) {}
  ~ResetOnExit() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  sqlite3_stmt* statement_;
};

Status Step(sqlite3* db, sqlite3_stmt* statement, std::string_view what) {
  int code = sqlite3_step(statement);
  sqlite3_reset(statement);
  if (code != SQLITE_DONE) return ErrorStatus(db, code, what);
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path, Metrics* metrics,
                                                       std::int64_t max_routes) {
  if (max_routes < 0) return Status::InvalidArgument("the most routes cannot be negative");
  Result<sqlite::Database> writer = sqlite::Open(path, /*read_only=*/false);
  if (!writer.ok()) return writer.status();
  sqlite3* db = writer->get();
  sqlite3_busy_timeout(db, kBusyTimeoutMillis);
  // WAL: readers do not block the writer. FULL: every commit is fsynced before it returns.
  for (const char* pragma : {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL"}) {
    Result<sqlite::Statement> statement = sqlite::Prepare(db, pragma);
    if (!statement.ok()) return statement.status();
    int code = sqlite3_step(statement->get());
    if (code != SQLITE_ROW && code != SQLITE_DONE) return ErrorStatus(db, code, pragma);
  }
  if (Status migrated = sqlite::Migrate(db); !migrated.ok()) return migrated;

  Result<sqlite::Database> reader = sqlite::Open(path, /*read_only=*/true);
  if (!reader.ok()) return reader.status();
  sqlite3_busy_timeout(reader->get(), kBusyTimeoutMillis);

  std::unique_ptr<SqliteStore> store(
      new SqliteStore(std::move(writer).value(), std::move(reader).value()));
  if (Status prepared = store->PrepareStatements(); !prepared.ok()) return prepared;
  store->metrics_ = metrics;
  store->max_routes_ = max_routes;
  store->writer_ = std::thread([s = store.get()] { s->WriterLoop(); });
  return store;
}

SqliteStore::SqliteStore(sqlite::Database writer, sqlite::Database reader)
    : write_db_(std::move(writer)), read_db_(std::move(reader)) {}

SqliteStore::~SqliteStore() { Close(); }

Status SqliteStore::PrepareStatements() {
  struct Wanted {
    sqlite3* db;
    std::string_view sql;
    sqlite::Statement* slot;
  };
  const std::string probe_sql = ProbeSql();
  const Wanted wanted[] = {
      {write_db_.get(), kUpsertSql, &upsert_},
      {write_db_.get(), kReadBackSql, &read_back_},
      {write_db_.get(), kClaimWindowSql, &claim_window_},
      {write_db_.get(), kWindowHitsSql, &window_hits_},
      {write_db_.get(), kDropWindowSql, &drop_window_},
      {write_db_.get(), kSweepWindowsSql, &sweep_windows_},
      {write_db_.get(), probe_sql, &probe_},
      {write_db_.get(), "BEGIN IMMEDIATE", &begin_},
      {write_db_.get(), "COMMIT", &commit_},
      {write_db_.get(), "ROLLBACK", &rollback_},
      {read_db_.get(), kGetSql, &get_},
      {read_db_.get(), kListByCountSql, &list_by_count_},
      {read_db_.get(), kListAllByCountSql, &list_all_by_count_},
      {read_db_.get(), kListByRouteSql, &list_by_route_},
      {read_db_.get(), kListByLastAccessSql, &list_by_last_access_},
  };
  for (const Wanted& w : wanted) {
    Result<sqlite::Statement> statement = sqlite::Prepare(w.db, w.sql);
    if (!statement.ok()) return statement.status();
    *w.slot = std::move(statement).value();
  }
  return Status::Ok();
}

void SqliteStore::Increment(std::string route, UnixMillis now, std::optional<RateLimit> limit,
                            IncrementCallback done) {
  Enqueue(PendingHit{std::move(route), now, limit, std::move(done), /*probe=*/false});
}

void SqliteStore::Enqueue(PendingHit hit) {
  Status refused;
  bool wake_writer = false;
  {
    std::lock_guard lock(queue_mutex_);
    if (closing_) {
      refused = Status::Unavailable("the store is closing");
    } else if (queue_.size() >= kMaxQueuedHits) {
      refused = Status::Unavailable("too many hits are waiting for the disk; try again");
    } else {
      queue_.push_back(std::move(hit));
      // Wake the writer only when it sleeps, and once: while it commits, the queue just fills.
      wake_writer = writer_waiting_;
      writer_waiting_ = false;
    }
  }
  if (refused.ok()) {
    // After unlocking: a writer woken under the lock may, on the same core, preempt this thread
    // only to block on the mutex it still holds (two more context switches per wake-up).
    if (wake_writer) queue_ready_.notify_one();
    return;
  }
  if (metrics_ != nullptr && !hit.probe) metrics_->RecordRefusedHit();
  hit.done(std::move(refused));
}

void SqliteStore::WriterLoop() {
  std::vector<PendingHit> batch;
  batch.reserve(kMaxBatchHits);
  for (;;) {
    {
      std::unique_lock lock(queue_mutex_);
      writer_waiting_ = true;
      queue_ready_.wait(lock, [&] { return !queue_.empty() || closing_; });
      writer_waiting_ = false;
      if (queue_.empty()) return;  // closing, and nothing left to commit
      if (queue_.size() <= kMaxBatchHits) {
        batch.swap(queue_);
      } else {
        auto end = queue_.begin() + static_cast<std::ptrdiff_t>(kMaxBatchHits);
        batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(end));
        queue_.erase(queue_.begin(), end);
      }
    }
    CommitBatch(batch);
    batch.clear();
  }
}

void SqliteStore::CommitBatch(std::vector<PendingHit>& batch) {
  sqlite3* db = write_db_.get();
  const auto started = std::chrono::steady_clock::now();
  std::vector<Result<CountedHit>> results;
  results.reserve(batch.size());
  Status status = Step(db, begin_.get(), "cannot begin a transaction");
  for (std::size_t i = 0; status.ok() && i < batch.size(); ++i) {
    Result<CountedHit> result = Apply(batch[i]);
    // A refused hit (overflow, rate limit) leaves the transaction intact; a failed statement
    // does not.
    StatusCode code = result.status().code();
    if (code != StatusCode::kOk && code != StatusCode::kOutOfRange &&
        code != StatusCode::kResourceExhausted && code != StatusCode::kRouteLimitReached) {
      status = result.status();
    }
    results.push_back(std::move(result));
  }
  if (status.ok()) {
    UnixMillis now = 0;  // a probe's is 0: the latest hit's time
    for (const PendingHit& hit : batch) now = std::max(now, hit.now);
    status = SweepEndedWindows(now);
  }
  if (status.ok()) status = Step(db, commit_.get(), "cannot commit");
  if (!status.ok() && !sqlite3_get_autocommit(db)) {
    (void)Step(db, rollback_.get(), "cannot roll back");
  }
  {
    std::lock_guard lock(queue_mutex_);
    last_commit_ = status;
  }
  const auto hits = static_cast<std::size_t>(
      std::count_if(batch.begin(), batch.end(), [](const PendingHit& hit) { return !hit.probe; }));
  if (metrics_ != nullptr && hits > 0) {
    metrics_->RecordCommit(hits, std::chrono::steady_clock::now() - started, !status.ok());
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    batch[i].done(status.ok() ? std::move(results[i]) : Result<CountedHit>(status));
  }
}

Result<CountedHit> SqliteStore::Apply(const PendingHit& hit) {
  if (hit.probe) {
    Status probed = Step(write_db_.get(), probe_.get(), "cannot write the schema version");
    if (!probed.ok()) return probed;
    return CountedHit{};
  }
  std::int64_t window_hits = 0;
  if (hit.limit) {
    Result<std::int64_t> claimed = ClaimWindow(hit);
    if (!claimed.ok()) return claimed.status();
    window_hits = *claimed;
  }
  Result<RouteStats> stats = Upsert(hit);
  if (hit.limit && stats.status().code() == StatusCode::kRouteLimitReached) {
    if (Status dropped = DropWindow(hit.route); !dropped.ok()) return dropped;
  }
  if (!stats.ok()) return stats.status();
  return CountedHit{std::move(stats).value(), window_hits};
}

Status SqliteStore::DropWindow(const std::string& route) {
  BindText(drop_window_.get(), 1, route);
  return Step(write_db_.get(), drop_window_.get(), "cannot drop a rate window");
}

// The hits in the window after this one, or kResourceExhausted when the window is full.
Result<std::int64_t> SqliteStore::ClaimWindow(const PendingHit& hit) {
  sqlite3* db = write_db_.get();
  {
    sqlite3_stmt* claim = claim_window_.get();
    ResetOnExit reset(claim);
    BindText(claim, 1, hit.route);
    sqlite3_bind_int64(claim, 2, hit.limit->WindowStart(hit.now));
    sqlite3_bind_int64(claim, 3, hit.limit->WindowMillis());
    sqlite3_bind_int64(claim, 4, hit.limit->limit);
    int code = sqlite3_step(claim);
    if (code != SQLITE_DONE) return ErrorStatus(db, code, "cannot check the rate limit");
    if (sqlite3_changes(db) == 0) {
      return Status::ResourceExhausted("the route's rate limit is reached in this window");
    }
  }
  sqlite3_stmt* read_back = window_hits_.get();
  ResetOnExit reset(read_back);
  BindText(read_back, 1, hit.route);
  int code = sqlite3_step(read_back);
  if (code != SQLITE_ROW) return ErrorStatus(db, code, "cannot read the rate limit back");
  return sqlite3_column_int64(read_back, 0);
}

// At most once per kRateWindowSweepMillis, inside the batch's transaction.
Status SqliteStore::SweepEndedWindows(UnixMillis now) {
  if (now < next_sweep_) return Status::Ok();
  next_sweep_ = now + kRateWindowSweepMillis;
  sqlite3_stmt* sweep = sweep_windows_.get();
  ResetOnExit reset(sweep);
  sqlite3_bind_int64(sweep, 1, now);
  int code = sqlite3_step(sweep);
  if (code != SQLITE_DONE) return ErrorStatus(write_db_.get(), code, "cannot sweep rate windows");
  return Status::Ok();
}

Result<RouteStats> SqliteStore::Upsert(const PendingHit& hit) {
  sqlite3* db = write_db_.get();
  bool counted = false;
  {
    sqlite3_stmt* upsert = upsert_.get();
    ResetOnExit reset(upsert);
    BindText(upsert, 1, hit.route);
    sqlite3_bind_int64(upsert, 2, hit.now);
    sqlite3_bind_int64(upsert, 3, max_routes_);
    int code = sqlite3_step(upsert);
    if (code != SQLITE_DONE) return ErrorStatus(db, code, "cannot count the hit");
    counted = sqlite3_changes(db) != 0;
  }
  sqlite3_stmt* read_back = read_back_.get();
  ResetOnExit reset(read_back);
  BindText(read_back, 1, hit.route);
  int code = sqlite3_step(read_back);
  if (!counted && code == SQLITE_DONE) {
    return Status::RouteLimitReached("hitcounter counts " + std::to_string(max_routes_) +
                                     " routes already, its most; this new route was not counted");
  }
  if (code != SQLITE_ROW) return ErrorStatus(db, code, "cannot read the count back");
  if (!counted) return Status::OutOfRange("the count of this route is at its maximum");
  return RouteStats{hit.route, sqlite3_column_int64(read_back, 0),
                    sqlite3_column_int64(read_back, 1), hit.now};
}

Result<RouteStats> SqliteStore::Get(const std::string& route) {
  std::lock_guard lock(read_mutex_);
  sqlite3_stmt* statement = get_.get();
  ResetOnExit reset(statement);
  BindText(statement, 1, route);
  int code = sqlite3_step(statement);
  if (code == SQLITE_DONE) return Status::NotFound("this route was never hit");
  if (code != SQLITE_ROW) return ErrorStatus(read_db_.get(), code, "cannot read the route");
  return ReadRow(statement);
}

Result<StatsPage> SqliteStore::List(const StatsQuery& query) {
  std::lock_guard lock(read_mutex_);
  sqlite3_stmt* statement = list_by_last_access_.get();
  if (query.order == StatsOrder::kByRoute) statement = list_by_route_.get();
  if (query.order == StatsOrder::kByCount) {
    statement = query.prefix.empty() ? list_all_by_count_.get() : list_by_count_.get();
  }
  ResetOnExit reset(statement);
  const std::string upper = query.prefix + std::string(kAfterEveryRoute);
  BindText(statement, 1, query.prefix);
  BindText(statement, 2, upper);
  if (query.order != StatsOrder::kByRoute) {
    sqlite3_bind_int64(statement, 3,
                       query.after ? query.after->key : std::numeric_limits<std::int64_t>::max());
  }
  BindText(statement, 4,
           query.after                           ? std::string_view(query.after->route)
           : query.order == StatsOrder::kByRoute ? std::string_view()
                                                 : kAfterEveryRoute);
  // One row more than asked, to know whether another page follows.
  sqlite3_bind_int64(statement, 5, static_cast<sqlite3_int64>(query.limit) + 1);
  StatsPage page;
  int code;
  while ((code = sqlite3_step(statement)) == SQLITE_ROW) {
    if (page.routes.size() == query.limit) {
      const RouteStats& last = page.routes.back();
      std::int64_t key = query.order == StatsOrder::kByCount ? last.count : last.last_access;
      page.next = StatsCursor{key, last.route};
      break;
    }
    page.routes.push_back(ReadRow(statement));
  }
  if (code != SQLITE_ROW && code != SQLITE_DONE) {
    return ErrorStatus(read_db_.get(), code, "cannot list the routes");
  }
  return page;
}

Status SqliteStore::CheckHealth() {
  bool last_commit_failed;
  {
    std::lock_guard lock(queue_mutex_);
    last_commit_failed = !last_commit_.ok();
  }
  if (last_commit_failed) {
    if (Status probed = ProbeCommit(); !probed.ok()) return probed;
  }
  std::lock_guard lock(read_mutex_);
  sqlite3_stmt* statement = get_.get();
  ResetOnExit reset(statement);
  BindText(statement, 1, "/");
  int code = sqlite3_step(statement);
  if (code != SQLITE_ROW && code != SQLITE_DONE) {
    return ErrorStatus(read_db_.get(), code, "the database does not answer");
  }
  return Status::Ok();
}

Status SqliteStore::ProbeCommit() {
  auto outcome = std::make_shared<std::promise<Status>>();
  std::future<Status> probed = outcome->get_future();
  Enqueue(PendingHit{"", 0, std::nullopt,
                     [outcome](Result<CountedHit> result) { outcome->set_value(result.status()); },
                     /*probe=*/true});
  if (probed.wait_for(kHealthProbeTimeout) != std::future_status::ready) {
    return Status::Unavailable("the writer did not commit within " +
                               std::to_string(kHealthProbeTimeout.count()) + " ms");
  }
  return probed.get();
}

void SqliteStore::Close() {
  {
    std::lock_guard lock(queue_mutex_);
    closing_ = true;
  }
  queue_ready_.notify_one();
  if (writer_.joinable()) writer_.join();
}

}  // namespace hitcounter

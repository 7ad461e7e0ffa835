#include "store/sqlite_reader.h"

#include <chrono>
#include <limits>

#include "store/sqlite_schema.h"

namespace hitcounter {
namespace {

using sqlite::BindText;

// How many SQLite virtual-machine steps run between two looks at the clock: ~a few µs of work,
// so a deadline is kept to within far less than a millisecond, at no measurable cost.
constexpr int kProgressSteps = 1000;

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

// No index on last_access (every batch would rewrite it for each route it touches): the listing
// scans the table with a bounded sort instead (docs/BENCHMARKS.md has its cost at scale).
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

// Every route starts with '/': such a prefix selects them all, and the plans for "all" are the
// fast ones.
std::string_view EffectivePrefix(std::string_view prefix) { return prefix == "/" ? "" : prefix; }

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

}  // namespace

Result<std::unique_ptr<SqliteReader>> SqliteReader::Open(const std::string& path) {
  Result<sqlite::Database> db = sqlite::Open(path, /*read_only=*/true);
  if (!db.ok()) return db.status();
  std::unique_ptr<SqliteReader> reader(new SqliteReader(std::move(db).value()));
  if (Status prepared = reader->Prepare(); !prepared.ok()) return prepared;
  return reader;
}

SqliteReader::SqliteReader(sqlite::Database db) : db_(std::move(db)) {
  sqlite3_busy_timeout(db_.get(), kReaderBusyTimeoutMillis);
  sqlite3_progress_handler(
      db_.get(), kProgressSteps,
      [](void* self) -> int {
        const Deadline deadline = static_cast<SqliteReader*>(self)->deadline_;
        return deadline != kNoDeadline && std::chrono::steady_clock::now() >= deadline ? 1 : 0;
      },
      this);
}

Status SqliteReader::Prepare() {
  struct Wanted {
    std::string_view sql;
    sqlite::Statement* slot;
  };
  const Wanted wanted[] = {
      {kGetSql, &get_},
      {kListByCountSql, &list_by_count_},
      {kListAllByCountSql, &list_all_by_count_},
      {kListByRouteSql, &list_by_route_},
      {kListByLastAccessSql, &list_by_last_access_},
  };
  for (const Wanted& w : wanted) {
    Result<sqlite::Statement> statement = sqlite::Prepare(db_.get(), w.sql);
    if (!statement.ok()) {
      return Status::Unavailable("not a hitcounter database, or one from another version (" +
                                 statement.status().message() + ")");
    }
    *w.slot = std::move(statement).value();
  }
  return Status::Ok();
}

void SqliteReader::LimitTo(Deadline deadline) { deadline_ = deadline; }

Status SqliteReader::Failure(int code, std::string_view what) const {
  if (code == SQLITE_INTERRUPT) {
    return Status::Unavailable(std::string(what) + ": the read did not finish by its deadline");
  }
  return sqlite::ErrorStatus(db_.get(), code, what);
}

Result<RouteStats> SqliteReader::Get(std::string_view route, Deadline deadline) {
  LimitTo(deadline);
  sqlite3_stmt* statement = get_.get();
  ResetOnExit reset(statement);
  BindText(statement, 1, route);
  int code = sqlite3_step(statement);
  if (code == SQLITE_DONE) return Status::NotFound("this route was never hit");
  if (code != SQLITE_ROW) return Failure(code, "cannot read the route");
  return ReadRow(statement);
}

Result<StatsPage> SqliteReader::List(const StatsQuery& query, Deadline deadline) {
  LimitTo(deadline);
  const std::string_view prefix = EffectivePrefix(query.prefix);
  sqlite3_stmt* statement = list_by_last_access_.get();
  if (query.order == StatsOrder::kByRoute) statement = list_by_route_.get();
  if (query.order == StatsOrder::kByCount) {
    statement = prefix.empty() ? list_all_by_count_.get() : list_by_count_.get();
  }
  ResetOnExit reset(statement);
  const std::string upper = std::string(prefix) + std::string(kAfterEveryRoute);
  BindText(statement, 1, prefix);
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
  if (code != SQLITE_ROW && code != SQLITE_DONE) return Failure(code, "cannot list the routes");
  return page;
}

}  // namespace hitcounter

#include "store/sqlite_reader.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <unordered_set>

#include "store/journal.h"
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

// The routes under a prefix and their hits. SUM fails with "integer overflow" past INT64_MAX,
// which then is the answer (RouteTotals saturates).
constexpr std::string_view kTotalsSql = R"sql(
  SELECT COUNT(*), COALESCE(SUM(count), 0) FROM counters WHERE route >= ?1 AND route < ?2
)sql";

// Greater than every route: a valid UTF-8 string never holds the byte 0xFF.
constexpr std::string_view kAfterEveryRoute = "\xFF";

// Every route starts with '/': such a prefix selects them all, and the plans for "all" are the
// fast ones.
std::string_view EffectivePrefix(std::string_view prefix) { return prefix == "/" ? "" : prefix; }

// Whether `a` comes before `b` in the query's order (store.h: ties by route descending, except
// in route order).
bool Before(const StatsQuery& query, const RouteStats& a, const RouteStats& b) {
  switch (query.order) {
    case StatsOrder::kByRoute:
      return a.route < b.route;
    case StatsOrder::kByCount:
      return a.count != b.count ? a.count > b.count : a.route > b.route;
    case StatsOrder::kByLastAccess:
      break;
  }
  return a.last_access != b.last_access ? a.last_access > b.last_access : a.route > b.route;
}

// The same for a cursor: it stands for the route it names, with its sort key.
bool Before(const StatsQuery& query, const StatsCursor& cursor, const RouteStats& b) {
  return Before(query, RouteStats{cursor.route, cursor.key, 0, cursor.key}, b);
}

// The page: the first query.limit of both sorted sequences merged, and a cursor after the last
// one when more follow.
StatsPage MergePage(const StatsQuery& query, std::vector<RouteStats>& from_table,
                    const std::vector<const RouteStats*>& newer) {
  StatsPage page;
  std::size_t t = 0, n = 0;
  while (t < from_table.size() || n < newer.size()) {
    const bool take_newer =
        t == from_table.size() || (n < newer.size() && Before(query, *newer[n], from_table[t]));
    if (page.routes.size() == query.limit) {
      const RouteStats& last = page.routes.back();
      const std::int64_t key = query.order == StatsOrder::kByCount ? last.count : last.last_access;
      page.next = StatsCursor{key, last.route};
      break;
    }
    page.routes.push_back(take_newer ? *newer[n++] : std::move(from_table[t++]));
  }
  return page;
}

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
      {kTotalsSql, &totals_},
      {"SELECT records FROM journal ORDER BY seq", &journal_},
      {"BEGIN", &begin_},
      {"COMMIT", &end_},
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

Status SqliteReader::Failure(int code, std::string_view what) {
  if (code == SQLITE_INTERRUPT) {
    return Status::Unavailable(std::string(what) + ": the read did not finish by its deadline");
  }
  const int primary = code & 0xFF;
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) saw_damage_ = true;
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

Result<StatsPage> SqliteReader::List(const StatsQuery& query, Deadline deadline,
                                     const std::vector<RouteStats>& overlay) {
  if (!query.with_totals) return ListPage(query, deadline, overlay);
  // The page and the totals from one snapshot of the file.
  const bool own_transaction = sqlite3_get_autocommit(db_.get()) != 0;
  if (own_transaction) {
    if (Status begun = BeginRead(); !begun.ok()) return begun;
  }
  Result<StatsPage> page = ListPage(query, deadline, overlay);
  Result<RouteTotals> totals =
      page.ok() ? Totals(query.prefix, deadline, overlay) : Result<RouteTotals>(page.status());
  if (own_transaction) EndRead();
  if (!totals.ok()) return totals.status();
  page.value().totals = *totals;
  return page;
}

Result<RouteTotals> SqliteReader::Totals(std::string_view prefix, Deadline deadline,
                                         const std::vector<RouteStats>& overlay) {
  LimitTo(deadline);
  prefix = EffectivePrefix(prefix);
  RouteTotals totals;
  {
    sqlite3_stmt* statement = totals_.get();
    ResetOnExit reset(statement);
    const std::string upper = std::string(prefix) + std::string(kAfterEveryRoute);
    BindText(statement, 1, prefix);
    BindText(statement, 2, upper);
    const int code = sqlite3_step(statement);
    if (code == SQLITE_ROW) {
      totals.routes = sqlite3_column_int64(statement, 0);
      totals.hits = sqlite3_column_int64(statement, 1);
    } else if (code == SQLITE_ERROR &&
               std::string_view(sqlite3_errmsg(db_.get())) == "integer overflow") {
      totals.routes = -1;  // counted below, without the sum
      totals.hits = std::numeric_limits<std::int64_t>::max();
    } else {
      return Failure(code, "cannot total the routes");
    }
  }
  if (totals.routes < 0) {
    Result<std::int64_t> routes = CountRoutes(prefix);
    if (!routes.ok()) return routes.status();
    totals.routes = *routes;
  }
  // The overlay's newer records replace the table's: take out what the table holds of them.
  for (const RouteStats& stats : overlay) {
    if (!std::string_view(stats.route).starts_with(prefix)) continue;
    Result<RouteStats> stale = Get(stats.route, deadline);
    if (!stale.ok() && stale.status().code() != StatusCode::kNotFound) return stale.status();
    const bool saturated = totals.hits == std::numeric_limits<std::int64_t>::max();
    if (stale.ok()) {
      --totals.routes;
      if (!saturated) totals.hits -= stale->count;
    }
    if (stats.count > 0) totals.Add(stats.count);  // count 0: a deleted route's tombstone
  }
  return totals;
}

Result<std::int64_t> SqliteReader::CountRoutes(std::string_view prefix) {
  std::int64_t routes = 0;
  sqlite3_stmt* statement = list_by_route_.get();
  ResetOnExit reset(statement);
  const std::string upper = std::string(prefix) + std::string(kAfterEveryRoute);
  BindText(statement, 1, prefix);
  BindText(statement, 2, upper);
  BindText(statement, 4, std::string_view());
  sqlite3_bind_int64(statement, 5, std::numeric_limits<std::int64_t>::max());
  int code;
  while ((code = sqlite3_step(statement)) == SQLITE_ROW) ++routes;
  if (code != SQLITE_DONE) return Failure(code, "cannot count the routes");
  return routes;
}

Result<StatsPage> SqliteReader::ListPage(const StatsQuery& query, Deadline deadline,
                                         const std::vector<RouteStats>& overlay) {
  LimitTo(deadline);
  const std::string_view prefix = EffectivePrefix(query.prefix);
  std::unordered_set<std::string_view> overlaid;
  std::vector<const RouteStats*> newer;  // the overlay's records this page may show
  for (const RouteStats& stats : overlay) {
    overlaid.insert(stats.route);
    if (stats.count > 0 && std::string_view(stats.route).starts_with(prefix) &&
        (!query.after || Before(query, *query.after, stats))) {
      newer.push_back(&stats);
    }
  }
  std::sort(newer.begin(), newer.end(),
            [&query](const RouteStats* a, const RouteStats* b) { return Before(query, *a, *b); });

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
  // One row more than asked, to know whether another page follows, and room for the table's
  // stale rows of overlaid routes, which are skipped.
  sqlite3_bind_int64(statement, 5, static_cast<sqlite3_int64>(query.limit + 1 + overlaid.size()));
  std::vector<RouteStats> from_table;
  int code = SQLITE_DONE;
  while (from_table.size() <= query.limit && (code = sqlite3_step(statement)) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    const std::string_view route(text == nullptr ? "" : text,
                                 static_cast<std::size_t>(sqlite3_column_bytes(statement, 0)));
    if (!overlaid.contains(route)) from_table.push_back(ReadRow(statement));
  }
  if (from_table.size() <= query.limit && code != SQLITE_DONE) {
    return Failure(code, "cannot list the routes");
  }
  return MergePage(query, from_table, newer);
}

Result<std::vector<RouteStats>> SqliteReader::ReadJournal() {
  std::map<std::string, RouteStats, std::less<>> latest;
  sqlite3_stmt* statement = journal_.get();
  ResetOnExit reset(statement);
  int code;
  while ((code = sqlite3_step(statement)) == SQLITE_ROW) {
    const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement, 0));
    const std::string_view blob(bytes == nullptr ? "" : bytes,
                                static_cast<std::size_t>(sqlite3_column_bytes(statement, 0)));
    Status read = ReadJournalRecords(blob, [&latest](const JournalRecord& record) {
      latest[std::string(record.route)] = RouteStats{std::string(record.route), record.count,
                                                     record.first_seen, record.last_access};
    });
    if (!read.ok()) return read;
  }
  if (code != SQLITE_DONE) return Failure(code, "cannot read the journal");
  std::vector<RouteStats> records;
  records.reserve(latest.size());
  for (auto& [route, stats] : latest) records.push_back(std::move(stats));
  return records;
}

Status SqliteReader::BeginRead() {
  int code = sqlite3_step(begin_.get());
  sqlite3_reset(begin_.get());
  return code == SQLITE_DONE ? Status::Ok() : Failure(code, "cannot begin a read");
}

void SqliteReader::EndRead() {
  (void)sqlite3_step(end_.get());
  sqlite3_reset(end_.get());
}

}  // namespace hitcounter

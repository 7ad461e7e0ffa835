// SqliteReader: the read side of a hitcounter SQLite file — one route, or a page of a listing —
// on a read-only connection of its own.
//
// WAL lets it read while a writer commits; it sees committed hits only. Committed records that
// the writer has not folded into `counters` yet (the journal, journal.h) are passed in as an
// overlay: a listing answers from them where they name a route and from the table elsewhere.
// Each read may be given a deadline, which SQLite's progress handler enforces inside the query,
// so a slow listing over a big table is cut short instead of holding its thread.
//
// Not thread-safe: one thread at a time (the SQLite store's reader thread, or a CLI command).
#ifndef HITCOUNTER_STORE_SQLITE_READER_H_
#define HITCOUNTER_STORE_SQLITE_READER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hitcounter/store.h"
#include "store/sqlite_handle.h"

namespace hitcounter {

// How long a read waits for SQLite's own locks before failing. In WAL mode readers take none
// that a writer holds; only recovering a WAL left by a crash, or a checkpoint that truncates it,
// makes them wait, and briefly.
inline constexpr int kReaderBusyTimeoutMillis = 1'000;

class SqliteReader {
 public:
  // Opens `path` read-only. kUnavailable when it is not a hitcounter database of a version this
  // build reads.
  static Result<std::unique_ptr<SqliteReader>> Open(const std::string& path);

  // The record of `route` in `counters`; kNotFound when it has none.
  Result<RouteStats> Get(std::string_view route, Deadline deadline = kNoDeadline);

  // One page of routes, in the query's order (see store.h), each page costing the same
  // wherever it starts (keyset pagination on the table's indexes). `overlay` holds newer
  // records of some routes (any order, any prefix): they replace the table's. An overlay
  // record with count 0 is a deleted route's tombstone: it hides the table's row and shows
  // nothing. With
  // query.with_totals, also the totals under the prefix, from the same snapshot (in a read
  // transaction of its own unless one is open): a COUNT and SUM over the prefix's range of
  // the table (~0.2 s at a million routes), corrected by a lookup per overlaid route.
  Result<StatsPage> List(const StatsQuery& query, Deadline deadline = kNoDeadline,
                         const std::vector<RouteStats>& overlay = {});

  // The journal's records, the latest of each route, tombstones (count 0) of deleted routes
  // included (for readers outside the store, which
  // has them in memory). Read within the same read transaction as the listing it overlays
  // (BeginRead/EndRead), so that a batch folded in between is not missed.
  Result<std::vector<RouteStats>> ReadJournal();
  Status BeginRead();
  void EndRead();

  // Whether a read found the file damaged (SQLITE_CORRUPT, SQLITE_NOTADB) since it was opened.
  bool saw_damage() const { return saw_damage_; }

 private:
  explicit SqliteReader(sqlite::Database db);
  Status Prepare();
  // Arms the progress handler: statements stepped from now on fail (SQLITE_INTERRUPT) once
  // `deadline` has passed.
  void LimitTo(Deadline deadline);
  Status Failure(int code, std::string_view what);
  Result<StatsPage> ListPage(const StatsQuery& query, Deadline deadline,
                             const std::vector<RouteStats>& overlay);
  Result<RouteTotals> Totals(std::string_view prefix, Deadline deadline,
                             const std::vector<RouteStats>& overlay);
  // The routes under `prefix`, one by one (when SUM overflowed and gave no COUNT).
  Result<std::int64_t> CountRoutes(std::string_view prefix);

  sqlite::Database db_;
  Deadline deadline_ = kNoDeadline;
  bool saw_damage_ = false;
  sqlite::Statement get_;
  sqlite::Statement list_by_count_;
  sqlite::Statement list_all_by_count_;
  sqlite::Statement list_by_route_;
  sqlite::Statement list_by_last_access_;
  sqlite::Statement totals_;
  sqlite::Statement journal_;
  sqlite::Statement begin_;
  sqlite::Statement end_;
};

}  // namespace hitcounter

#endif  // HITCOUNTER_STORE_SQLITE_READER_H_

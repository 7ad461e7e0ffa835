// SqliteReader: the read side of a hitcounter SQLite file — one route, or a page of a listing —
// on a read-only connection of its own.
//
// WAL lets it read while a writer commits; it sees committed hits only. Each read may be given a
// deadline, which SQLite's progress handler enforces inside the query, so a slow listing over a
// big table is cut short instead of holding its thread.
//
// Not thread-safe: one thread at a time (the SQLite store's reader thread, or a CLI command).
#ifndef HITCOUNTER_STORE_SQLITE_READER_H_
#define HITCOUNTER_STORE_SQLITE_READER_H_

#include <memory>
#include <string>
#include <string_view>

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

  // The record of `route`; kNotFound when it was never hit.
  Result<RouteStats> Get(std::string_view route, Deadline deadline = kNoDeadline);

  // One page of routes, in the query's order (see store.h), each page costing the same
  // wherever it starts (keyset pagination on the table's indexes).
  Result<StatsPage> List(const StatsQuery& query, Deadline deadline = kNoDeadline);

 private:
  explicit SqliteReader(sqlite::Database db);
  Status Prepare();
  // Arms the progress handler: statements stepped from now on fail (SQLITE_INTERRUPT) once
  // `deadline` has passed.
  void LimitTo(Deadline deadline);
  Status Failure(int code, std::string_view what) const;

  sqlite::Database db_;
  Deadline deadline_ = kNoDeadline;
  sqlite::Statement get_;
  sqlite::Statement list_by_count_;
  sqlite::Statement list_all_by_count_;
  sqlite::Statement list_by_route_;
  sqlite::Statement list_by_last_access_;
};

}  // namespace hitcounter

#endif  // HITCOUNTER_STORE_SQLITE_READER_H_

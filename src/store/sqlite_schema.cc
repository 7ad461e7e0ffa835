#include "store/sqlite_schema.h"

#include <array>
#include <string>

#include "store/sqlite_handle.h"

namespace hitcounter::sqlite {
namespace {

// Migration i takes a database from version i to version i + 1. Append; never edit one that
// has shipped.
constexpr std::array kMigrations = {
    // 1: one row per route. WITHOUT ROWID: the route is the key, so lookups go straight to it.
    R"sql(
      CREATE TABLE counters (
        route       TEXT    PRIMARY KEY NOT NULL,
        count       INTEGER NOT NULL,
        first_seen  INTEGER NOT NULL,  -- Unix milliseconds, UTC
        last_access INTEGER NOT NULL   -- Unix milliseconds, UTC
      ) WITHOUT ROWID;
    )sql",
    // 2: keyset pagination by count (GET /_stats?sort=count is the dashboard's default).
    R"sql(
      CREATE INDEX counters_by_count ON counters (count, route);
    )sql",
    // 3: each rate-limited route's current window (hitcounter/rate_limit.h). Kept apart from
    // the counters so listings never see it; rows of ended windows are deleted by the store.
    R"sql(
      CREATE TABLE rate_windows (
        route        TEXT    PRIMARY KEY NOT NULL,
        window_start INTEGER NOT NULL,  -- Unix milliseconds, UTC
        window_ms    INTEGER NOT NULL,
        hits         INTEGER NOT NULL   -- counted in this window
      ) WITHOUT ROWID;
    )sql",
    // 4: how many routes `counters` holds, kept by triggers, so bounding the routes
    // (kDefaultMaxRoutes) costs one one-row read per hit instead of a count of the table.
    // Rows deleted by hand (sqlite3 ... DELETE) keep it right too.
    R"sql(
      CREATE TABLE route_total (routes INTEGER NOT NULL);
      INSERT INTO route_total (routes) SELECT COUNT(*) FROM counters;
      CREATE TRIGGER counters_insert_adds_a_route AFTER INSERT ON counters
        BEGIN UPDATE route_total SET routes = routes + 1; END;
      CREATE TRIGGER counters_delete_removes_a_route AFTER DELETE ON counters
        BEGIN UPDATE route_total SET routes = routes - 1; END;
    )sql",
    // 5: one process owns the file and bounds the routes in memory (sqlite_store.h), so the
    // route total and the triggers that every new route paid for go.
    R"sql(
      DROP TRIGGER counters_insert_adds_a_route;
      DROP TRIGGER counters_delete_removes_a_route;
      DROP TABLE route_total;
    )sql",
    // 6: the journal (journal.h): one row per committed batch, the records it changed, until
    // the store folds them into `counters`.
    R"sql(
      CREATE TABLE journal (
        seq     INTEGER PRIMARY KEY,  -- the batch's place in the order of commits
        records BLOB    NOT NULL
      );
    )sql",
};

// Whether a database of schema version 0 holds tables: then another program made it, and
// adding hitcounter's tables to it would change a file that is not ours.
Result<bool> HoldsOtherTables(sqlite3* db) {
  Result<Statement> statement =
      Prepare(db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' LIMIT 1");
  if (!statement.ok()) return statement.status();
  int code = sqlite3_step(statement->get());
  if (code == SQLITE_ROW) return true;
  if (code != SQLITE_DONE) return ErrorStatus(db, code, "cannot read the schema");
  return false;
}

Result<int> UserVersion(sqlite3* db) {
  Result<Statement> statement = Prepare(db, "PRAGMA user_version");
  if (!statement.ok()) return statement.status();
  int code = sqlite3_step(statement->get());
  if (code != SQLITE_ROW) return ErrorStatus(db, code, "cannot read the schema version");
  return sqlite3_column_int(statement->get(), 0);
}

}  // namespace

int LatestSchemaVersion() { return static_cast<int>(kMigrations.size()); }

Status Migrate(sqlite3* db) {
  if (Status begin = Exec(db, "BEGIN IMMEDIATE"); !begin.ok()) return begin;
  Result<int> version = UserVersion(db);
  Status status = version.status();
  if (status.ok() && *version > LatestSchemaVersion()) {
    status = Status::Unavailable("the database has schema version " + std::to_string(*version) +
                                 ", newer than this hitcounter understands (" +
                                 std::to_string(LatestSchemaVersion()) + ")");
  }
  if (status.ok() && *version == 0) {
    Result<bool> foreign = HoldsOtherTables(db);
    status = foreign.status();
    if (status.ok() && *foreign) {
      status = Status::Unavailable(
          "the file holds another program's tables, not a hitcounter database: give hitcounter "
          "a file of its own");
    }
  }
  for (int v = version.ok() ? *version : 0; status.ok() && v < LatestSchemaVersion(); ++v) {
    status = Exec(db, kMigrations[static_cast<std::size_t>(v)]);
  }
  if (status.ok() && *version < LatestSchemaVersion()) {
    std::string set = "PRAGMA user_version = " + std::to_string(LatestSchemaVersion());
    status = Exec(db, set.c_str());
  }
  if (!status.ok()) {
    (void)Exec(db, "ROLLBACK");
    return status;
  }
  return Exec(db, "COMMIT");
}

}  // namespace hitcounter::sqlite

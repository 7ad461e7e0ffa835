// Small RAII owners for SQLite handles, and Status from SQLite result codes.
#ifndef HITCOUNTER_STORE_SQLITE_HANDLE_H_
#define HITCOUNTER_STORE_SQLITE_HANDLE_H_

#include <sqlite3.h>

#include <memory>
#include <string>
#include <string_view>

#include "hitcounter/status.h"

namespace hitcounter::sqlite {

struct CloseDatabase {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct FinalizeStatement {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Database = std::unique_ptr<sqlite3, CloseDatabase>;
using Statement = std::unique_ptr<sqlite3_stmt, FinalizeStatement>;

// The Status for a failed SQLite call: kInsufficientSpace for a full disk, kUnavailable for
// everything else (busy, I/O error, corruption), with SQLite's message after `what`.
Status ErrorStatus(sqlite3* db, int code, std::string_view what);

// Opens (creating if needed) the database file at `path` for use by one thread at a time.
Result<Database> Open(const std::string& path, bool read_only);

// Runs SQL that returns no rows (several statements allowed).
Status Exec(sqlite3* db, const char* sql);

Result<Statement> Prepare(sqlite3* db, std::string_view sql);

// Binds text without copying: the bytes must stay alive until the statement is reset.
void BindText(sqlite3_stmt* statement, int index, std::string_view text);

std::string ColumnText(sqlite3_stmt* statement, int column);

}  // namespace hitcounter::sqlite

#endif  // HITCOUNTER_STORE_SQLITE_HANDLE_H_

#include "store/sqlite_handle.h"

namespace hitcounter::sqlite {

Status ErrorStatus(sqlite3* db, int code, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  if ((code & 0xFF) == SQLITE_FULL) return Status::InsufficientSpace(std::move(message));
  return Status::Unavailable(std::move(message));
}

Result<Database> Open(const std::string& path, bool read_only) {
  sqlite3* raw = nullptr;
  // NOMUTEX: each connection is used by one thread at a time, so SQLite's own locking would
  // only cost time.
  int flags = SQLITE_OPEN_NOMUTEX |
              (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int code = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Database db(raw);
  if (code != SQLITE_OK) return ErrorStatus(db.get(), code, "cannot open " + path);
  sqlite3_extended_result_codes(db.get(), 1);
  return db;
}

Status Exec(sqlite3* db, const char* sql) {
  int code = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) return ErrorStatus(db, code, sql);
  return Status::Ok();
}

Result<Statement> Prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  int code = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  Statement statement(raw);
  if (code != SQLITE_OK) return ErrorStatus(db, code, "cannot prepare a statement");
  return statement;
}

void BindText(sqlite3_stmt* statement, int index, std::string_view text) {
  // A null pointer would bind SQL NULL, not the empty string.
  if (text.data() == nullptr) text = "";
  sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
}

std::string ColumnText(sqlite3_stmt* statement, int column) {
  const auto* text = sqlite3_column_text(statement, column);
  int size = sqlite3_column_bytes(statement, column);
  return text == nullptr
             ? std::string()
             : std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

}  // namespace hitcounter::sqlite

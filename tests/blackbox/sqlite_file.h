// SqliteFile: a store's SQLite file opened read-only by a test, to check it as the server (or
// its crash) left it: a read-only connection writes nothing to the file, so nothing is repaired
// or checkpointed before the check.
#ifndef HITCOUNTER_TESTS_BLACKBOX_SQLITE_FILE_H_
#define HITCOUNTER_TESTS_BLACKBOX_SQLITE_FILE_H_

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>

namespace hitcounter::testing {

class SqliteFile {
 public:
  explicit SqliteFile(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      sqlite3_close(db_);
      db_ = nullptr;
    }
  }
  ~SqliteFile() { sqlite3_close(db_); }
  SqliteFile(const SqliteFile&) = delete;
  SqliteFile& operator=(const SqliteFile&) = delete;

  // The first line of PRAGMA integrity_check: "ok" for a sound file.
  std::string IntegrityCheck() {
    if (db_ == nullptr) return "cannot open";
    std::string result = "no answer";
    sqlite3_exec(
        db_, "PRAGMA integrity_check",
        [](void* out, int, char** values, char**) {
          *static_cast<std::string*>(out) = values[0] != nullptr ? values[0] : "NULL";
          return 1;  // the first line is enough: "ok", or the first problem
        },
        &result, nullptr);
    return result;
  }

  // The route's count in the file: 0 when absent, nullopt when it cannot be read.
  std::optional<std::int64_t> CountOf(const std::string& route) {
    if (db_ == nullptr) return std::nullopt;
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT count FROM counters WHERE route = ?1", -1, &statement,
                           nullptr) != SQLITE_OK) {
      return std::nullopt;
    }
    sqlite3_bind_text(statement, 1, route.c_str(), static_cast<int>(route.size()),
                      SQLITE_TRANSIENT);
    std::optional<std::int64_t> count;
    int code = sqlite3_step(statement);
    if (code == SQLITE_ROW) count = sqlite3_column_int64(statement, 0);
    if (code == SQLITE_DONE) count = 0;
    sqlite3_finalize(statement);
    return count;
  }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_BLACKBOX_SQLITE_FILE_H_

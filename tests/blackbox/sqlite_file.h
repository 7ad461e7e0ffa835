// SqliteFile: a store's SQLite file opened read-only by a test, to check it as the server (or
// its crash) left it: a read-only connection writes nothing to the file, so nothing is repaired
// or checkpointed before the check.
#ifndef HITCOUNTER_TESTS_BLACKBOX_SQLITE_FILE_H_
#define HITCOUNTER_TESTS_BLACKBOX_SQLITE_FILE_H_

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/journal.h"

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

  // The route's count in the file, as the server would load it: the journal's latest record of
  // the route (store/journal.h), else its row in `counters`; 0 when absent, nullopt when it
  // cannot be read.
  std::optional<std::int64_t> CountOf(const std::string& route) {
    if (db_ == nullptr) return std::nullopt;
    std::optional<std::int64_t> journaled;
    sqlite3_stmt* journal = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT records FROM journal ORDER BY seq", -1, &journal,
                           nullptr) != SQLITE_OK) {
      return std::nullopt;
    }
    bool damaged = false;
    while (sqlite3_step(journal) == SQLITE_ROW) {
      const auto* bytes = static_cast<const char*>(sqlite3_column_blob(journal, 0));
      std::string_view blob(bytes == nullptr ? "" : bytes,
                            static_cast<std::size_t>(sqlite3_column_bytes(journal, 0)));
      damaged |= !ReadJournalRecords(blob, [&](const JournalRecord& record) {
                    if (record.route == route) journaled = record.count;
                  }).ok();
    }
    sqlite3_finalize(journal);
    if (damaged) return std::nullopt;
    if (journaled) return journaled;
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

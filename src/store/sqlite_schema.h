// The SQLite schema and its migrations.
//
// PRAGMA user_version holds the schema version. Opening a database applies, in one
// transaction, every migration it has not seen, so files written by older versions of
// hitcounter keep working. A file from a newer version is refused rather than misread.
#ifndef HITCOUNTER_STORE_SQLITE_SCHEMA_H_
#define HITCOUNTER_STORE_SQLITE_SCHEMA_H_

#include <sqlite3.h>

#include "hitcounter/status.h"

namespace hitcounter::sqlite {

// The version this build writes.
int LatestSchemaVersion();

// Brings the database to LatestSchemaVersion(). kUnavailable when it cannot, or when the
// database is newer than this build.
Status Migrate(sqlite3* db);

}  // namespace hitcounter::sqlite

#endif  // HITCOUNTER_STORE_SQLITE_SCHEMA_H_

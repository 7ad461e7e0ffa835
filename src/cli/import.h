// `hitcounter import FILE`: writes into a store the records that `hitcounter stats --json` or
// `--csv` exported, exactly (count, firstSeen, lastAccess to the millisecond).
//
//   hitcounter import counts.json --store sqlite:hits.db --mode replace
//   hitcounter import counts.csv --store dynamodb:hits --mode add
//
// --mode replace (the default) makes each route's record the file's: running it twice changes
// nothing. --mode add adds the file's counts to the store's (first seen the earlier, last
// access the later). The whole file is read and checked before anything is written: a
// malformed file changes nothing, and the message names its line (CSV) or record (JSON). New
// routes count against --max-routes, as a server's do. Like `reset`, it refuses a SQLite file
// that a running server owns; a SQLite file that does not exist is created (restoring a
// backup into a new file).
#ifndef HITCOUNTER_CLI_IMPORT_H_
#define HITCOUNTER_CLI_IMPORT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "cli/store_flags.h"

namespace CLI {
class App;  // CLI11's, included only where flags are added: it is heavy to compile
}  // namespace CLI

namespace hitcounter::cli {

// The largest file import reads: the JSON of a full --limit export (1,000,000 routes of ~150
// bytes) with room to spare. It is read whole into memory.
inline constexpr std::size_t kMaxImportFileBytes = 512 * 1024 * 1024;

struct ImportFlags {
  StoreFlags store;
  std::string file;
  std::string mode = "replace";  // add | replace
};

void AddImportFlags(CLI::App& command, ImportFlags& flags);

// The records of an export: JSON (an object whose "routes" holds {route, count, firstSeen,
// lastAccess} objects, as `stats --json` and GET /_stats write) when the text starts with '{',
// else CSV (RFC 4180, the header `route,count,firstSeen,lastAccess`, as `stats --csv`
// writes). Each route must be spelled as a store holds it (normalised, route.h) and appear
// once. kInvalidArgument naming the line (CSV, and JSON syntax) or the record (JSON) and what
// is wrong with it.
Result<std::vector<RouteStats>> ParseExport(std::string_view text);

// Reads, checks, and imports in calls of kMaxImportedRoutesPerCall; prints what it wrote. The
// process exit code (1, with a message on stderr, for a bad file, a store that cannot be opened
// or fails: then the calls before the failure stay written).
int Import(const ImportFlags& flags);

}  // namespace hitcounter::cli

#endif  // HITCOUNTER_CLI_IMPORT_H_

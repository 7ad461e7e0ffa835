// `hitcounter stats`: the top routes of a store, read directly (no server needed), as an
// aligned table in the terminal or as JSON / CSV for export; or one route.
//
//   hitcounter stats --store sqlite:hits.db --sort count --limit 20 --prefix /api/ [--json|--csv]
//   hitcounter stats --store sqlite:hits.db --route /api/users
#ifndef HITCOUNTER_CLI_STATS_H_
#define HITCOUNTER_CLI_STATS_H_

#include <cstddef>
#include <string>

#include "cli/store_flags.h"

namespace CLI {
class App;  // CLI11's, included only where flags are added: it is heavy to compile
}  // namespace CLI

namespace hitcounter::cli {

// Routes printed when --limit is not given: a screenful.
inline constexpr std::size_t kDefaultStatsRows = 20;
// Most routes one run prints: bounds the memory an export takes (about 200 MB at most).
inline constexpr std::size_t kMaxStatsRows = 1'000'000;

struct StatsFlags {
  StoreFlags store;
  std::string sort = "count";  // count | route | lastAccess, in any case, as GET /_stats?sort=
  std::size_t limit = kDefaultStatsRows;
  std::string prefix;
  std::string cursor;  // a nextCursor of --json (or of /_stats) with the same --sort
  std::string route;   // set: this route only
  bool json = false;
  bool csv = false;
};

void AddStatsFlags(CLI::App& command, StatsFlags& flags);

// Prints the routes to stdout; the process exit code (1, with a message on stderr, when the
// store cannot be read, a flag is wrong, or --route names a route never hit).
int Stats(const StatsFlags& flags);

}  // namespace hitcounter::cli

#endif  // HITCOUNTER_CLI_STATS_H_

// How `hitcounter stats` prints routes: an aligned table for a terminal, or JSON / CSV for
// export. Pure functions.
#ifndef HITCOUNTER_CLI_STATS_FORMAT_H_
#define HITCOUNTER_CLI_STATS_FORMAT_H_

#include <string>
#include <string_view>
#include <vector>

#include "hitcounter/store.h"

namespace hitcounter::cli {

// Columns HITS (right-aligned), LAST ACCESS, FIRST SEEN (RFC 3339, UTC) and ROUTE (last, as it
// is unbounded), each line ending in '\n', then a line totalling routes and hits.
std::string StatsTable(const std::vector<RouteStats>& routes);

// The document GET /_stats answers: {"routes":[...],"nextCursor":null}, and '\n'.
std::string StatsJson(const std::vector<RouteStats>& routes);

// RFC 4180: a header line `route,count,firstSeen,lastAccess`, then one line per route, lines
// ending in CRLF; a field holding ',', '"', CR or LF is quoted, its '"' doubled.
std::string StatsCsv(const std::vector<RouteStats>& routes);

// `field` as one CSV field (see StatsCsv).
std::string CsvField(std::string_view field);

}  // namespace hitcounter::cli

#endif  // HITCOUNTER_CLI_STATS_FORMAT_H_

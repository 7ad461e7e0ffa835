// How `hitcounter stats` prints routes: an aligned table for a terminal, or JSON / CSV for
// export. Pure functions.
//
// One vocabulary and one column order everywhere (the JSON of /_stats, the dashboard, the CSV
// and this table): route, count (a route's hits), firstSeen, lastAccess.
#ifndef HITCOUNTER_CLI_STATS_FORMAT_H_
#define HITCOUNTER_CLI_STATS_FORMAT_H_

#include <string>
#include <string_view>
#include <vector>

#include "hitcounter/store.h"

namespace hitcounter::cli {

// What one run of `hitcounter stats` read: the routes it prints, the store's totals under the
// prefix, and where the listing goes on when it was cut.
struct StatsListing {
  std::vector<RouteStats> routes;
  RouteTotals totals;
  std::string prefix;       // as asked; empty: every route
  std::string next_cursor;  // /_stats' nextCursor after the last route; empty when none follow
};

// Columns ROUTE, COUNT (right-aligned), FIRST SEEN and LAST ACCESS (RFC 3339, UTC), the route
// padded to the widest one shown (in code points), each line ending in '\n'; then the store's
// totals, and, when the listing was cut, how many routes were shown and how to see more.
std::string StatsTable(const StatsListing& listing);

// The same table for one route, without totals.
std::string RouteTable(const RouteStats& stats);

// The document GET /_stats?totals=true answers: {"routes":[...],"nextCursor":...,"totals":...},
// and '\n'. nextCursor continues the listing with --cursor, or with /_stats' cursor.
std::string StatsJson(const StatsListing& listing);

// RFC 4180: a header line `route,count,firstSeen,lastAccess`, then one line per route, lines
// ending in CRLF; a field holding ',', '"', CR or LF is quoted, its '"' doubled.
std::string StatsCsv(const std::vector<RouteStats>& routes);

// For output that cannot say it (CSV): "20 of 24 routes written; raise --limit to see more",
// or empty when every route under the prefix was printed.
std::string CutNotice(const StatsListing& listing);

// `field` as one CSV field (see StatsCsv).
std::string CsvField(std::string_view field);

}  // namespace hitcounter::cli

#endif  // HITCOUNTER_CLI_STATS_FORMAT_H_

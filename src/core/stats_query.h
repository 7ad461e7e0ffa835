// The query string of GET {prefix}stats, and its opaque cursors.
//
//   ?route=/a/b        one route (the value is a URL-encoded path, normalised like a hit's)
//   ?sort=count|route|lastAccess   order of the listing (default count; any case)
//   ?limit=N           1..kMaxStatsLimit routes per page (default kDefaultStatsLimit)
//   ?prefix=/api/      only routes whose text starts with this (URL-encoded)
//   ?cursor=...        the nextCursor of the previous page, with the same sort
//   ?totals=true       also the number of routes under the prefix and their hits
//
// Keys and values are application/x-www-form-urlencoded ('+' is a space). Nothing is ignored:
// an unknown parameter, one given twice, `route` with a listing's parameters, or a bad value is
// kInvalidArgument naming the parameter, so that a typo never passes for a listing that
// silently did something else.
#ifndef HITCOUNTER_CORE_STATS_QUERY_H_
#define HITCOUNTER_CORE_STATS_QUERY_H_

#include <optional>
#include <string>
#include <string_view>

#include "hitcounter/store.h"

namespace hitcounter {

struct StatsRequest {
  std::optional<std::string> route;  // set: one route; unset: a listing
  StatsQuery listing;
};

Result<StatsRequest> ParseStatsQuery(std::string_view query);

// The query string of DELETE {prefix}stats: exactly one of
//   ?route=/a/b        the record of one route (normalised like a hit's)
//   ?prefix=/api/      the routes whose text starts with this (not empty: "/" names them all),
//                      kMaxDeletedRoutesPerCall at a time
// encoded as ParseStatsQuery's are. kInvalidArgument naming the parameter for anything else.
struct DeleteRequest {
  std::optional<std::string> route;   // set: one route
  std::optional<std::string> prefix;  // set: the routes under it
};
Result<DeleteRequest> ParseDeleteQuery(std::string_view query);

// "count", "route" or "lastAccess", in any case (`sort` of /_stats, `--sort` of the CLI).
Result<StatsOrder> ParseStatsOrder(std::string_view text);

// A cursor is the hex spelling of "<order letter><key>:<route>": opaque to clients, and it
// names its order so that a cursor from one order is refused by another.
std::string EncodeCursor(StatsOrder order, const StatsCursor& cursor);
Result<StatsCursor> DecodeCursor(StatsOrder order, std::string_view text);

}  // namespace hitcounter

#endif  // HITCOUNTER_CORE_STATS_QUERY_H_

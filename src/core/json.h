// The JSON documents the service answers with. Built with RapidJSON's Writer, which escapes
// '"', '\\' and control characters; routes are valid UTF-8 (route.h) and are written as is.
#ifndef HITCOUNTER_CORE_JSON_H_
#define HITCOUNTER_CORE_JSON_H_

#include <string>
#include <string_view>

#include "hitcounter/store.h"

namespace hitcounter {

// {"route":..,"count":..,"firstSeen":..,"lastAccess":..}
std::string RouteStatsJson(const RouteStats& stats);

// {"routes":[RouteStatsJson...],"nextCursor":"..."|null}, then "totals":{"routes":N,"hits":N}
// when the page has them.
std::string StatsPageJson(const StatsPage& page, std::string_view next_cursor);

// What DELETE {prefix}stats removed: {"route":..,"deletedRoutes":N,"deletedHits":N} for one
// route; {"prefix":..,"deletedRoutes":N,"deletedHits":N,"more":true|false} for a prefix, where
// "more" says whether routes remain under it (the deletion stopped at its bound).
std::string DeletedRouteJson(std::string_view route, const DeletedRoutes& deleted);
std::string DeletedPrefixJson(std::string_view prefix, const DeletedRoutes& deleted, bool more);

// {"error":"<code>","message":"<sentence>"}
std::string ErrorJson(std::string_view error, std::string_view message);

// `error_json` (ErrorJson's) with "requestId":`request_id` as its last member.
std::string ErrorJsonWithRequestId(std::string_view error_json, std::string_view request_id);

// {"error":"rate_limited","message":..,"route":..,"limit":..,"windowSeconds":..,"retryAfter":..}
std::string RateLimitedJson(std::string_view route, const RateLimit& limit,
                            std::int64_t retry_after_seconds);

// {"status":"ok"}
std::string HealthJson();

}  // namespace hitcounter

#endif  // HITCOUNTER_CORE_JSON_H_

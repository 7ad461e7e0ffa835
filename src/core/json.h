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

// {"routes":[RouteStatsJson...],"nextCursor":"..."|null}
std::string StatsPageJson(const StatsPage& page, std::string_view next_cursor);

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

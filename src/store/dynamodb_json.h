// The DynamoDB JSON documents the DynamoDB store sends, and strict parsing of the answers.
//
// The counter table: partition key `route` (S); attributes `count` (N), `firstSeen` (N, Unix
// ms), `lastAccess` (N, Unix ms). DynamoDB sends numbers as strings; they are parsed strictly
// (an optional '-' and decimal digits, no leading zeros, within int64), so a corrupt item is a
// kInternal error naming the attribute, never a wrong count.
//
// Pure functions, safe from any thread.
#ifndef HITCOUNTER_STORE_DYNAMODB_JSON_H_
#define HITCOUNTER_STORE_DYNAMODB_JSON_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hitcounter/status.h"
#include "hitcounter/store.h"

namespace hitcounter::dynamodb {

// Rate-limit windows (hitcounter/rate_limit.h) are items of their own in the counter table,
// keyed kWindowKeyPrefix + route. That is never a route (routes start with '/'), and listings
// read only keys starting with '/', so windows never show in them. Attributes: `windowStart`
// (N, Unix ms), `windowMs` (N), `hits` (N, counted in that window), `expiresAt` (N, Unix
// seconds when the window ends: the table's TTL attribute, so DynamoDB deletes the windows of
// routes no longer hit).
inline constexpr std::string_view kWindowKeyPrefix = "rate-window:";
inline constexpr std::string_view kExpiresAt = "expiresAt";

// Read and write capacity units of a provisioned table.
struct ProvisionedCapacity {
  std::int64_t read_units = 0;
  std::int64_t write_units = 0;
};

// The number of routes in the table, for stores with a bound on them (kDefaultMaxRoutes): one
// item keyed kRouteTotalKey (never a route, so never listed) with the number `routes` (N). It
// is counted from the first new route a bounded store sees; routes counted before that (by an
// unbounded store) are not in it.
inline constexpr std::string_view kRouteTotalKey = "route-total";

// Which items a hit's UpdateItem may touch.
enum class RouteItem {
  kAny,       // the route's item, created when missing
  kExisting,  // only an item that exists (a bounded store's first try)
  kNew,       // only a missing item (a bounded store, once it has room for the route)
};

// Hits on one route counted by one UpdateItem: `hits` of them (at least 1), the earliest at
// `first`, the latest at `last`.
struct HitBatch {
  std::int64_t hits = 1;
  UnixMillis first = 0;
  UnixMillis last = 0;
};

// A batch of hits as one UpdateItem: ADD batch.hits to count, SET lastAccess to batch.last,
// firstSeen to batch.first if absent, on the condition that the count stays within INT64_MAX
// and that the item is as `item` asks (else ConditionalCheckFailedException); ReturnValues
// ALL_NEW.
std::string UpdateItemRequest(std::string_view table, std::string_view route, const HitBatch& batch,
                              RouteItem item = RouteItem::kAny);

// One hit at `now`: the batch {1, now, now}.
std::string UpdateItemRequest(std::string_view table, std::string_view route, UnixMillis now,
                              RouteItem item = RouteItem::kAny);

// Room for one more route: ADD 1 to the route total on the condition that it is below
// `max_routes` (else ConditionalCheckFailedException).
std::string ClaimRouteRequest(std::string_view table, std::int64_t max_routes);

// Gives back a ClaimRouteRequest's room when the route turned out to exist already.
std::string ReleaseRouteRequest(std::string_view table);

// A place for one hit in the route's current window: hits + 1 on the condition that the item
// holds the window of `now` and fewer than limit.limit hits (else
// ConditionalCheckFailedException, carrying the item as it is: ParseFailedWindow). ReturnValues
// UPDATED_NEW.
std::string ClaimWindowRequest(std::string_view table, std::string_view route,
                               const RateLimit& limit, UnixMillis now);

// Gives back a place ClaimWindowRequest or StartWindowRequest took for a hit that then did not
// count (its count at its maximum): hits - 1, on the condition that the item still holds the
// window of `now` with a hit in it (a later window is left alone).
std::string ReleaseWindowRequest(std::string_view table, std::string_view route,
                                 const RateLimit& limit, UnixMillis now);

// The window of `now` with one hit in it, on the condition that the item holds no window, an
// older one, or one of another length (else ConditionalCheckFailedException, carrying the item
// as it is: ParseFailedWindow). ReturnValues UPDATED_NEW.
std::string StartWindowRequest(std::string_view table, std::string_view route,
                               const RateLimit& limit, UnixMillis now);

// The window's hits in a ClaimWindow or StartWindow response. kInternal when missing or corrupt.
Result<std::int64_t> ParseWindowHits(std::string_view body);

// A route's rate-limit window item as a failed condition found it.
struct WindowItem {
  UnixMillis start = 0;
  std::int64_t window_ms = 0;
  std::int64_t hits = 0;
};

// The window item in the ConditionalCheckFailedException answered to a ClaimWindow or
// StartWindow request (ReturnValuesOnConditionCheckFailure ALL_OLD). nullopt when the answer
// carries no item: the item did not exist, or the engine does not support the parameter
// (dynalite 4 ignores it), so the caller cannot tell and must ask again. kInternal when the item
// is there but corrupt.
Result<std::optional<WindowItem>> ParseFailedWindow(std::string_view body);

// Turns on the table's TTL on kExpiresAt.
std::string EnableTimeToLiveRequest(std::string_view table);

// GetItem of one route, strongly consistent.
std::string GetItemRequest(std::string_view table, std::string_view route);

// One Scan page: strongly consistent, filtered by begins_with(route, prefix) (with "/" for an
// empty prefix: routes only, never rate-limit windows), starting after `start_after` (the
// previous page's LastEvaluatedKey) when given.
std::string ScanRequest(std::string_view table, std::string_view prefix,
                        const std::optional<std::string>& start_after);

std::string DescribeTableRequest(std::string_view table);

// The counter table; on-demand (PAY_PER_REQUEST) when `provisioned` is not given.
std::string CreateTableRequest(std::string_view table,
                               const std::optional<ProvisionedCapacity>& provisioned);

// A DynamoDB number that must be an integer in int64: "-12", "0", "9223372036854775807".
// kInternal naming `what` for anything else ("", "+1", "1.0", "1e3", " 1", "01", overflow).
Result<std::int64_t> ParseInteger(std::string_view text, std::string_view what);

// The record in an UpdateItem response's "Attributes". kInternal when it is missing or corrupt.
Result<RouteStats> ParseUpdateItemResponse(std::string_view body);

// The record in a GetItem response's "Item"; nullopt when the response has no Item (the route
// was never hit). kInternal when the body or the item is corrupt.
Result<std::optional<RouteStats>> ParseGetItemResponse(std::string_view body);

struct ScanPage {
  std::vector<RouteStats> items;
  std::optional<std::string> last_evaluated_route;  // absent on the last page
  std::int64_t scanned_count = 0;  // items read (and paid for) by this page, matching or not
};

// One Scan page. kInternal when the body or any item is corrupt.
Result<ScanPage> ParseScanResponse(std::string_view body);

struct TableDescription {
  std::string status;           // "CREATING", "ACTIVE", ...
  bool keyed_by_route = false;  // the partition key is `route` (S) and there is no sort key
};

// "Table" of a DescribeTable response or "TableDescription" of a CreateTable response.
Result<TableDescription> ParseTableDescription(std::string_view body);

// An imported record as one UpdateItem (ReturnValues ALL_OLD, read with
// ParseDeleteItemResponse), on the condition that the item is as `item` asks. kReplace sets
// count, firstSeen and lastAccess; kAdd adds the count (on the condition that it stays within
// INT64_MAX) and sets the times only where the item had none: WidenTimesRequest then moves them.
std::string ImportRequest(std::string_view table, const RouteStats& record, ImportMode mode,
                          RouteItem item);

// Sets firstSeen (`first_seen`) or else lastAccess to `at` on the condition that it is later
// (firstSeen) or earlier (lastAccess) than `at` (else ConditionalCheckFailedException).
std::string WidenTimesRequest(std::string_view table, std::string_view route, bool first_seen,
                              UnixMillis at);

// A deleted route's room given back to the route total: ADD -1 on the condition that the total
// exists and is above 0 (else ConditionalCheckFailedException: a table no bounded store has
// counted on keeps no total, and none is made up).
std::string GiveBackRouteRequest(std::string_view table);

// DeleteItem of the item keyed `key` (a route, or kWindowKeyPrefix + route), answering with
// the item as it was (ReturnValues ALL_OLD).
std::string DeleteItemRequest(std::string_view table, std::string_view key);

// The route's record a DeleteItem response's "Attributes" held (or an UpdateItem's, with
// ReturnValues ALL_OLD); nullopt when there was no item.
// kInternal when the body or the item is corrupt.
Result<std::optional<RouteStats>> ParseDeleteItemResponse(std::string_view body);

}  // namespace hitcounter::dynamodb

#endif  // HITCOUNTER_STORE_DYNAMODB_JSON_H_

// Store: where the counters live. One implementation per backend (SQLite, DynamoDB).
//
// A store keeps one record per route: how many hits it had, when it was first seen and when it
// was last hit. Every backend passes the same contract suite (tests/store_contract.h).
//
// Thread safety: every method may be called from any thread, concurrently.
#ifndef HITCOUNTER_STORE_H_
#define HITCOUNTER_STORE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "hitcounter/clock.h"
#include "hitcounter/rate_limit.h"
#include "hitcounter/status.h"

namespace hitcounter {

// The most distinct routes a store counts by default (`serve --max-routes`,
// HITCOUNTER_MAX_ROUTES). Every new path is a new row (on DynamoDB a new, billed item), so a
// public counter bounds them: once a store holds this many routes, a hit on a new route is
// refused with kRouteLimitReached (HTTP 507) and counts nothing; the routes it holds keep
// counting. 100,000 routes take ~10 MB in SQLite and are what one DynamoDB listing may scan.
inline constexpr std::int64_t kDefaultMaxRoutes = 100'000;

// A store's max_routes setting that means no bound at all.
inline constexpr std::int64_t kUnboundedRoutes = 0;

struct RouteStats {
  std::string route;
  std::int64_t count = 0;
  UnixMillis first_seen = 0;
  UnixMillis last_access = 0;

  bool operator==(const RouteStats&) const = default;
};

// The orders of a listing. A descending order is descending on its whole key: routes with the
// same count (or last access) come by route descending, Z to A, so that each order is one index
// walked one way and a keyset cursor is one comparison. Every store, the dashboard and the CLI
// list in exactly these orders.
enum class StatsOrder {
  kByCount,       // count descending; ties by route descending
  kByRoute,       // route ascending (bytewise)
  kByLastAccess,  // last access descending; ties by route descending
};

// Where a page of a listing starts: just after this (sort key, route). Keyset pagination, so a
// page costs the same wherever it starts and concurrent hits never skip or repeat a route that
// did not move.
struct StatsCursor {
  std::int64_t key = 0;  // count or last access; unused when ordering by route
  std::string route;
};

struct StatsQuery {
  StatsOrder order = StatsOrder::kByCount;
  std::string prefix;  // only routes starting with these bytes; empty means all
  std::size_t limit = 100;
  std::optional<StatsCursor> after;
  // Also count every route under `prefix` and their hits (StatsPage::totals), whatever the
  // page and cursor. Costs a pass over those routes where the store does not already make one.
  bool with_totals = false;
};

// How many routes are under a prefix and how many hits they hold, seen at the same moment as
// the page they come with.
struct RouteTotals {
  std::int64_t routes = 0;
  // The sum of their counts; at most INT64_MAX (a sum past it is reported as INT64_MAX).
  std::int64_t hits = 0;

  bool operator==(const RouteTotals&) const = default;

  // Adds one route with `count` hits, the sum saturating at INT64_MAX.
  void Add(std::int64_t count);
};

// What Increment reports for a counted hit.
struct CountedHit {
  RouteStats stats;  // the route's record after this hit
  // Hits counted on the route in the current rate-limit window, this one included; 0 when
  // the hit had no rate limit.
  std::int64_t window_hits = 0;
};

struct StatsPage {
  std::vector<RouteStats> routes;
  std::optional<StatsCursor> next;    // absent on the last page
  std::optional<RouteTotals> totals;  // present when the query asked for them (with_totals)
};

inline void RouteTotals::Add(std::int64_t count) {
  ++routes;
  hits = count > std::numeric_limits<std::int64_t>::max() - hits
             ? std::numeric_limits<std::int64_t>::max()
             : hits + count;
}

// What Delete removed: how many records, and the hits they held (the sum saturating at
// INT64_MAX, as RouteTotals' does).
struct DeletedRoutes {
  std::int64_t routes = 0;
  std::int64_t hits = 0;

  bool operator==(const DeletedRoutes&) const = default;

  // Counts one removed record of `count` hits.
  void Add(std::int64_t count) {
    ++routes;
    hits = count > std::numeric_limits<std::int64_t>::max() - hits
               ? std::numeric_limits<std::int64_t>::max()
               : hits + count;
  }
};

// The most routes one Delete call names. A deletion writes every record it removes in one
// durable step (SQLite: one commit that hits wait behind; DynamoDB: one DeleteItem each, within
// one call's timeout), so a large one goes in calls of this many: {prefix}stats?prefix= and
// `hitcounter reset --prefix` delete a page at a time and say whether more remain.
inline constexpr std::size_t kMaxDeletedRoutesPerCall = 1'000;

// How Import treats a route the store already holds.
enum class ImportMode {
  kAdd,      // counts add up; first seen is the earlier, last access the later of the two
  kReplace,  // the imported record replaces the store's: importing twice changes nothing
};

// What Import wrote: routes it created, and routes it changed that the store held already.
struct ImportedRoutes {
  std::int64_t created = 0;
  std::int64_t updated = 0;

  bool operator==(const ImportedRoutes&) const = default;
};

// The most records one Import call carries: one durable step, as a deletion is (see
// kMaxDeletedRoutesPerCall). `hitcounter import` sends a file in calls of this many.
inline constexpr std::size_t kMaxImportedRoutesPerCall = 1'000;

// OK when `records` can be imported: at most kMaxImportedRoutesPerCall, each route given once,
// each count at least 1 and first seen no later than last access. kInvalidArgument naming the
// first record that is not. Every store checks it first.
Status ValidateImport(const std::vector<RouteStats>& records);

// The latest moment a store call may answer (the steady clock's time). A call still waiting for
// the store at its deadline is answered with kUnavailable and, for a hit, counts nothing.
using Deadline = std::chrono::steady_clock::time_point;
inline constexpr Deadline kNoDeadline = Deadline::max();

// A hit to count: its route (normalised, route.h), its time, and its rate limit if any.
struct Hit {
  std::string route;
  UnixMillis now = 0;
  std::optional<RateLimit> limit;
};

// Where counts live. Every call is asynchronous: it returns at once (it never waits for a disk,
// a lock held by another process, or the network) and answers through its callback exactly
// once, with a value or an error Status. A callback may run before its call returns, on the
// caller's thread (an answer known at once, such as a refusal), or later on a thread of the
// store's or on the Executor the store was opened with (executor.h); a store opened "inline"
// (DynamoDB with no workers, for the Lambda front end) always answers before returning.
// Callbacks must not block for long: other answers wait behind them.
//
// Each call takes a Deadline. Stores also bound their own time (timeouts named in their
// headers); the earlier of the two applies. Errors common to every call: kUnavailable (the
// store failed or the deadline passed), kInsufficientSpace (the disk is full).
// What a store can tell a metrics scrape at once, without I/O. Absent: the store does not
// know it (or has no such bound).
struct StoreFigures {
  std::optional<std::int64_t> routes;            // distinct routes held
  std::optional<std::int64_t> max_routes;        // the bound on them (absent: unbounded)
  std::optional<std::int64_t> pending_hits;      // counted, waiting for the disk
  std::optional<std::int64_t> max_pending_hits;  // the bound on them, past which hits get 503
};

class Store {
 public:
  using IncrementCallback = std::function<void(Result<CountedHit>)>;
  using GetCallback = std::function<void(Result<RouteStats>)>;
  using ListCallback = std::function<void(Result<StatsPage>)>;
  using HealthCallback = std::function<void(Status)>;
  using DeleteCallback = std::function<void(Result<DeletedRoutes>)>;
  using ImportCallback = std::function<void(Result<ImportedRoutes>)>;

  virtual ~Store() = default;

  // Adds one hit to `hit.route` at `hit.now`, creating the record when it is new (first_seen =
  // last_access = now). Answers with the record as it is after this hit once the hit is
  // durable (a successful answer means it survives a crash of the process), or with an error:
  // kOutOfRange when the count is at its maximum, kRouteLimitReached when the route is new and
  // the store holds the most routes it was opened with (kDefaultMaxRoutes), kUnavailable /
  // kInsufficientSpace when nothing was counted.
  //
  // With `hit.limit`, the hit counts only if fewer than limit->limit hits were counted on the
  // route in the window holding `now` (RateLimit::WindowStart); else nothing changes and the
  // answer is kResourceExhausted. Check and increment are one atomic step, so no window ever
  // holds more than the limit. The window bookkeeping never shows in Get or List, and the store
  // removes expired windows itself.
  virtual void Increment(Hit hit, Deadline deadline, IncrementCallback done) = 0;

  // The record of one route, as durable hits left it; kNotFound when it was never hit.
  virtual void Get(std::string route, Deadline deadline, GetCallback done) = 0;

  // One page of routes in the requested order, with the totals under the prefix when asked.
  virtual void List(StatsQuery query, Deadline deadline, ListCallback done) = 0;

  // Removes the records of `routes` (at most kMaxDeletedRoutesPerCall, else kInvalidArgument):
  // each disappears from Get and List, its rate-limit window with it, and gives back its place
  // under the store's most routes, so that a new route may take it. A route without a record is
  // skipped. Answers with what was removed once that is durable (like a hit's answer: it
  // survives a crash of the process), or with an error, after which some of the routes may be
  // removed and others not (deleting them again is harmless). A hit on a route after its
  // deletion was answered counts from 1 again, first seen anew.
  virtual void Delete(std::vector<std::string> routes, Deadline deadline, DeleteCallback done) = 0;

  // Writes `records` (ValidateImport's rules, else kInvalidArgument) as `mode` says, for
  // restoring or merging what `hitcounter stats --json/--csv` exported. A route the store does
  // not hold is created with the record as given, and takes a place under the most routes
  // (kRouteLimitReached when they do not all fit); kOutOfRange when an added count would pass
  // INT64_MAX. Answers once the records are durable, as a hit's answer. On SQLite a call is
  // all or nothing; on DynamoDB records are written one by one, and after an error some may
  // be written (an import with kReplace can simply be run again).
  virtual void Import(std::vector<RouteStats> records, ImportMode mode, Deadline deadline,
                      ImportCallback done) = 0;

  // OK when the store can count hits: what a hit would meet now, as far as the store knows
  // without waiting on a disk or a network (each store says how it decides).
  virtual void CheckHealth(Deadline deadline, HealthCallback done) = 0;

  // At once, from memory, for {prefix}metrics: what the store knows of its size and backlog.
  // None by default. Callable from any thread.
  virtual StoreFigures Figures() { return {}; }
};

}  // namespace hitcounter

#endif  // HITCOUNTER_STORE_H_

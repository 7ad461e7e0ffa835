// TopRoutes: one page of a listing picked from routes offered in any order, for stores that
// cannot sort (DynamoDB's Scan returns items in hash order).
//
// Orders, ties and keyset cursors are those of every store (hitcounter/store.h): count
// descending then route descending; route ascending; last access descending then route
// descending. Memory stays O(limit) however many routes are offered; time is O(n log limit).
//
// Not thread-safe: one listing, one thread.
#ifndef HITCOUNTER_STORE_TOP_ROUTES_H_
#define HITCOUNTER_STORE_TOP_ROUTES_H_

#include <utility>
#include <vector>

#include "hitcounter/store.h"

namespace hitcounter {

class TopRoutes {
 public:
  // Keeps what `query` asks for.
  explicit TopRoutes(StatsQuery query) : query_(std::move(query)) {}

  // Considers one route. Routes outside the prefix or not after the cursor are dropped.
  void Offer(RouteStats stats);

  // The page: at most query.limit routes in order, and a cursor when more routes follow; with
  // query.with_totals, the totals of every route offered under the prefix.
  StatsPage TakePage();

 private:
  bool Before(const RouteStats& a, const RouteStats& b) const;
  bool AfterCursor(const RouteStats& stats) const;
  void Trim();

  const StatsQuery query_;
  std::vector<RouteStats> kept_;
  RouteTotals totals_;
};

}  // namespace hitcounter

#endif  // HITCOUNTER_STORE_TOP_ROUTES_H_

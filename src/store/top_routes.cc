#include "store/top_routes.h"

#include <algorithm>

namespace hitcounter {
namespace {

std::int64_t SortKey(StatsOrder order, const RouteStats& stats) {
  return order == StatsOrder::kByCount ? stats.count : stats.last_access;
}

}  // namespace

bool TopRoutes::Before(const RouteStats& a, const RouteStats& b) const {
  if (query_.order == StatsOrder::kByRoute) return a.route < b.route;
  const std::int64_t key_a = SortKey(query_.order, a);
  const std::int64_t key_b = SortKey(query_.order, b);
  if (key_a != key_b) return key_a > key_b;
  return a.route > b.route;
}

bool TopRoutes::AfterCursor(const RouteStats& stats) const {
  if (!query_.after) return true;
  RouteStats cursor{query_.after->route, query_.after->key, 0, query_.after->key};
  return Before(cursor, stats);
}

void TopRoutes::Offer(RouteStats stats) {
  if (stats.route.compare(0, query_.prefix.size(), query_.prefix) != 0) return;
  totals_.Add(stats.count);
  if (!AfterCursor(stats)) return;
  kept_.push_back(std::move(stats));
  // One more than the page, to know whether another page follows. Trimming only when twice
  // that many are kept makes each trim pay for itself.
  if (kept_.size() >= 2 * (query_.limit + 1)) Trim();
}

void TopRoutes::Trim() {
  const std::size_t keep = query_.limit + 1;
  if (kept_.size() <= keep) return;
  auto nth = kept_.begin() + static_cast<std::ptrdiff_t>(keep);
  std::nth_element(kept_.begin(), nth, kept_.end(),
                   [this](const RouteStats& a, const RouteStats& b) { return Before(a, b); });
  kept_.erase(nth, kept_.end());
}

StatsPage TopRoutes::TakePage() {
  Trim();
  std::sort(kept_.begin(), kept_.end(),
            [this](const RouteStats& a, const RouteStats& b) { return Before(a, b); });
  StatsPage page;
  if (kept_.size() > query_.limit) {
    kept_.resize(query_.limit);
    if (!kept_.empty()) {
      const RouteStats& last = kept_.back();
      page.next = StatsCursor{SortKey(query_.order, last), last.route};
    }
  }
  page.routes = std::move(kept_);
  kept_.clear();
  if (query_.with_totals) page.totals = totals_;
  return page;
}

}  // namespace hitcounter

// A Store kept in memory, for unit tests of the core. Not durable, not for production.
// It can be told to fail, to test how the core reports store errors.
#ifndef HITCOUNTER_TESTS_SUPPORT_MEMORY_STORE_H_
#define HITCOUNTER_TESTS_SUPPORT_MEMORY_STORE_H_

#include <algorithm>
#include <limits>
#include <map>
#include <mutex>

#include "hitcounter/store.h"

namespace hitcounter::testing {

class MemoryStore final : public Store {
 public:
  // Every later call fails with `status` (OK to heal).
  void FailWith(Status status) {
    std::lock_guard lock(mutex_);
    failure_ = std::move(status);
  }

  void Increment(std::string route, UnixMillis now, std::optional<RateLimit> limit,
                 IncrementCallback done) override {
    Result<CountedHit> result = IncrementLocked(std::move(route), now, limit);
    done(std::move(result));
  }

  Result<RouteStats> Get(const std::string& route) override {
    std::lock_guard lock(mutex_);
    if (!failure_.ok()) return failure_;
    auto it = routes_.find(route);
    if (it == routes_.end()) return Status::NotFound("no such route");
    return it->second;
  }

  Result<StatsPage> List(const StatsQuery& query) override {
    std::lock_guard lock(mutex_);
    if (!failure_.ok()) return failure_;
    std::vector<RouteStats> all;
    for (const auto& [route, stats] : routes_) {
      if (route.compare(0, query.prefix.size(), query.prefix) == 0) all.push_back(stats);
    }
    auto key = [&](const RouteStats& s) {
      return query.order == StatsOrder::kByCount ? s.count : s.last_access;
    };
    auto before = [&](const RouteStats& a, const RouteStats& b) {
      if (query.order == StatsOrder::kByRoute) return a.route < b.route;
      if (key(a) != key(b)) return key(a) > key(b);
      return a.route > b.route;
    };
    std::sort(all.begin(), all.end(), before);
    StatsPage page;
    for (const RouteStats& s : all) {
      if (query.after) {
        RouteStats cursor{query.after->route, query.after->key, 0, query.after->key};
        if (!before(cursor, s)) continue;
      }
      if (page.routes.size() == query.limit) {
        const RouteStats& last = page.routes.back();
        page.next = StatsCursor{key(last), last.route};
        break;
      }
      page.routes.push_back(s);
    }
    return page;
  }

  Status CheckHealth() override {
    std::lock_guard lock(mutex_);
    return failure_;
  }

  // Puts a route at a given count (to test overflow).
  void Seed(RouteStats stats) {
    std::lock_guard lock(mutex_);
    routes_[stats.route] = stats;
  }

 private:
  struct Window {
    UnixMillis start = 0;
    std::int64_t hits = 0;
  };

  Result<CountedHit> IncrementLocked(std::string route, UnixMillis now,
                                     const std::optional<RateLimit>& limit) {
    std::lock_guard lock(mutex_);
    if (!failure_.ok()) return failure_;
    std::int64_t window_hits = 0;
    if (limit) {
      Window& window = windows_[route];
      if (window.start != limit->WindowStart(now)) window = Window{limit->WindowStart(now), 0};
      if (window.hits >= limit->limit) return Status::ResourceExhausted("rate limited");
      window_hits = ++window.hits;
    }
    auto [it, inserted] = routes_.try_emplace(route, RouteStats{route, 0, now, now});
    if (it->second.count == std::numeric_limits<std::int64_t>::max()) {
      return Status::OutOfRange("the count of this route is at its maximum");
    }
    ++it->second.count;
    it->second.last_access = now;
    return CountedHit{it->second, window_hits};
  }

  std::mutex mutex_;
  std::map<std::string, RouteStats> routes_;
  std::map<std::string, Window> windows_;
  Status failure_;
};

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_SUPPORT_MEMORY_STORE_H_

// A Store kept in memory, for unit tests of the core. Not durable, not for production. Every
// call answers before it returns, on the caller's thread. It can be told to fail, or to throw,
// to test how the core reports store errors.
#ifndef HITCOUNTER_TESTS_SUPPORT_MEMORY_STORE_H_
#define HITCOUNTER_TESTS_SUPPORT_MEMORY_STORE_H_

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <stdexcept>

#include "hitcounter/store.h"

namespace hitcounter::testing {

class MemoryStore final : public Store {
 public:
  // Refuses new routes past `max_routes` (kUnboundedRoutes: never), as every store does.
  explicit MemoryStore(std::int64_t max_routes = kUnboundedRoutes) : max_routes_(max_routes) {}

  // Every later call fails with `status` (OK to heal).
  void FailWith(Status status) {
    std::lock_guard lock(mutex_);
    failure_ = std::move(status);
  }

  // Every later call throws std::runtime_error (after taking its callback), or stops to.
  void Throw(bool on) {
    std::lock_guard lock(mutex_);
    throw_ = on;
  }

  // Called with every hit and its deadline, on the caller's thread, before it is counted.
  void OnIncrement(std::function<void(const Hit&, Deadline)> observer) {
    std::lock_guard lock(mutex_);
    on_increment_ = std::move(observer);
  }

  void Increment(Hit hit, Deadline deadline, IncrementCallback done) override {
    ThrowIfAsked();
    std::function<void(const Hit&, Deadline)> observer;
    {
      std::lock_guard lock(mutex_);
      observer = on_increment_;
    }
    if (observer) observer(hit, deadline);
    Result<CountedHit> result = IncrementLocked(std::move(hit.route), hit.now, hit.limit);
    done(std::move(result));
  }

  void Get(std::string route, Deadline, GetCallback done) override {
    ThrowIfAsked();
    done(GetLocked(route));
  }

  void List(StatsQuery query, Deadline, ListCallback done) override {
    ThrowIfAsked();
    done(ListLocked(query));
  }

  void Delete(std::vector<std::string> routes, Deadline, DeleteCallback done) override {
    ThrowIfAsked();
    done(DeleteLocked(routes));
  }

  void Import(std::vector<RouteStats> records, ImportMode mode, Deadline,
              ImportCallback done) override {
    ThrowIfAsked();
    done(ImportLocked(records, mode));
  }

  void CheckHealth(Deadline, HealthCallback done) override {
    ThrowIfAsked();
    Status health;
    {
      std::lock_guard lock(mutex_);
      health = failure_;
    }
    done(std::move(health));
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

  void ThrowIfAsked() {
    std::lock_guard lock(mutex_);
    if (throw_) throw std::runtime_error("the memory store was told to throw");
  }

  Result<RouteStats> GetLocked(const std::string& route) {
    std::lock_guard lock(mutex_);
    if (!failure_.ok()) return failure_;
    auto it = routes_.find(route);
    if (it == routes_.end()) return Status::NotFound("no such route");
    return it->second;
  }

  Result<StatsPage> ListLocked(const StatsQuery& query) {
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
    if (query.with_totals) {
      page.totals.emplace();
      for (const RouteStats& s : all) page.totals->Add(s.count);
    }
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

  Result<DeletedRoutes> DeleteLocked(const std::vector<std::string>& routes) {
    if (routes.size() > kMaxDeletedRoutesPerCall) {
      return Status::InvalidArgument("too many routes for one deletion");
    }
    std::lock_guard lock(mutex_);
    if (!failure_.ok()) return failure_;
    DeletedRoutes deleted;
    for (const std::string& route : routes) {
      auto it = routes_.find(route);
      if (it == routes_.end()) continue;
      deleted.Add(it->second.count);
      routes_.erase(it);
      windows_.erase(route);
    }
    return deleted;
  }

  Result<ImportedRoutes> ImportLocked(const std::vector<RouteStats>& records, ImportMode mode) {
    if (Status valid = ValidateImport(records); !valid.ok()) return valid;
    std::lock_guard lock(mutex_);
    if (!failure_.ok()) return failure_;
    std::int64_t new_routes = 0;
    for (const RouteStats& record : records) {
      auto it = routes_.find(record.route);
      if (it == routes_.end()) {
        ++new_routes;
      } else if (mode == ImportMode::kAdd &&
                 record.count > std::numeric_limits<std::int64_t>::max() - it->second.count) {
        return Status::OutOfRange("the added count would pass its maximum");
      }
    }
    if (max_routes_ != kUnboundedRoutes &&
        static_cast<std::int64_t>(routes_.size()) + new_routes > max_routes_) {
      return Status::RouteLimitReached("the imported routes do not fit");
    }
    ImportedRoutes counts;
    for (const RouteStats& record : records) {
      auto [it, created] = routes_.try_emplace(record.route, record);
      ++(created ? counts.created : counts.updated);
      if (created || mode == ImportMode::kReplace) {
        it->second = record;
      } else {
        it->second.count += record.count;
        it->second.first_seen = std::min(it->second.first_seen, record.first_seen);
        it->second.last_access = std::max(it->second.last_access, record.last_access);
      }
    }
    return counts;
  }

  Result<CountedHit> IncrementLocked(std::string route, UnixMillis now,
                                     const std::optional<RateLimit>& limit) {
    std::lock_guard lock(mutex_);
    if (!failure_.ok()) return failure_;
    if (max_routes_ != kUnboundedRoutes && !routes_.contains(route) &&
        static_cast<std::int64_t>(routes_.size()) >= max_routes_) {
      return Status::RouteLimitReached("the store holds " + std::to_string(max_routes_) +
                                       " routes already, its most");
    }
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

  const std::int64_t max_routes_;
  std::mutex mutex_;
  std::map<std::string, RouteStats> routes_;
  std::map<std::string, Window> windows_;
  Status failure_;
  bool throw_ = false;
  std::function<void(const Hit&, Deadline)> on_increment_;
};

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_SUPPORT_MEMORY_STORE_H_

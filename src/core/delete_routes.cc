#include "core/delete_routes.h"

#include <memory>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace hitcounter {

void DeleteUnderPrefix(Store& store, std::string prefix, Deadline deadline,
                       std::function<void(Result<PrefixDeletion>)> done) {
  StatsQuery query;
  query.order = StatsOrder::kByRoute;
  query.prefix = prefix == "/" ? std::string() : std::move(prefix);
  query.limit = kMaxDeletedRoutesPerCall;
  auto answer = std::make_shared<std::function<void(Result<PrefixDeletion>)>>(std::move(done));
  store.List(std::move(query), deadline, [&store, deadline, answer](Result<StatsPage> page) {
    if (!page.ok()) return (*answer)(page.status());
    const bool more = page->next.has_value();
    std::vector<std::string> routes;
    routes.reserve(page->routes.size());
    for (const RouteStats& stats : page->routes) routes.push_back(stats.route);
    store.Delete(std::move(routes), deadline, [answer, more](Result<DeletedRoutes> deleted) {
      if (!deleted.ok()) return (*answer)(deleted.status());
      (*answer)(PrefixDeletion{*deleted, more});
    });
  });
}

Status ValidateImport(const std::vector<RouteStats>& records) {
  if (records.size() > kMaxImportedRoutesPerCall) {
    return Status::InvalidArgument("one import carries at most " +
                                   std::to_string(kMaxImportedRoutesPerCall) + " records");
  }
  std::unordered_set<std::string_view> seen;
  for (const RouteStats& record : records) {
    if (record.count < 1) {
      return Status::InvalidArgument(record.route + ": a count must be at least 1");
    }
    if (record.first_seen > record.last_access) {
      return Status::InvalidArgument(record.route + ": firstSeen is later than lastAccess");
    }
    if (!seen.insert(record.route).second) {
      return Status::InvalidArgument(record.route + ": the route is given twice");
    }
  }
  return Status::Ok();
}

}  // namespace hitcounter

// DynamoDbStore's deletions (dynamodb_store.h): kept apart from the hit path.
#include <utility>

#include "store/dynamodb_json.h"
#include "store/dynamodb_store.h"

namespace hitcounter {

using aws::AwsCallResult;
using aws::AwsJsonClient;
using aws::Replay;

void DynamoDbStore::Delete(std::vector<std::string> routes, hitcounter::Deadline deadline,
                           DeleteCallback done) {
  if (routes.size() > kMaxDeletedRoutesPerCall) {
    return done(Status::InvalidArgument("one deletion names at most " +
                                        std::to_string(kMaxDeletedRoutesPerCall) + " routes"));
  }
  auto shared = std::make_shared<DeleteCallback>(std::move(done));
  const aws::Deadline within = Within(deadline, settings_.list_timeout);
  Submit(Job{within,
             [this, routes = std::move(routes), within, shared](AwsJsonClient& client) {
               Deliver([result = DeleteNow(client, routes, within), shared]() mutable {
                 (*shared)(std::move(result));
               });
             },
             [this, shared](Status refusal) {
               Deliver([refusal = std::move(refusal), shared] { (*shared)(refusal); });
             }},
         /*is_hit=*/false);
}

Result<DeletedRoutes> DynamoDbStore::DeleteNow(AwsJsonClient& client,
                                               const std::vector<std::string>& routes,
                                               aws::Deadline deadline) {
  DeletedRoutes deleted;
  // Whatever happens below, listings cached before it no longer hold.
  struct ForgetListings {
    DynamoDbStore& store;
    ~ForgetListings() {
      std::lock_guard lock(store.cache_mutex_);
      store.listings_.clear();
    }
  } forget{*this};
  const std::string& table = settings_.table;
  for (const std::string& route : routes) {
    // Never replayed: a second DeleteItem would answer "no item", and the hits it removed and
    // the room it frees would go uncounted.
    AwsCallResult call = client.Call("DeleteItem", dynamodb::DeleteItemRequest(table, route),
                                     deadline, Replay::kNever);
    if (!call.status.ok()) return Failure("DeleteItem", call);
    Result<std::optional<RouteStats>> item = dynamodb::ParseDeleteItemResponse(call.body);
    if (!item.ok()) return Report(item.status(), "corrupt item");
    if (!*item) continue;  // no such route
    deleted.Add((*item)->count);
    // Its rate-limit window goes with it, as on SQLite (deleting a missing one is harmless).
    const std::string window_key = std::string(dynamodb::kWindowKeyPrefix) + route;
    AwsCallResult window = client.Call("DeleteItem", dynamodb::DeleteItemRequest(table, window_key),
                                       deadline, Replay::kSafe);
    if (!window.status.ok()) return Failure("DeleteItem", window);
    // Whatever this store's own bound: the total serves every bounded store on the table.
    AwsCallResult release =
        client.Call("UpdateItem", dynamodb::GiveBackRouteRequest(table), deadline, Replay::kNever);
    const bool no_total = release.error && release.error->type == "ConditionalCheckFailedException";
    if (!release.status.ok() && !no_total) return Failure("UpdateItem", release);
  }
  MarkHealthy();
  return deleted;
}

}  // namespace hitcounter

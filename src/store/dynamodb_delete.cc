// DynamoDbStore's deletions and imports (dynamodb_store.h): kept apart from the hit path.
#include <optional>
#include <utility>

#include "store/dynamodb_json.h"
#include "store/dynamodb_store.h"

namespace hitcounter {

using aws::AwsCallResult;
using aws::AwsJsonClient;
using aws::Replay;

namespace {

bool ConditionFailed(const AwsCallResult& call) {
  return call.error && call.error->type == "ConditionalCheckFailedException";
}

}  // namespace

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
    if (!release.status.ok() && !ConditionFailed(release)) return Failure("UpdateItem", release);
  }
  MarkHealthy();
  return deleted;
}

void DynamoDbStore::Import(std::vector<RouteStats> records, ImportMode mode,
                           hitcounter::Deadline deadline, ImportCallback done) {
  if (Status valid = ValidateImport(records); !valid.ok()) return done(std::move(valid));
  auto shared = std::make_shared<ImportCallback>(std::move(done));
  const aws::Deadline within = Within(deadline, settings_.list_timeout);
  Submit(Job{within,
             [this, records = std::move(records), mode, within, shared](AwsJsonClient& client) {
               Deliver([result = ImportNow(client, records, mode, within), shared]() mutable {
                 (*shared)(std::move(result));
               });
             },
             [this, shared](Status refusal) {
               Deliver([refusal = std::move(refusal), shared] { (*shared)(refusal); });
             }},
         /*is_hit=*/false);
}

Result<ImportedRoutes> DynamoDbStore::ImportNow(AwsJsonClient& client,
                                                const std::vector<RouteStats>& records,
                                                ImportMode mode, aws::Deadline deadline) {
  ImportedRoutes counts;
  struct ForgetListings {
    DynamoDbStore& store;
    ~ForgetListings() {
      std::lock_guard lock(store.cache_mutex_);
      store.listings_.clear();
    }
  } forget{*this};
  for (const RouteStats& record : records) {
    Result<bool> created = ImportOne(client, record, mode, deadline);
    if (!created.ok()) return created.status();
    ++(*created ? counts.created : counts.updated);
  }
  MarkHealthy();
  return counts;
}

// Whether the record's route was created; as Count does for a hit, a bounded store first
// updates only an existing item, and claims room in the route total for a new one.
Result<bool> DynamoDbStore::ImportOne(AwsJsonClient& client, const RouteStats& record,
                                      ImportMode mode, aws::Deadline deadline) {
  using dynamodb::RouteItem;
  const std::string& table = settings_.table;
  auto write = [&](RouteItem item) {
    return client.Call("UpdateItem", dynamodb::ImportRequest(table, record, mode, item), deadline,
                       Replay::kNever);
  };
  auto overflow = [&record] {
    return Status::OutOfRange(record.route + ": the added count would pass its maximum");
  };
  // After a write that succeeded: the times of an added record widen the item's.
  auto written = [&](const AwsCallResult& call) -> Result<bool> {
    Result<std::optional<RouteStats>> old = dynamodb::ParseDeleteItemResponse(call.body);
    if (!old.ok()) return Report(old.status(), "corrupt item");
    if (!*old || mode == ImportMode::kReplace) return !old->has_value();
    for (bool first_seen : {true, false}) {
      AwsCallResult widen = client.Call(
          "UpdateItem",
          dynamodb::WidenTimesRequest(table, record.route, first_seen,
                                      first_seen ? record.first_seen : record.last_access),
          deadline, Replay::kSafe);
      if (!widen.status.ok() && !ConditionFailed(widen)) return Failure("UpdateItem", widen);
    }
    return false;
  };
  if (settings_.max_routes == kUnboundedRoutes) {
    AwsCallResult call = write(RouteItem::kAny);
    if (ConditionFailed(call)) return overflow();
    if (!call.status.ok()) return Failure("UpdateItem", call);
    return written(call);
  }
  AwsCallResult call = write(RouteItem::kExisting);
  if (call.status.ok()) return written(call);
  if (!ConditionFailed(call)) return Failure("UpdateItem", call);
  AwsCallResult claim =
      client.Call("UpdateItem", dynamodb::ClaimRouteRequest(table, settings_.max_routes), deadline,
                  Replay::kNever);
  if (ConditionFailed(claim)) {
    return Status::RouteLimitReached("hitcounter counts " + std::to_string(settings_.max_routes) +
                                     " routes already, its most; " + record.route +
                                     " was not imported");
  }
  if (!claim.status.ok()) return Failure("UpdateItem", claim);
  call = write(RouteItem::kNew);
  if (call.status.ok()) return written(call);
  if (!ConditionFailed(call)) return Failure("UpdateItem", call);
  // The route exists (created meanwhile, or its count is too high to add to): room goes back.
  AwsCallResult release =
      client.Call("UpdateItem", dynamodb::ReleaseRouteRequest(table), deadline, Replay::kNever);
  if (!release.status.ok()) return Failure("UpdateItem", release);
  call = write(RouteItem::kExisting);
  if (ConditionFailed(call)) return overflow();
  if (!call.status.ok()) return Failure("UpdateItem", call);
  return written(call);
}

}  // namespace hitcounter

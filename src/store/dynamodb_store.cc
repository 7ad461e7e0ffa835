#include "store/dynamodb_store.h"

#include <algorithm>
#include <cstdio>

#include "core/log_line.h"
#include "store/dynamodb_json.h"
#include "store/top_routes.h"

namespace hitcounter {
namespace {

using aws::AwsCallResult;
using aws::AwsJsonClient;
using aws::Deadline;
using aws::Replay;

constexpr std::size_t kMinTableNameLength = 3;
constexpr std::size_t kMaxTableNameLength = 255;

// A listing's identity: its order, prefix, page size and cursor.
std::string ListingKey(const StatsQuery& query) {
  std::string key = std::to_string(static_cast<int>(query.order)) + ' ' +
                    std::to_string(query.limit) + ' ' + std::to_string(query.prefix.size()) + ':' +
                    query.prefix;
  if (query.after) key += ' ' + std::to_string(query.after->key) + ':' + query.after->route;
  if (query.with_totals) key += " totals";  // a page without them cannot answer for one with
  return key;
}

bool ConditionFailed(const AwsCallResult& call) {
  return call.error && call.error->type == "ConditionalCheckFailedException";
}

// One line on stderr, for log collectors (CloudWatch, journald).
void LogError(const DynamoDbSettings& settings, std::string_view message) {
  LogLine("error", message)
      .Add("component", "dynamodb")
      .Add("table", settings.table)
      .Add("region", settings.service.region)
      .Add("endpoint", settings.service.endpoint.Url())
      .WriteTo(stderr);
}

}  // namespace

// A client borrowed from the store's idle pool (or made) for one call, returned after it.
class DynamoDbStore::ClientLease {
 public:
  explicit ClientLease(DynamoDbStore& store) : store_(store) {
    {
      std::lock_guard lock(store_.idle_mutex_);
      if (!store_.idle_clients_.empty()) {
        client_ = std::move(store_.idle_clients_.back());
        store_.idle_clients_.pop_back();
      }
    }
    if (!client_) client_ = store_.NewClient();
  }
  ~ClientLease() {
    std::lock_guard lock(store_.idle_mutex_);
    store_.idle_clients_.push_back(std::move(client_));
  }
  ClientLease(const ClientLease&) = delete;
  ClientLease& operator=(const ClientLease&) = delete;

  AwsJsonClient& operator*() { return *client_; }
  AwsJsonClient* operator->() { return client_.get(); }

 private:
  DynamoDbStore& store_;
  std::unique_ptr<AwsJsonClient> client_;
};

Status ValidateTableName(std::string_view table) {
  const bool good_length =
      table.size() >= kMinTableNameLength && table.size() <= kMaxTableNameLength;
  const bool good_chars = std::all_of(table.begin(), table.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
  if (good_length && good_chars) return Status::Ok();
  return Status::InvalidArgument("bad DynamoDB table name '" + std::string(table) +
                                 "': 3 to 255 characters among a-z A-Z 0-9 _ - .");
}

Result<DynamoDbSettings> ResolveDynamoDbSettings(std::string table, const aws::Overrides& overrides,
                                                 const aws::Environment& env,
                                                 const aws::CredentialsResolver& credentials_for) {
  if (Status valid = ValidateTableName(table); !valid.ok()) return valid;
  Result<aws::ServiceSettings> service =
      aws::ResolveServiceSettings("dynamodb", overrides, env, credentials_for);
  if (!service.ok()) return service.status();
  DynamoDbSettings settings;
  settings.table = std::move(table);
  settings.service = std::move(service).value();
  return settings;
}

Result<std::unique_ptr<DynamoDbStore>> DynamoDbStore::Open(DynamoDbSettings settings) {
  Result<aws::TransportFactory> transports = aws::HttpClientFactory(settings.service);
  if (!transports.ok()) return transports.status();
  if (Status valid = ValidateTableName(settings.table); !valid.ok()) return valid;
  auto clock = std::make_unique<SystemClock>();
  const Clock& clock_ref = *clock;
  return std::unique_ptr<DynamoDbStore>(new DynamoDbStore(
      std::move(settings), std::move(transports).value(), std::move(clock), clock_ref));
}

Result<std::unique_ptr<DynamoDbStore>> DynamoDbStore::Open(DynamoDbSettings settings,
                                                           aws::TransportFactory transports,
                                                           const Clock& clock) {
  if (Status valid = ValidateTableName(settings.table); !valid.ok()) return valid;
  return std::unique_ptr<DynamoDbStore>(
      new DynamoDbStore(std::move(settings), std::move(transports), nullptr, clock));
}

DynamoDbStore::DynamoDbStore(DynamoDbSettings settings, aws::TransportFactory transports,
                             std::unique_ptr<Clock> owned_clock, const Clock& clock)
    : settings_(std::move(settings)),
      transports_(std::move(transports)),
      owned_clock_(std::move(owned_clock)),
      clock_(clock) {
  for (std::size_t i = 0; i < settings_.workers; ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

DynamoDbStore::~DynamoDbStore() {
  {
    std::lock_guard lock(queue_mutex_);
    closing_ = true;
  }
  queue_ready_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

std::unique_ptr<AwsJsonClient> DynamoDbStore::NewClient() {
  return std::make_unique<AwsJsonClient>(settings_.service, aws::DynamoDbService(), transports_(),
                                         clock_);
}

Status DynamoDbStore::Preconnect(Deadline deadline) {
  std::unique_ptr<AwsJsonClient> client = NewClient();
  if (Status connected = client->Connect(deadline); !connected.ok()) return connected;
  std::lock_guard lock(idle_mutex_);
  idle_clients_.push_back(std::move(client));
  return Status::Ok();
}

Deadline DynamoDbStore::Within(hitcounter::Deadline deadline, std::chrono::milliseconds budget) {
  const Deadline now = std::chrono::steady_clock::now();
  return deadline - now < budget ? deadline : now + budget;
}

void DynamoDbStore::Deliver(std::function<void()> answer) {
  if (settings_.executor != nullptr) return settings_.executor->Post(std::move(answer));
  answer();
}

void DynamoDbStore::Submit(Job job, bool is_hit) {
  if (settings_.workers == 0) {
    if (std::chrono::steady_clock::now() >= job.deadline) {
      return job.refuse(Status::Unavailable("the call came after its deadline; nothing was done"));
    }
    ClientLease client(*this);
    return job.run(*client);
  }
  Status refused;
  {
    std::lock_guard lock(queue_mutex_);
    if (closing_) {
      refused = Status::Unavailable("the store is closing; nothing was done");
    } else if (queue_.size() >= settings_.max_queued_hits) {
      refused = Status::Unavailable("too many calls are waiting for DynamoDB; nothing was done");
    } else {
      queue_.push_back(std::move(job));
      queue_ready_.notify_one();
      return;
    }
  }
  if (is_hit && settings_.metrics != nullptr) settings_.metrics->RecordRefusedHit();
  job.refuse(std::move(refused));
}

void DynamoDbStore::Increment(Hit hit, hitcounter::Deadline deadline, IncrementCallback done) {
  auto shared = std::make_shared<IncrementCallback>(std::move(done));
  PendingHit pending{std::move(hit.route), hit.now, hit.limit,
                     Within(deadline, settings_.call_timeout)};
  const Deadline job_deadline = pending.deadline;
  Submit(Job{job_deadline,
             [this, pending = std::move(pending), shared](AwsJsonClient& client) {
               Deliver([result = ApplyAndRecord(client, pending), shared]() mutable {
                 (*shared)(std::move(result));
               });
             },
             [this, shared](Status refusal) {
               Deliver([refusal = std::move(refusal), shared] { (*shared)(refusal); });
             }},
         /*is_hit=*/true);
}

void DynamoDbStore::Get(std::string route, hitcounter::Deadline deadline, GetCallback done) {
  auto shared = std::make_shared<GetCallback>(std::move(done));
  const Deadline within = Within(deadline, settings_.call_timeout);
  Submit(Job{within,
             [this, route = std::move(route), within, shared](AwsJsonClient& client) {
               Deliver([result = GetNow(client, route, within), shared]() mutable {
                 (*shared)(std::move(result));
               });
             },
             [this, shared](Status refusal) {
               Deliver([refusal = std::move(refusal), shared] { (*shared)(refusal); });
             }},
         /*is_hit=*/false);
}

void DynamoDbStore::List(StatsQuery query, hitcounter::Deadline deadline, ListCallback done) {
  const std::string key = ListingKey(query);
  if (settings_.listing_cache_ttl.count() > 0) {
    std::optional<StatsPage> cached;
    {
      std::lock_guard lock(cache_mutex_);
      auto found = listings_.find(key);
      if (found != listings_.end() && Fresh(found->second.scanned, settings_.listing_cache_ttl)) {
        cached = found->second.page;
      }
    }
    if (cached) {
      auto answer = std::make_shared<ListCallback>(std::move(done));
      return Deliver([page = std::move(*cached), answer]() mutable { (*answer)(std::move(page)); });
    }
  }
  auto shared = std::make_shared<ListCallback>(std::move(done));
  const Deadline within = Within(deadline, settings_.list_timeout);
  Submit(Job{within,
             [this, query = std::move(query), within, shared](AwsJsonClient& client) {
               Deliver([result = ListNow(client, query, within), shared]() mutable {
                 (*shared)(std::move(result));
               });
             },
             [this, shared](Status refusal) {
               Deliver([refusal = std::move(refusal), shared] { (*shared)(refusal); });
             }},
         /*is_hit=*/false);
}

StoreFigures DynamoDbStore::Figures() {
  StoreFigures figures;
  if (settings_.max_routes != kUnboundedRoutes) figures.max_routes = settings_.max_routes;
  return figures;
}

void DynamoDbStore::CheckHealth(hitcounter::Deadline deadline, HealthCallback done) {
  {
    std::lock_guard lock(cache_mutex_);
    if (last_health_ && Fresh(last_health_->checked, settings_.health_cache_ttl)) {
      auto answer = std::make_shared<HealthCallback>(std::move(done));
      return Deliver([health = last_health_->health, answer] { (*answer)(health); });
    }
  }
  auto shared = std::make_shared<HealthCallback>(std::move(done));
  const Deadline within = Within(deadline, settings_.call_timeout);
  Submit(Job{within,
             [this, within, shared](AwsJsonClient& client) {
               Deliver([result = CheckHealthNow(client, within), shared]() mutable {
                 (*shared)(std::move(result));
               });
             },
             [this, shared](Status refusal) {
               Deliver([refusal = std::move(refusal), shared] { (*shared)(refusal); });
             }},
         /*is_hit=*/false);
}

void DynamoDbStore::WorkerLoop() {
  std::unique_ptr<AwsJsonClient> client = NewClient();
  for (;;) {
    std::unique_lock lock(queue_mutex_);
    queue_ready_.wait(lock, [this] { return !queue_.empty() || closing_; });
    if (queue_.empty()) return;  // closing, and every queued call is done
    Job job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    if (std::chrono::steady_clock::now() >= job.deadline) {
      job.refuse(Status::Unavailable("the call waited too long for DynamoDB; nothing was done"));
    } else {
      job.run(*client);
    }
  }
}

Result<CountedHit> DynamoDbStore::ApplyAndRecord(AwsJsonClient& client, const PendingHit& hit) {
  if (settings_.metrics == nullptr) return Apply(client, hit);
  const auto started = std::chrono::steady_clock::now();
  Result<CountedHit> result = Apply(client, hit);
  // A rate limit's refusal or a count at its maximum are answers, not store failures.
  const StatusCode code = result.status().code();
  const bool failed = code != StatusCode::kOk && code != StatusCode::kResourceExhausted &&
                      code != StatusCode::kOutOfRange && code != StatusCode::kRouteLimitReached;
  settings_.metrics->RecordCommit(1, std::chrono::steady_clock::now() - started, failed);
  return result;
}

Result<CountedHit> DynamoDbStore::Apply(AwsJsonClient& client, const PendingHit& hit) {
  std::int64_t window_hits = 0;
  if (hit.limit) {
    Result<std::int64_t> claimed = ClaimWindow(client, hit);
    if (!claimed.ok()) return claimed.status();
    window_hits = *claimed;
  }
  Result<RouteStats> stats = Count(client, hit);
  if (hit.limit && stats.status().code() == StatusCode::kOutOfRange) {
    // The hit counted nothing: its place in the window goes back (a failure to give it back
    // only lets the window count fewer hits).
    (void)client.Call(
        "UpdateItem",
        dynamodb::ReleaseWindowRequest(settings_.table, hit.route, *hit.limit, hit.now),
        hit.deadline, Replay::kNever);
  }
  if (!stats.ok()) return stats.status();
  return CountedHit{std::move(stats).value(), window_hits};
}

// The current window's hits with this one, or kResourceExhausted when it is full. Tries the
// current window, then a new one, then the current one again (another process may have
// started it in between); failing all three, the window holds the limit already.
Result<std::int64_t> DynamoDbStore::ClaimWindow(AwsJsonClient& client, const PendingHit& hit) {
  for (bool current : {true, false, true}) {
    std::string request =
        current ? dynamodb::ClaimWindowRequest(settings_.table, hit.route, *hit.limit, hit.now)
                : dynamodb::StartWindowRequest(settings_.table, hit.route, *hit.limit, hit.now);
    AwsCallResult call = client.Call("UpdateItem", request, hit.deadline, Replay::kNever);
    if (ConditionFailed(call)) continue;
    if (!call.status.ok()) return Failure("UpdateItem", call);
    Result<std::int64_t> hits = dynamodb::ParseWindowHits(call.body);
    if (!hits.ok()) return Report(hits.status(), "corrupt window");
    return hits;
  }
  return Status::ResourceExhausted("the route's rate limit is reached in this window");
}

AwsCallResult DynamoDbStore::CallUpdateItem(AwsJsonClient& client, const PendingHit& hit,
                                            const std::string& request) {
  return client.Call("UpdateItem", request, hit.deadline, Replay::kNever);
}

Result<RouteStats> DynamoDbStore::Count(AwsJsonClient& client, const PendingHit& hit) {
  using dynamodb::RouteItem;
  const std::string& table = settings_.table;
  if (settings_.max_routes == kUnboundedRoutes) {
    return Counted(
        CallUpdateItem(client, hit, dynamodb::UpdateItemRequest(table, hit.route, hit.now)));
  }
  AwsCallResult call = CallUpdateItem(
      client, hit, dynamodb::UpdateItemRequest(table, hit.route, hit.now, RouteItem::kExisting));
  if (!ConditionFailed(call)) return Counted(std::move(call));
  // A new route (or one at its maximum count, which the last try below tells).
  AwsCallResult claim =
      CallUpdateItem(client, hit, dynamodb::ClaimRouteRequest(table, settings_.max_routes));
  if (ConditionFailed(claim)) {
    return Status::RouteLimitReached("hitcounter counts " + std::to_string(settings_.max_routes) +
                                     " routes already, its most; this new route was not counted");
  }
  if (!claim.status.ok()) return Failure("UpdateItem", claim);
  call = CallUpdateItem(client, hit,
                        dynamodb::UpdateItemRequest(table, hit.route, hit.now, RouteItem::kNew));
  if (!ConditionFailed(call)) return Counted(std::move(call));
  // Another process created the route meanwhile: give the room back and count on its item.
  AwsCallResult release = CallUpdateItem(client, hit, dynamodb::ReleaseRouteRequest(table));
  if (!release.status.ok()) return Failure("UpdateItem", release);
  return Counted(CallUpdateItem(
      client, hit, dynamodb::UpdateItemRequest(table, hit.route, hit.now, RouteItem::kExisting)));
}

// The record an UpdateItem of a hit answered with; a failed condition means a count at its
// maximum.
Result<RouteStats> DynamoDbStore::Counted(AwsCallResult call) {
  if (ConditionFailed(call)) {
    return Status::OutOfRange("the count of this route is at its maximum");
  }
  if (!call.status.ok()) return Failure("UpdateItem", call);
  Result<RouteStats> stats = dynamodb::ParseUpdateItemResponse(call.body);
  if (!stats.ok()) return Report(stats.status(), "corrupt item");
  MarkHealthy();
  return stats;
}

Result<RouteStats> DynamoDbStore::GetNow(AwsJsonClient& client, const std::string& route,
                                         Deadline deadline) {
  AwsCallResult call = client.Call("GetItem", dynamodb::GetItemRequest(settings_.table, route),
                                   deadline, Replay::kSafe);
  if (!call.status.ok()) return Failure("GetItem", call);
  Result<std::optional<RouteStats>> item = dynamodb::ParseGetItemResponse(call.body);
  if (!item.ok()) return Report(item.status(), "corrupt item");
  MarkHealthy();
  if (!*item) return Status::NotFound("this route was never hit");
  return **item;
}

Result<StatsPage> DynamoDbStore::ListNow(AwsJsonClient& client, const StatsQuery& query,
                                         Deadline deadline) {
  TopRoutes top(query);
  std::optional<std::string> start_after;
  std::int64_t scanned = 0;
  do {
    AwsCallResult call =
        client.Call("Scan", dynamodb::ScanRequest(settings_.table, query.prefix, start_after),
                    deadline, Replay::kSafe);
    if (!call.status.ok()) return Failure("Scan", call);
    Result<dynamodb::ScanPage> page = dynamodb::ParseScanResponse(call.body);
    if (!page.ok()) return Report(page.status(), "corrupt item");
    for (RouteStats& stats : page.value().items) top.Offer(std::move(stats));
    scanned += page->scanned_count;
    if (scanned > kMaxScannedItems) {
      return Status::Unavailable("DynamoDB table '" + settings_.table + "' holds more than " +
                                 std::to_string(kMaxScannedItems) +
                                 " routes: too many to sort for a listing");
    }
    start_after = std::move(page.value().last_evaluated_route);
  } while (start_after);
  MarkHealthy();
  StatsPage page = top.TakePage();
  if (settings_.listing_cache_ttl.count() > 0) {
    std::lock_guard lock(cache_mutex_);
    if (listings_.size() >= kMaxCachedListings && !listings_.contains(ListingKey(query))) {
      auto oldest = std::min_element(listings_.begin(), listings_.end(), [](auto& a, auto& b) {
        return a.second.scanned < b.second.scanned;
      });
      listings_.erase(oldest);
    }
    listings_[ListingKey(query)] = CachedListing{clock_.Now(), page};
  }
  return page;
}

Status DynamoDbStore::CheckHealthNow(AwsJsonClient& client, Deadline deadline) {
  Status health = DescribeHealth(client, deadline);
  std::lock_guard lock(cache_mutex_);
  last_health_ = CachedHealth{clock_.Now(), health};
  return health;
}

Status DynamoDbStore::DescribeHealth(AwsJsonClient& client, Deadline deadline) {
  AwsCallResult call = client.Call("DescribeTable", dynamodb::DescribeTableRequest(settings_.table),
                                   deadline, Replay::kSafe);
  if (!call.status.ok()) return Failure("DescribeTable", call);
  Result<dynamodb::TableDescription> table = dynamodb::ParseTableDescription(call.body);
  if (!table.ok()) return Report(table.status(), "corrupt description");
  if (table->status != "ACTIVE" && table->status != "UPDATING") {
    return Report(Status::Unavailable("DynamoDB table '" + settings_.table + "' is " +
                                      table->status + ", not ACTIVE"),
                  "table " + table->status);
  }
  MarkHealthy();
  return Status::Ok();
}

Status DynamoDbStore::Failure(std::string_view operation, const AwsCallResult& call) {
  {
    // A failed call is news a cached health answer has not heard: the next check asks again.
    std::lock_guard lock(cache_mutex_);
    last_health_.reset();
  }
  std::string kind = std::string(operation) + " " + (call.error ? call.error->type : "transport");
  return Report(
      Status::Unavailable("DynamoDB table '" + settings_.table + "' in region " +
                          settings_.service.region + " (" + settings_.service.endpoint.Url() +
                          "): " + call.status.message()),
      kind);
}

Status DynamoDbStore::Report(Status status, std::string_view kind) {
  std::lock_guard lock(log_mutex_);
  if (last_logged_ != kind) {
    last_logged_ = std::string(kind);
    LogError(settings_, status.message());
  }
  return status;
}

void DynamoDbStore::MarkHealthy() {
  {
    std::lock_guard lock(log_mutex_);
    last_logged_.clear();
  }
  // A call that succeeded says as much as a DescribeTable would: health need not ask.
  std::lock_guard lock(cache_mutex_);
  last_health_ = CachedHealth{clock_.Now(), Status::Ok()};
}

bool DynamoDbStore::Fresh(UnixMillis at, std::chrono::milliseconds ttl) const {
  const UnixMillis now = clock_.Now();
  return now >= at && now - at < ttl.count();
}

}  // namespace hitcounter

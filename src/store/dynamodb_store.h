// DynamoDbStore: the counters in a DynamoDB table (or any DynamoDB-API engine), shared by as
// many hitcounter processes as you like with exact counts.
//
// One hit is one UpdateItem (ADD count 1, SET lastAccess, firstSeen if absent, ALL_NEW): atomic
// on DynamoDB's side, so concurrent hits from any number of processes never lose a count. With
// workers (`serve`), at most one such UpdateItem per route is in flight: hits arriving meanwhile
// ride on the next one (ADD count n) and get the returned count minus their place in the group,
// so a hot route costs at most one write per round trip per process (coalesce_hits below). The
// count cannot pass INT64_MAX (kOutOfRange). Get is a strongly consistent GetItem; CheckHealth a
// DescribeTable. List scans the table (DynamoDB cannot sort): see List below and
// docs/DYNAMODB.md for its cost.
//
// Bounded routes (settings.max_routes): a hit first updates only an existing item; when the
// route is new, it claims room in the route total with a conditional UpdateItem, then creates
// the item only if it is still missing, giving the room back if another process created it
// first. Hits on known routes cost what they cost unbounded; a new route costs three writes,
// a refused one two. Room claimed by a process that died, or whose create got no answer, is
// not given back; and while racing first hits on one new route each hold room, other new
// routes may be refused: near the bound it can be reached a little early, never passed. A
// limited hit refused as a new route too many leaves its window item to expire (TTL).
//
// A rate-limited hit first claims a place in its route's window item (dynamodb_json.h) with a
// conditional UpdateItem, and is counted only once it has one: no window ever holds more than
// the limit, whatever the number of processes. That is one more round trip per limited hit. A
// refused hit is decided by that one call where the engine returns the item of a failed
// condition (ClaimWindow in the .cc). A claimed place whose count then fails stays used: the
// window can only count fewer hits.
//
// Threads. No call blocks its caller (the standalone server calls from its only I/O thread):
// calls go to a bounded queue served by `workers` threads, each with its own kept-alive
// connection; a full queue refuses the call at once with kUnavailable. With workers = 0
// ("inline", for the Lambda front end, which serves one request at a time), every call runs on
// the caller's thread and answers before it returns. Answers run on settings.executor when
// given, else on the worker (or the caller's thread, inline).
//
// Throttling and 5xx answers are retried (aws/json_client.h) within one retry budget shared by
// every call of the store (aws/retry_quota.h): once a throttled key or an outage has spent it,
// hits fail at their first answer (a 503 with Retry-After) until successes refill it, so the
// servers do not multiply the load on DynamoDB when it can least take it.
//
// Failures are values: kUnavailable with a message naming the table and region (missing table,
// bad credentials, validation errors, the engine down...), logged to stderr as one JSON line
// when a new kind of failure starts (not once per hit). Which failed hits may still have been
// counted is explained in aws/json_client.h.
//
// Thread safety: every method may be called from any thread. Callbacks run on a worker thread
// (or on the caller's, inline) and should not block for long: they hold that worker.
#ifndef HITCOUNTER_STORE_DYNAMODB_STORE_H_
#define HITCOUNTER_STORE_DYNAMODB_STORE_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "aws/aws_config.h"
#include "aws/http_client.h"
#include "aws/json_client.h"
#include "aws/retry_quota.h"
#include "hitcounter/clock.h"
#include "hitcounter/executor.h"
#include "hitcounter/metrics.h"
#include "hitcounter/store.h"
#include "store/dynamodb_json.h"

namespace hitcounter {

// Hits in flight to DynamoDB at once, one connection each. A hit takes one round trip (~3-10 ms
// in-region), so 16 workers carry a few thousand hits per second, more than one server process
// handles; more would only open more connections.
inline constexpr std::size_t kDefaultDynamoDbWorkers = 16;

// Hits waiting for a worker. Past it DynamoDB is not keeping up (throttling, an outage), and new
// hits get kUnavailable at once instead of queueing without bound.
inline constexpr std::size_t kDefaultDynamoDbMaxQueuedHits = 10'000;

// The longest one Increment, Get or CheckHealth may take, queueing and retries included.
inline constexpr std::chrono::milliseconds kDefaultDynamoDbCallTimeout{5'000};

// The longest one List (or Delete: a DeleteItem and more per route) may take: it scans the whole
// table (about 20 pages of 1 MB at the kMaxScannedItems cap).
inline constexpr std::chrono::milliseconds kDefaultDynamoDbListTimeout{30'000};

// The most items one List reads: the default most routes, a rate-limit window for each and the
// route total. Each listing scans the whole table and sorts in memory, so the cost grows with
// the table: 100,000 routes of ~100 bytes are ~10 MB read, ~2,500 read units per listing
// (strongly consistent). Bigger tables get kUnavailable instead of a slow, costly scan.
inline constexpr std::int64_t kMaxScannedItems = 2 * kDefaultMaxRoutes + 1;

// How long CheckHealth answers with its last DescribeTable answer instead of asking again: a
// load balancer or an uptime check probing every second costs one call per 5 s.
inline constexpr std::chrono::milliseconds kDefaultHealthCacheTtl{5'000};

// The most listings kept (DynamoDbSettings::listing_cache_ttl); the oldest goes first.
inline constexpr std::size_t kMaxCachedListings = 16;

struct DynamoDbSettings {
  std::string table;
  aws::ServiceSettings service;                   // region, endpoint, credentials, CA bundle
  std::size_t workers = kDefaultDynamoDbWorkers;  // 0: run Increment on the caller's thread
  std::size_t max_queued_hits = kDefaultDynamoDbMaxQueuedHits;
  std::chrono::milliseconds call_timeout = kDefaultDynamoDbCallTimeout;
  std::chrono::milliseconds list_timeout = kDefaultDynamoDbListTimeout;
  // A listing (one page of one query) is answered from memory for this long after its scan,
  // so a dashboard refreshing every few seconds does not rescan the table each time (each scan
  // reads every item). 0: every listing scans. The Lambda function sets it
  // (kFunctionListingCacheSeconds); `serve` leaves it 0.
  std::chrono::milliseconds listing_cache_ttl{0};
  std::chrono::milliseconds health_cache_ttl = kDefaultHealthCacheTtl;
  // When set (it must outlive the store), each hit is recorded as a commit of one hit: its
  // DynamoDB time (window claim and count) and whether it failed; refused hits too.
  Metrics* metrics = nullptr;
  // New routes are refused once the table's route total (dynamodb_json.h) reaches this;
  // kUnboundedRoutes: never, and no route total is kept.
  std::int64_t max_routes = kUnboundedRoutes;
  // Where answers run; must outlive the store. Null: on the thread that made the call to
  // DynamoDB (a worker, or the caller's when inline).
  Executor* executor = nullptr;
  // With workers (`serve`), at most one hit UpdateItem per route is in flight: hits that come
  // meanwhile ride on the next one together (ADD n), each answered with its own exact count.
  // Rate-limited hits do not ride (each claims its own place in the window). false: one
  // UpdateItem per hit, for measuring what coalescing saves (kCoalesceHitsVariable).
  bool coalesce_hits = true;
};

// An environment variable for tests and benchmarks only: "0" turns coalesce_hits off in
// ResolveDynamoDbSettings, so a benchmark can compare both ways through the same binary.
inline constexpr std::string_view kCoalesceHitsVariable = "HITCOUNTER_TEST_COALESCE_HITS";

// kInvalidArgument unless `table` is a valid DynamoDB table name (3-255 of a-z A-Z 0-9 _ - .).
Status ValidateTableName(std::string_view table);

// The settings for `table`, with region, endpoint and credentials from `overrides` (command-line
// flags), `env` and `credentials_for` as aws::ResolveServiceSettings describes.
// kInvalidArgument naming what is missing or wrong.
Result<DynamoDbSettings> ResolveDynamoDbSettings(std::string table, const aws::Overrides& overrides,
                                                 const aws::Environment& env,
                                                 const aws::CredentialsResolver& credentials_for);

class DynamoDbStore final : public Store {
 public:
  // A store on settings.table. Does not contact DynamoDB (call CheckHealth for that); fails only
  // on bad settings (kInvalidArgument: table name, CA bundle).
  static Result<std::unique_ptr<DynamoDbStore>> Open(DynamoDbSettings settings);

  // The same over transports from `transports` and signing times from `clock` (must outlive
  // the store). For tests.
  static Result<std::unique_ptr<DynamoDbStore>> Open(DynamoDbSettings settings,
                                                     aws::TransportFactory transports,
                                                     const Clock& clock);

  // Finishes the queued hits (each within its deadline), then stops the workers.
  ~DynamoDbStore() override;

  // Every call ends by the earlier of its deadline and its own timeout (call_timeout; a
  // listing's list_timeout), queueing and retries included.
  void Increment(Hit hit, Deadline deadline, IncrementCallback done) override;
  // A strongly consistent GetItem.
  void Get(std::string route, Deadline deadline, GetCallback done) override;
  // Scans every item under query.prefix (up to kMaxScannedItems read), keeps the page asked
  // for in memory and returns it: same order, ties and keyset cursors as every store.
  void List(StatsQuery query, Deadline deadline, ListCallback done) override;
  // One DeleteItem per route (ReturnValues ALL_OLD, never replayed), one for its rate-limit
  // window, and one conditional UpdateItem giving its room back to the route total (when the
  // table keeps one, whatever this store's max_routes: other processes may bound it); all
  // within list_timeout. The first failure ends the call (the routes before it are deleted).
  // Forgets this store's cached listings; other processes' caches (the Lambda function's other
  // instances) keep showing the routes for up to their listing_cache_ttl.
  void Delete(std::vector<std::string> routes, Deadline deadline, DeleteCallback done) override;
  // One UpdateItem per record (ReturnValues ALL_OLD, never replayed: created or updated), as a
  // hit's Count is for a new route when max_routes bounds the table; with kAdd, two more
  // conditional UpdateItems widen an existing item's times. Within list_timeout; the first
  // failure ends the call, with the records before it written. Forgets the cached listings.
  void Import(std::vector<RouteStats> records, ImportMode mode, Deadline deadline,
              ImportCallback done) override;
  // OK when DescribeTable says the table is ACTIVE (or UPDATING, which still serves); its
  // answer is reused for health_cache_ttl.
  void CheckHealth(Deadline deadline, HealthCallback done) override;
  // The bound on routes (the count of routes lives in the table, in the route total), and the
  // hits waiting for their route's next UpdateItem (coalesce_hits) against max_queued_hits.
  StoreFigures Figures() override;

  // Opens one connection to the endpoint (TCP, and TLS for https) by `deadline` and leaves it in
  // the pool of idle connections, where the next call on the caller's thread (Get, List,
  // CheckHealth, inline Increment) takes it: that call then pays no handshake. Sends no request.
  // kUnavailable when the endpoint cannot be reached (nothing is pooled then). The Lambda front
  // end calls it on a thread of its own while the runtime waits for its first event.
  Status Preconnect(aws::Deadline deadline);

 private:
  // The hits one UpdateItem counts: one, or a group that rode together (`hits` of them, the
  // earliest at `first`, the latest at `now`, the write bound by the earliest deadline).
  struct PendingHit {
    std::string route;
    UnixMillis now;
    std::optional<RateLimit> limit;
    aws::Deadline deadline;
    std::int64_t hits;
    UnixMillis first;

    dynamodb::HitBatch Batch() const { return {hits, first, now}; }
  };
  // A hit waiting for its route's next UpdateItem.
  struct Rider {
    UnixMillis now;
    aws::Deadline deadline;
    std::shared_ptr<IncrementCallback> done;
  };
  // One call waiting for a worker: `run` makes it with a worker's client; `refuse` answers it
  // when it cannot be made (queue full, closing, deadline passed in the queue).
  struct Job {
    aws::Deadline deadline;
    std::function<void(aws::AwsJsonClient&)> run;
    std::function<void(Status)> refuse;
  };
  class ClientLease;

  DynamoDbStore(DynamoDbSettings settings, aws::TransportFactory transports,
                std::unique_ptr<Clock> owned_clock, const Clock& clock);
  std::unique_ptr<aws::AwsJsonClient> NewClient();
  static aws::Deadline Within(Deadline deadline, std::chrono::milliseconds budget);
  // Runs `job` inline, or queues it for a worker (refusing it when the queue is full).
  void Submit(Job job, bool is_hit);
  // Runs `answer` on the executor, or here.
  void Deliver(std::function<void()> answer);
  Result<RouteStats> GetNow(aws::AwsJsonClient& client, const std::string& route,
                            aws::Deadline deadline);
  Result<StatsPage> ListNow(aws::AwsJsonClient& client, const StatsQuery& query,
                            aws::Deadline deadline);
  Status CheckHealthNow(aws::AwsJsonClient& client, aws::Deadline deadline);
  // dynamodb_delete.cc
  Result<ImportedRoutes> ImportNow(aws::AwsJsonClient& client,
                                   const std::vector<RouteStats>& records, ImportMode mode,
                                   aws::Deadline deadline);
  Result<bool> ImportOne(aws::AwsJsonClient& client, const RouteStats& record, ImportMode mode,
                         aws::Deadline deadline);
  Result<DeletedRoutes> DeleteNow(aws::AwsJsonClient& client,
                                  const std::vector<std::string>& routes, aws::Deadline deadline);
  Status DescribeHealth(aws::AwsJsonClient& client, aws::Deadline deadline);
  void WorkerLoop();
  // Coalescing: sends `rider` with a new UpdateItem of its route when none is in flight, else
  // queues it on the route's lane for the next one.
  void Ride(std::string route, Rider rider);
  // Queues one UpdateItem for `group` (its route's lane is marked in flight).
  void SubmitGroup(std::string route, std::vector<Rider> group);
  // The hits waiting on the route's lane, taken; none (and the lane cleared: no write in
  // flight) when none waits.
  std::vector<Rider> TakeWaiting(const std::string& route);
  // A group was refused without a write: queues the hits that waited meanwhile as the next.
  void NextGroup(const std::string& route);
  // Counts `group`, then the hits that waited meanwhile, and so on until none waits.
  void CountGroup(aws::AwsJsonClient& client, const std::string& route, std::vector<Rider> group);
  // Counts `group` with one UpdateItem (ADD n) and answers each of its hits.
  void CountOneGroup(aws::AwsJsonClient& client, const std::string& route,
                     std::vector<Rider> group);
  Result<CountedHit> ApplyAndRecord(aws::AwsJsonClient& client, const PendingHit& hit);
  Result<CountedHit> Apply(aws::AwsJsonClient& client, const PendingHit& hit);
  Result<std::int64_t> ClaimWindow(aws::AwsJsonClient& client, const PendingHit& hit);
  Result<RouteStats> Count(aws::AwsJsonClient& client, const PendingHit& hit);
  Result<RouteStats> Counted(aws::AwsCallResult call);
  aws::AwsCallResult CallUpdateItem(aws::AwsJsonClient& client, const PendingHit& hit,
                                    const std::string& request);
  Status Failure(std::string_view operation, const aws::AwsCallResult& call);
  Status Report(Status status, std::string_view kind);
  void MarkHealthy();

  const DynamoDbSettings settings_;
  const aws::TransportFactory transports_;
  const std::unique_ptr<Clock> owned_clock_;  // the SystemClock when none was given
  const Clock& clock_;
  // The retry budget of every client of this store (aws/retry_quota.h): one store per process,
  // so one budget per process.
  const std::shared_ptr<aws::RetryQuota> retry_quota_ = std::make_shared<aws::RetryQuota>();

  std::mutex idle_mutex_;  // guards idle_clients_
  std::vector<std::unique_ptr<aws::AwsJsonClient>> idle_clients_;

  std::mutex log_mutex_;     // guards last_logged_
  std::string last_logged_;  // the kind of failure logged last; empty after a success

  // Whether an answer of `at` is still fresh `ttl` later by clock_ (a clock set back is stale).
  bool Fresh(UnixMillis at, std::chrono::milliseconds ttl) const;

  struct CachedListing {
    UnixMillis scanned;
    StatsPage page;
  };
  struct CachedHealth {
    UnixMillis checked;
    Status health;
  };
  std::mutex cache_mutex_;                         // guards the two caches below
  std::map<std::string, CachedListing> listings_;  // by the query's text (ListingKey)
  std::optional<CachedHealth> last_health_;

  // Coalescing (settings.coalesce_hits): a lane for each route with an UpdateItem in flight,
  // holding the hits that will ride on the next one.
  std::mutex lanes_mutex_;  // guards the two below
  std::unordered_map<std::string, std::vector<Rider>> lanes_;
  std::size_t riders_waiting_ = 0;  // in every lane; bounded by settings.max_queued_hits

  std::mutex queue_mutex_;
  std::condition_variable queue_ready_;
  std::deque<Job> queue_;
  bool closing_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace hitcounter

#endif  // HITCOUNTER_STORE_DYNAMODB_STORE_H_

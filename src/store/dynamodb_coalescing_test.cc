// The DynamoDB store's hot-route behaviour over a fake engine: hits coalesced into one
// UpdateItem per route in flight, each answered with its exact count; what happens to a group
// whose write fails or whose hits outwait their deadline; and the retry budget under a
// throttled key.
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "aws/credentials_provider.h"
#include "store/dynamodb_json.h"
#include "store/dynamodb_store.h"

namespace hitcounter {
namespace {

using std::chrono::milliseconds;

constexpr UnixMillis kT0 = 1'795'701'907'123;

const std::string kThrottled =
    R"({"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",)"
    R"("message":"slow down"})";

// The text between `"<name>":{"<type>":"` and the next quote in a request body.
std::string Typed(const std::string& body, const std::string& name, const std::string& type) {
  const std::string marker = "\"" + name + "\":{\"" + type + "\":\"";
  const std::size_t at = body.find(marker);
  if (at == std::string::npos) return "";
  const std::size_t start = at + marker.size();
  return body.substr(start, body.find('"', start) - start);
}

// A DynamoDB stand-in that counts: UpdateItem ADDs :n to its route's count and answers ALL_NEW.
// While the gate is closed, requests wait in it. `throttled` routes are always refused with a
// throttling error; the request numbered `fail_post` (from 1, in the order they came) answers
// 500 and changes nothing.
struct Engine {
  std::mutex mutex;
  std::condition_variable changed;
  bool open = true;
  int waiting = 0;
  int posts = 0;
  int fail_post = 0;
  std::set<std::string> throttled;
  std::map<std::string, std::int64_t> counts;
  std::vector<std::int64_t> batch_sizes;  // :n of each UpdateItem applied

  void WaitForWaiting(int n) {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return waiting == n; });
  }
  void SetOpen(bool is_open) {
    std::lock_guard lock(mutex);
    open = is_open;
    changed.notify_all();
  }
};

class EngineTransport final : public aws::HttpTransport {
 public:
  explicit EngineTransport(Engine& engine) : engine_(engine) {}
  aws::HttpOutcome Post(const aws::HttpRequest& request, aws::Deadline) override {
    std::unique_lock lock(engine_.mutex);
    const int post = ++engine_.posts;
    ++engine_.waiting;
    engine_.changed.notify_all();
    engine_.changed.wait(lock, [this] { return engine_.open; });
    --engine_.waiting;
    engine_.changed.notify_all();
    const std::string route = Typed(request.body, "route", "S");
    if (engine_.throttled.contains(route)) return Answer(400, kThrottled);
    if (post == engine_.fail_post) {
      return Answer(500, R"({"__type":"x#InternalServerError","message":"down"})");
    }
    const std::int64_t n = std::stoll(Typed(request.body, ":n", "N"));
    engine_.batch_sizes.push_back(n);
    const std::int64_t count = engine_.counts[route] += n;
    return Answer(200, R"({"Attributes":{"route":{"S":")" + route + R"("},"count":{"N":")" +
                           std::to_string(count) +
                           R"("},"firstSeen":{"N":"1"},"lastAccess":{"N":"2"}}})");
  }

 private:
  static aws::HttpOutcome Answer(unsigned status, std::string body) {
    return {Status::Ok(), true, {status, std::move(body)}};
  }
  Engine& engine_;
};

class DynamoDbCoalescingTest : public ::testing::Test {
 protected:
  std::unique_ptr<DynamoDbStore> Open(std::size_t workers, bool coalesce = true) {
    DynamoDbSettings settings;
    settings.table = "counters";
    settings.service = {"us-east-1", aws::Endpoint{false, "localhost", 8000},
                        aws::StaticCredentials({"A", "S", ""}), ""};
    settings.workers = workers;
    settings.coalesce_hits = coalesce;
    auto transports = [this] { return std::make_unique<EngineTransport>(engine_); };
    return std::move(DynamoDbStore::Open(settings, transports, clock_)).value();
  }

  // Sends one hit; its answer arrives in the returned future.
  static std::future<Result<CountedHit>> Send(Store& store, const std::string& route,
                                              Deadline deadline = kNoDeadline) {
    auto promise = std::make_shared<std::promise<Result<CountedHit>>>();
    std::future<Result<CountedHit>> answer = promise->get_future();
    store.Increment(Hit{route, kT0, std::nullopt}, deadline,
                    [promise](Result<CountedHit> hit) { promise->set_value(std::move(hit)); });
    return answer;
  }

  Engine engine_;
  FakeClock clock_{kT0};
};

TEST_F(DynamoDbCoalescingTest, HitsThatComeWhileTheRouteIsWrittenRideOnOneWriteWithExactCounts) {
  auto store = Open(/*workers=*/4);
  engine_.SetOpen(false);
  std::vector<std::future<Result<CountedHit>>> answers;
  answers.push_back(Send(*store, "/hot"));
  engine_.WaitForWaiting(1);
  for (int i = 0; i < 9; ++i) answers.push_back(Send(*store, "/hot"));
  answers.push_back(Send(*store, "/cold"));  // another route does not wait for /hot
  engine_.WaitForWaiting(2);
  engine_.SetOpen(true);
  std::vector<std::int64_t> counts;
  for (std::size_t i = 0; i < 10; ++i) {
    Result<CountedHit> hit = answers[i].get();
    ASSERT_TRUE(hit.ok()) << hit.status().message();
    counts.push_back(hit->stats.count);
  }
  ASSERT_TRUE(answers[10].get().ok());
  EXPECT_EQ(counts, (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}))
      << "each hit its own count, in the order the hits came";
  EXPECT_EQ(engine_.posts, 3) << "/hot twice (1, then the 9 that waited), /cold once";
  EXPECT_EQ(engine_.counts["/hot"], 10);
  EXPECT_TRUE(std::find(engine_.batch_sizes.begin(), engine_.batch_sizes.end(), 9) !=
              engine_.batch_sizes.end());
}

TEST_F(DynamoDbCoalescingTest, WithCoalescingOffEveryHitIsItsOwnWrite) {
  auto store = Open(/*workers=*/4, /*coalesce=*/false);
  engine_.SetOpen(false);
  std::vector<std::future<Result<CountedHit>>> answers;
  for (int i = 0; i < 4; ++i) answers.push_back(Send(*store, "/hot"));
  engine_.WaitForWaiting(4);
  engine_.SetOpen(true);
  std::set<std::int64_t> counts;
  for (auto& answer : answers) counts.insert(answer.get()->stats.count);
  EXPECT_EQ(counts, (std::set<std::int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(engine_.posts, 4);
}

TEST_F(DynamoDbCoalescingTest, AFailedGroupWriteAcknowledgesNoneOfItsHits) {
  auto store = Open(/*workers=*/2);
  engine_.fail_post = 2;  // the group's write
  engine_.SetOpen(false);
  std::future<Result<CountedHit>> head = Send(*store, "/hot");
  engine_.WaitForWaiting(1);
  std::vector<std::future<Result<CountedHit>>> group;
  for (int i = 0; i < 3; ++i) group.push_back(Send(*store, "/hot"));
  engine_.SetOpen(true);
  ASSERT_EQ(head.get()->stats.count, 1);
  for (auto& hit : group) {
    Result<CountedHit> answer = hit.get();
    EXPECT_EQ(answer.status().code(), StatusCode::kUnavailable) << "no hit of it acknowledged";
  }
  Result<CountedHit> next = Send(*store, "/hot").get();
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->stats.count, 2) << "the failed write counted nothing, and nothing says so";
}

TEST_F(DynamoDbCoalescingTest, AHitWhoseDeadlinePassesWhileItWaitsIsRefusedAndNotCounted) {
  auto store = Open(/*workers=*/2);
  engine_.SetOpen(false);
  std::future<Result<CountedHit>> head = Send(*store, "/hot");
  engine_.WaitForWaiting(1);
  std::future<Result<CountedHit>> hurried =
      Send(*store, "/hot", std::chrono::steady_clock::now() + milliseconds(20));
  std::future<Result<CountedHit>> patient = Send(*store, "/hot");
  std::this_thread::sleep_for(milliseconds(60));
  engine_.SetOpen(true);
  EXPECT_EQ(head.get()->stats.count, 1);
  Result<CountedHit> late = hurried.get();
  EXPECT_EQ(late.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(late.status().message().find("nothing was counted"), std::string::npos)
      << late.status().message();
  Result<CountedHit> counted = patient.get();
  ASSERT_TRUE(counted.ok());
  EXPECT_EQ(counted->stats.count, 2);
  EXPECT_EQ(engine_.counts["/hot"], 2);
  EXPECT_EQ(engine_.batch_sizes, (std::vector<std::int64_t>{1, 1}));
}

TEST_F(DynamoDbCoalescingTest, AThrottledKeySpendsTheRetryBudgetThenFailsAtItsFirstAnswer) {
  engine_.throttled.insert("/throttled");
  auto store = Open(/*workers=*/16, /*coalesce=*/false);
  constexpr int kHits = 400;
  std::vector<std::future<Result<CountedHit>>> answers;
  for (int i = 0; i < kHits; ++i) answers.push_back(Send(*store, "/throttled"));
  for (auto& answer : answers) EXPECT_EQ(answer.get().status().code(), StatusCode::kUnavailable);
  // Without a budget: kMaxAttempts per hit. With it: one attempt each, plus what the quota
  // allows (nothing refills it: no call succeeds).
  EXPECT_LE(engine_.posts, kHits + aws::kRetryQuotaCapacity / aws::kRetryCost);
  EXPECT_GE(engine_.posts, kHits + aws::kRetryQuotaCapacity / aws::kRetryCost / 2)
      << "retries were made while the budget lasted";
  // Another key is served at once, and successes refill the budget.
  Result<CountedHit> other = Send(*store, "/fine").get();
  ASSERT_TRUE(other.ok()) << other.status().message();
}

}  // namespace
}  // namespace hitcounter

// The DynamoDB store over a fake transport: queueing, deadlines and error mapping, without an
// engine.
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>

#include "aws/credentials_provider.h"
#include "store/dynamodb_store.h"
#include "tests/support/store_calls.h"

namespace hitcounter {
namespace {

using std::chrono::milliseconds;

constexpr UnixMillis kT0 = 1'795'701'907'123;

Result<CountedHit> IncrementAndWait(Store& store, std::string route, UnixMillis now,
                                    Deadline deadline = kNoDeadline) {
  return testing::IncrementNow(store, std::move(route), now, std::nullopt, deadline);
}

const std::string kCounted =
    R"({"Attributes":{"route":{"S":"/a"},"count":{"N":"1"},"firstSeen":{"N":"1"},)"
    R"("lastAccess":{"N":"1"}}})";

// Answers every request with `answer`, but only while the gate is open.
struct Gate {
  std::mutex mutex;
  std::condition_variable opened;
  bool open = true;
  int waiting = 0;
  int posts = 0;  // requests sent, answered or not
  unsigned status = 200;
  std::string answer = kCounted;
};

class GatedTransport final : public aws::HttpTransport {
 public:
  explicit GatedTransport(Gate& gate) : gate_(gate) {}
  aws::HttpOutcome Post(const aws::HttpRequest&, aws::Deadline) override {
    std::unique_lock lock(gate_.mutex);
    ++gate_.waiting;
    ++gate_.posts;
    gate_.opened.notify_all();
    gate_.opened.wait(lock, [this] { return gate_.open; });
    --gate_.waiting;
    return {Status::Ok(), true, {gate_.status, gate_.answer}};
  }

 private:
  Gate& gate_;
};

class DynamoDbStoreUnitTest : public ::testing::Test {
 protected:
  std::unique_ptr<DynamoDbStore> Open(std::size_t workers, std::size_t max_queued,
                                      DynamoDbSettings settings = {}) {
    settings.table = "counters";
    settings.service = {"us-east-1", aws::Endpoint{false, "localhost", 8000},
                        aws::StaticCredentials({"A", "S", ""}), ""};
    settings.workers = workers;
    settings.max_queued_hits = max_queued;
    auto transports = [this] { return std::make_unique<GatedTransport>(gate_); };
    return std::move(DynamoDbStore::Open(settings, transports, clock_)).value();
  }

  int Posts() {
    std::lock_guard lock(gate_.mutex);
    return gate_.posts;
  }

  void Close() {
    std::lock_guard lock(gate_.mutex);
    gate_.open = false;
  }
  void OpenGate() {
    std::lock_guard lock(gate_.mutex);
    gate_.open = true;
    gate_.opened.notify_all();
  }

  Gate gate_;
  FakeClock clock_{kT0};
};

TEST_F(DynamoDbStoreUnitTest, AFullQueueRefusesAtOnceWithoutBlockingTheCaller) {
  auto store = Open(/*workers=*/1, /*max_queued=*/2);
  Close();
  std::vector<std::future<Result<CountedHit>>> pending;
  auto hit = [&] {
    auto promise = std::make_shared<std::promise<Result<CountedHit>>>();
    pending.push_back(promise->get_future());
    store->Increment(Hit{"/a", kT0, std::nullopt}, kNoDeadline,
                     [promise](Result<CountedHit> r) { promise->set_value(r); });
  };
  hit();  // taken by the worker, which waits at the gate
  {
    std::unique_lock lock(gate_.mutex);
    gate_.opened.wait(lock, [this] { return gate_.waiting == 1; });
  }
  hit();
  hit();  // the queue is full now
  hit();
  ASSERT_EQ(pending[3].wait_for(milliseconds(0)), std::future_status::ready);
  Result<CountedHit> refused = pending[3].get();
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(refused.status().message().find("waiting"), std::string::npos);
  OpenGate();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(pending[static_cast<std::size_t>(i)].get().ok());
}

TEST_F(DynamoDbStoreUnitTest, AHitPastItsDeadlineIsNotSent) {
  auto store = Open(/*workers=*/0, 1);
  Result<CountedHit> late =
      IncrementAndWait(*store, "/a", kT0, std::chrono::steady_clock::now() - milliseconds(1));
  EXPECT_EQ(late.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(gate_.waiting, 0);
  EXPECT_TRUE(IncrementAndWait(*store, "/a", kT0).ok());
}

TEST_F(DynamoDbStoreUnitTest, AFailedConditionIsAnOverflow) {
  gate_.status = 400;
  gate_.answer = R"({"__type":"x#ConditionalCheckFailedException","message":"failed"})";
  auto store = Open(/*workers=*/2, 10);
  EXPECT_EQ(IncrementAndWait(*store, "/a", kT0).status().code(), StatusCode::kOutOfRange);
}

TEST_F(DynamoDbStoreUnitTest, BadCredentialsAreUnavailableNamingTableRegionAndCause) {
  gate_.status = 400;
  gate_.answer = R"({"__type":"x#UnrecognizedClientException","message":"bad token"})";
  auto store = Open(/*workers=*/0, 10);
  Status status = IncrementAndWait(*store, "/a", kT0).status();
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  for (const char* part : {"'counters'", "us-east-1", "UnrecognizedClientException", "bad token"}) {
    EXPECT_NE(status.message().find(part), std::string::npos) << status.message();
  }
}

TEST_F(DynamoDbStoreUnitTest, RefusesABadTableName) {
  DynamoDbSettings settings;
  settings.table = "a/b";
  auto transports = [this] { return std::make_unique<GatedTransport>(gate_); };
  EXPECT_EQ(DynamoDbStore::Open(settings, transports, clock_).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateTableName("ab").code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(ValidateTableName("hit-counter_v1.prod").ok());
}

TEST_F(DynamoDbStoreUnitTest, HealthAsksDynamoDbOncePerItsCacheTimeAndAgainAfterAFailedCall) {
  gate_.answer = R"({"Table":{"TableStatus":"ACTIVE"}})";
  auto store = Open(/*workers=*/0, 10);
  EXPECT_TRUE(testing::HealthNow(*store).ok());
  EXPECT_TRUE(testing::HealthNow(*store).ok());
  EXPECT_EQ(Posts(), 1);
  clock_.Advance(kDefaultHealthCacheTtl.count());
  EXPECT_TRUE(testing::HealthNow(*store).ok());
  EXPECT_EQ(Posts(), 2);

  gate_.status = 500;
  gate_.answer = R"({"__type":"x#InternalServerError","message":"down"})";
  EXPECT_FALSE(IncrementAndWait(*store, "/a", kT0).ok());
  const int after_failure = Posts();
  EXPECT_EQ(testing::HealthNow(*store).code(), StatusCode::kUnavailable);
  EXPECT_GT(Posts(), after_failure) << "a failed hit is news the cached answer had not heard";
}

TEST_F(DynamoDbStoreUnitTest, ACountedHitAnswersForHealthUntilTheCacheTimeEnds) {
  auto store = Open(/*workers=*/0, 10);
  ASSERT_TRUE(IncrementAndWait(*store, "/a", kT0).ok());
  gate_.status = 500;  // DynamoDB would now fail a DescribeTable
  EXPECT_TRUE(testing::HealthNow(*store).ok());
  EXPECT_EQ(Posts(), 1);
  clock_.Set(kT0 - 1);  // a clock set back makes every cached answer stale
  EXPECT_FALSE(testing::HealthNow(*store).ok());
}

TEST_F(DynamoDbStoreUnitTest, ARepeatedListingIsAnsweredFromMemoryForItsCacheTimeOnly) {
  gate_.answer = R"({"Items":[],"Count":0,"ScannedCount":0})";
  DynamoDbSettings settings;
  settings.listing_cache_ttl = std::chrono::seconds(3);
  auto store = Open(/*workers=*/0, 10, settings);
  StatsQuery top;
  top.limit = 10;
  ASSERT_TRUE(testing::ListNow(*store, top).ok());
  ASSERT_TRUE(testing::ListNow(*store, top).ok());
  EXPECT_EQ(Posts(), 1);
  StatsQuery other = top;
  other.prefix = "/api";
  ASSERT_TRUE(testing::ListNow(*store, other).ok());
  EXPECT_EQ(Posts(), 2) << "another query is another listing";
  clock_.Advance(3'000);
  ASSERT_TRUE(testing::ListNow(*store, top).ok());
  EXPECT_EQ(Posts(), 3);
}

// Regression: a cached page without totals answered a listing that asked for them.
TEST_F(DynamoDbStoreUnitTest, ACachedListingWithoutTotalsDoesNotAnswerOneAskingForThem) {
  gate_.answer = R"({"Items":[],"Count":0,"ScannedCount":0})";
  DynamoDbSettings settings;
  settings.listing_cache_ttl = std::chrono::seconds(3);
  auto store = Open(/*workers=*/0, 10, settings);
  StatsQuery top;
  top.limit = 10;
  ASSERT_TRUE(testing::ListNow(*store, top).ok());
  top.with_totals = true;
  Result<StatsPage> page = testing::ListNow(*store, top);
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_EQ(page->totals, (RouteTotals{0, 0}));
  EXPECT_EQ(Posts(), 2);
}

TEST_F(DynamoDbStoreUnitTest, WithoutAListingCacheTimeEveryListingScans) {
  gate_.answer = R"({"Items":[],"Count":0,"ScannedCount":0})";
  auto store = Open(/*workers=*/0, 10);
  StatsQuery top;
  top.limit = 10;
  ASSERT_TRUE(testing::ListNow(*store, top).ok());
  ASSERT_TRUE(testing::ListNow(*store, top).ok());
  EXPECT_EQ(Posts(), 2);
}

}  // namespace
}  // namespace hitcounter

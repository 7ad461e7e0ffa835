// The DynamoDB store against real DynamoDB-API engines: the store contract on DynamoDB Local
// and on dynalite, then what only this store does (table creation, errors, overflow,
// connection reuse, sharing a table between stores).
#include "store/dynamodb_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <set>
#include <thread>

#include "store/dynamodb_test_support.h"
#include "tests/store_contract.h"

namespace hitcounter {
namespace {

using testing::GetNow;
using testing::HealthNow;
using testing::ListNow;

using testing::Engine;
using testing::FreshStore;
using testing::IncrementAndWait;
using testing::RawCall;
using testing::SettingsFor;
using testing::SharedEngine;
using testing::StoreContractTest;
using testing::StoreFactory;
using testing::UniqueTableName;

constexpr UnixMillis kT0 = 1'795'701'907'123;

INSTANTIATE_TEST_SUITE_P(DynamoDbLocal, StoreContractTest,
                         ::testing::Values(StoreFactory{
                             "dynamodb-local", [](std::int64_t max_routes) {
                               return std::unique_ptr<Store>(
                                   FreshStore(Engine::kDynamoDbLocal, 4, max_routes));
                             }}));

INSTANTIATE_TEST_SUITE_P(Dynalite, StoreContractTest,
                         ::testing::Values(StoreFactory{"dynalite", [](std::int64_t max_routes) {
                                                          return std::unique_ptr<Store>(FreshStore(
                                                              Engine::kDynalite, 4, max_routes));
                                                        }}));

class DynamoDbStoreTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    engine_ = SharedEngine(GetParam());
    ASSERT_NE(engine_, nullptr);
  }

  // Settings for a table that does not exist yet.
  DynamoDbSettings NewTableSettings() { return SettingsFor(*engine_, UniqueTableName("table")); }

  testing::LocalDynamoDb* engine_ = nullptr;
};

std::string EngineName(const ::testing::TestParamInfo<Engine>& info) {
  return info.param == Engine::kDynamoDbLocal ? "DynamoDbLocal" : "Dynalite";
}

INSTANTIATE_TEST_SUITE_P(Engines, DynamoDbStoreTest,
                         ::testing::Values(Engine::kDynamoDbLocal, Engine::kDynalite), EngineName);

TEST_P(DynamoDbStoreTest, CreateTableIsIdempotentAndLeavesAnActiveTable) {
  DynamoDbSettings settings = NewTableSettings();
  ASSERT_TRUE(CreateDynamoDbTable(settings, std::nullopt, testing::kTableWait).ok());
  Status again = CreateDynamoDbTable(settings, std::nullopt, testing::kTableWait);
  EXPECT_TRUE(again.ok()) << again.message();
  auto store = std::move(DynamoDbStore::Open(settings)).value();
  EXPECT_TRUE(HealthNow(*store).ok());
}

TEST_P(DynamoDbStoreTest, CreateTableMakesAProvisionedTableWhenAsked) {
  DynamoDbSettings settings = NewTableSettings();
  Status created =
      CreateDynamoDbTable(settings, dynamodb::ProvisionedCapacity{5, 7}, testing::kTableWait);
  ASSERT_TRUE(created.ok()) << created.message();
  aws::AwsCallResult described =
      RawCall(settings, "DescribeTable", dynamodb::DescribeTableRequest(settings.table));
  ASSERT_TRUE(described.status.ok());
  EXPECT_NE(described.body.find("\"WriteCapacityUnits\":7"), std::string::npos) << described.body;
}

TEST_P(DynamoDbStoreTest, CreateTableRefusesAnExistingTableWithAnotherKey) {
  DynamoDbSettings settings = NewTableSettings();
  const std::string other_key =
      R"({"TableName":")" + settings.table +
      R"(","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],)"
      R"("KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"})";
  ASSERT_TRUE(RawCall(settings, "CreateTable", other_key).status.ok());
  Status created = CreateDynamoDbTable(settings, std::nullopt, testing::kTableWait);
  EXPECT_EQ(created.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(created.message().find("'route'"), std::string::npos) << created.message();
}

TEST_P(DynamoDbStoreTest, AMissingTableIsAnErrorNamingTableAndRegionForEveryCall) {
  DynamoDbSettings settings = NewTableSettings();  // never created
  auto store = std::move(DynamoDbStore::Open(settings)).value();
  auto names_table_and_region = [&](const Status& status) {
    EXPECT_EQ(status.code(), StatusCode::kUnavailable);
    EXPECT_NE(status.message().find(settings.table), std::string::npos) << status.message();
    EXPECT_NE(status.message().find("us-east-1"), std::string::npos) << status.message();
    EXPECT_NE(status.message().find("ResourceNotFoundException"), std::string::npos);
  };
  names_table_and_region(IncrementAndWait(*store, "/a", kT0).status());
  names_table_and_region(GetNow(*store, "/a").status());
  names_table_and_region(ListNow(*store, StatsQuery{}).status());
  names_table_and_region(HealthNow(*store));
}

TEST_P(DynamoDbStoreTest, TheCountStopsAtInt64MaxWithOutOfRange) {
  DynamoDbSettings settings = NewTableSettings();
  ASSERT_TRUE(CreateDynamoDbTable(settings, std::nullopt, testing::kTableWait).ok());
  const std::string max = std::to_string(std::numeric_limits<std::int64_t>::max());
  const std::string put = R"({"TableName":")" + settings.table +
                          R"(","Item":{"route":{"S":"/full"},"count":{"N":")" + max +
                          R"("},"firstSeen":{"N":"1"},"lastAccess":{"N":"2"}}})";
  ASSERT_TRUE(RawCall(settings, "PutItem", put).status.ok());
  auto full = std::move(DynamoDbStore::Open(settings)).value();
  Result<RouteStats> hit = IncrementAndWait(*full, "/full", kT0);
  EXPECT_EQ(hit.status().code(), StatusCode::kOutOfRange) << hit.status().message();
  Result<RouteStats> stats = GetNow(*full, "/full");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(*stats, (RouteStats{"/full", std::numeric_limits<std::int64_t>::max(), 1, 2}));
}

// Regression: a hit refused with count_overflow kept the place it had claimed in its window.
TEST_P(DynamoDbStoreTest, AHitRefusedAtItsMaximumCountTakesNoPlaceInItsRateWindow) {
  DynamoDbSettings settings = NewTableSettings();
  ASSERT_TRUE(CreateDynamoDbTable(settings, std::nullopt, testing::kTableWait).ok());
  const std::string max = std::to_string(std::numeric_limits<std::int64_t>::max());
  ASSERT_TRUE(RawCall(settings, "PutItem",
                      R"({"TableName":")" + settings.table +
                          R"(","Item":{"route":{"S":"/full"},"count":{"N":")" + max +
                          R"("},"firstSeen":{"N":"1"},"lastAccess":{"N":"2"}}})")
                  .status.ok());
  auto store = std::move(DynamoDbStore::Open(settings)).value();
  const RateLimit one_per_hour{1, 3600};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(testing::IncrementNow(*store, "/full", kT0, one_per_hour).status().code(),
              StatusCode::kOutOfRange)
        << "attempt " << i << ": refused by the limit, so a refusal took a place";
  }
}

TEST_P(DynamoDbStoreTest, ACorruptItemIsAnInternalErrorNotAWrongCount) {
  DynamoDbSettings settings = NewTableSettings();
  ASSERT_TRUE(CreateDynamoDbTable(settings, std::nullopt, testing::kTableWait).ok());
  const std::string put = R"({"TableName":")" + settings.table +
                          R"(","Item":{"route":{"S":"/bad"},"count":{"S":"12abc"},)"
                          R"("firstSeen":{"N":"1"},"lastAccess":{"N":"2"}}})";
  ASSERT_TRUE(RawCall(settings, "PutItem", put).status.ok());
  auto store = std::move(DynamoDbStore::Open(settings)).value();
  EXPECT_EQ(GetNow(*store, "/bad").status().code(), StatusCode::kInternal);
  EXPECT_EQ(ListNow(*store, StatsQuery{}).status().code(), StatusCode::kInternal);
}

TEST_P(DynamoDbStoreTest, InlineModeAnswersOnTheCallersThreadOverOneKeptConnection) {
  DynamoDbSettings settings = NewTableSettings();
  settings.workers = 0;
  ASSERT_TRUE(CreateDynamoDbTable(settings, std::nullopt, testing::kTableWait).ok());
  std::vector<aws::HttpClient*> clients;
  aws::TransportFactory counting = [&]() -> std::unique_ptr<aws::HttpTransport> {
    auto client = std::make_unique<aws::HttpClient>(settings.service.endpoint, nullptr);
    clients.push_back(client.get());
    return client;
  };
  SystemClock clock;
  auto store = std::move(DynamoDbStore::Open(settings, counting, clock)).value();
  const std::thread::id caller = std::this_thread::get_id();
  for (int i = 1; i <= 20; ++i) {
    bool called = false;
    store->Increment(Hit{"/inline", kT0, std::nullopt}, kNoDeadline,
                     [&](Result<CountedHit> result) {
                       called = true;
                       EXPECT_EQ(std::this_thread::get_id(), caller);
                       ASSERT_TRUE(result.ok()) << result.status().message();
                       EXPECT_EQ(result->stats.count, i);
                     });
    EXPECT_TRUE(called) << "the callback ran after Increment returned";
  }
  ASSERT_EQ(clients.size(), 1u);
  EXPECT_EQ(clients[0]->connections_opened(), 1u);
}

// Counts the UpdateItem calls sent through it, passing every call to the engine.
class UpdateItemCounter final : public aws::HttpTransport {
 public:
  UpdateItemCounter(std::unique_ptr<aws::HttpTransport> inner, std::atomic<int>& updates)
      : inner_(std::move(inner)), updates_(updates) {}
  aws::HttpOutcome Post(const aws::HttpRequest& request, aws::Deadline deadline) override {
    for (const aws::Header& header : request.headers) {
      if (header.first == "X-Amz-Target" && header.second.ends_with(".UpdateItem")) ++updates_;
    }
    return inner_->Post(request, deadline);
  }

 private:
  std::unique_ptr<aws::HttpTransport> inner_;
  std::atomic<int>& updates_;
};

TEST_P(DynamoDbStoreTest, ARefusedLimitedHitCostsOneWriteWhereTheEngineReturnsTheFailedItem) {
  DynamoDbSettings settings = NewTableSettings();
  ASSERT_TRUE(CreateDynamoDbTable(settings, std::nullopt, testing::kTableWait).ok());
  std::atomic<int> updates{0};
  aws::TransportFactory http = std::move(aws::HttpClientFactory(settings.service)).value();
  aws::TransportFactory counting = [&] {
    return std::make_unique<UpdateItemCounter>(http(), updates);
  };
  SystemClock clock;
  auto store = std::move(DynamoDbStore::Open(settings, counting, clock)).value();
  const RateLimit two_per_hour{2, 3600};
  auto writes_of_one_hit = [&](StatusCode expected) {
    const int before = updates.load();
    Result<CountedHit> hit = testing::IncrementNow(*store, "/limited", kT0, two_per_hour);
    EXPECT_EQ(hit.status().code(), expected) << hit.status().message();
    return updates.load() - before;
  };
  EXPECT_EQ(writes_of_one_hit(StatusCode::kOk), 3) << "claim, start the window, count";
  EXPECT_EQ(writes_of_one_hit(StatusCode::kOk), 2) << "claim, count";
  // DynamoDB Local answers a failed condition with the item; dynalite 4 ignores the parameter,
  // and the store asks as before: claim, start, claim.
  const int refused_writes = GetParam() == Engine::kDynamoDbLocal ? 1 : 3;
  EXPECT_EQ(writes_of_one_hit(StatusCode::kResourceExhausted), refused_writes);
  EXPECT_EQ(writes_of_one_hit(StatusCode::kResourceExhausted), refused_writes);
  EXPECT_EQ(GetNow(*store, "/limited")->count, 2);
  // The next window starts afresh.
  const int before = updates.load();
  EXPECT_TRUE(testing::IncrementNow(*store, "/limited", kT0 + 3'600'000, two_per_hour).ok());
  EXPECT_EQ(updates.load() - before, 3) << "claim (an older window), start, count";
}

TEST_P(DynamoDbStoreTest, TwoStoresOnOneTableCountExactly) {
  DynamoDbSettings settings = NewTableSettings();
  ASSERT_TRUE(CreateDynamoDbTable(settings, std::nullopt, testing::kTableWait).ok());
  auto first = std::move(DynamoDbStore::Open(settings)).value();
  auto second = std::move(DynamoDbStore::Open(settings)).value();
  constexpr int kThreads = 8;
  constexpr int kHits = 40;
  std::vector<std::vector<std::int64_t>> counts(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Store& store = t % 2 == 0 ? static_cast<Store&>(*first) : *second;
      for (int i = 0; i < kHits; ++i) {
        Result<RouteStats> hit = IncrementAndWait(store, "/shared", kT0);
        if (hit.ok()) counts[static_cast<std::size_t>(t)].push_back(hit->count);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<std::int64_t> unique;
  for (const auto& per_thread : counts) unique.insert(per_thread.begin(), per_thread.end());
  EXPECT_EQ(unique.size(), static_cast<std::size_t>(kThreads * kHits));
  EXPECT_EQ(GetNow(*first, "/shared")->count, kThreads * kHits);
}

}  // namespace
}  // namespace hitcounter

// The DynamoDB store when its engine dies or hangs: every call fails with kUnavailable within
// its timeout (no crash, no hang), and the same store object counts again when the engine is
// back (its kept connection recovers). Each test starts its own engine, to kill it.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "store/dynamodb_store.h"
#include "store/dynamodb_test_support.h"
#include "tests/store_contract.h"

namespace hitcounter {
namespace {

using testing::GetNow;
using testing::HealthNow;
using testing::ListNow;

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using testing::Engine;
using testing::IncrementAndWait;
using testing::LocalDynamoDb;

constexpr UnixMillis kT0 = 1'795'701'907'123;
constexpr milliseconds kCallTimeout{2'000};
// Scheduling slack on a loaded 2-core machine, on top of the timeout.
constexpr milliseconds kSlack{1'500};

class DynamoDbFaultTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    std::string error;
    engine_ = LocalDynamoDb::Start(GetParam(), &error);
    ASSERT_NE(engine_, nullptr) << error;
    settings_ = testing::SettingsFor(*engine_, "faults");
    settings_.workers = 2;
    settings_.call_timeout = kCallTimeout;
    CreateTable();
    store_ = std::move(DynamoDbStore::Open(settings_)).value();
  }

  void CreateTable() {
    // A JVM that has just started can take seconds over its first calls on a loaded machine:
    // the table is made with a patient timeout, the store keeps the short one under test.
    DynamoDbSettings patient = settings_;
    patient.call_timeout = testing::kTableWait;
    Status created = CreateDynamoDbTable(patient, std::nullopt, testing::kTableWait);
    ASSERT_TRUE(created.ok()) << created.message();
  }

  // Increments once and checks it returned within the timeout.
  Result<RouteStats> TimedHit(const std::string& route) {
    const auto start = steady_clock::now();
    Result<RouteStats> result = IncrementAndWait(*store_, route, kT0);
    EXPECT_LE(steady_clock::now() - start, kCallTimeout + kSlack) << "a hit hung";
    return result;
  }

  std::unique_ptr<LocalDynamoDb> engine_;
  DynamoDbSettings settings_;
  std::unique_ptr<DynamoDbStore> store_;
};

std::string EngineName(const ::testing::TestParamInfo<Engine>& info) {
  return info.param == Engine::kDynamoDbLocal ? "DynamoDbLocal" : "Dynalite";
}

INSTANTIATE_TEST_SUITE_P(Engines, DynamoDbFaultTest,
                         ::testing::Values(Engine::kDynamoDbLocal, Engine::kDynalite), EngineName);

TEST_P(DynamoDbFaultTest, AKilledEngineGivesUnavailableAndTheSameStoreCountsWhenItIsBack) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(TimedHit("/f").ok());

  // Hits keep coming while the engine dies under them.
  std::atomic<bool> stop{false};
  std::atomic<int> unexpected{0};
  std::atomic<milliseconds::rep> slowest{0};
  std::thread hitter([&] {
    while (!stop) {
      const auto start = steady_clock::now();
      Result<RouteStats> result = IncrementAndWait(*store_, "/f", kT0);
      const auto took = std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);
      slowest = std::max(slowest.load(), took.count());
      if (!result.ok() && result.status().code() != StatusCode::kUnavailable) ++unexpected;
    }
  });
  std::this_thread::sleep_for(milliseconds(200));
  engine_->Kill();
  std::this_thread::sleep_for(milliseconds(500));
  stop = true;
  hitter.join();
  EXPECT_EQ(unexpected, 0);
  EXPECT_LE(slowest, (kCallTimeout + kSlack).count());

  Result<RouteStats> down = TimedHit("/f");
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(down.status().message().find("faults"), std::string::npos) << down.status().message();
  EXPECT_EQ(GetNow(*store_, "/f").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(HealthNow(*store_).code(), StatusCode::kUnavailable);

  std::string error;
  ASSERT_TRUE(engine_->Restart(&error)) << error;
  CreateTable();  // the engines keep tables in memory: the old one died with the process
  Result<RouteStats> back = TimedHit("/f");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->count, 1);
  EXPECT_TRUE(HealthNow(*store_).ok());
  EXPECT_EQ(GetNow(*store_, "/f")->count, 1);
}

TEST_P(DynamoDbFaultTest, AHungEngineTimesOutWithoutRetryingTheUnansweredHit) {
  ASSERT_TRUE(TimedHit("/h").ok());
  engine_->Pause();
  Result<RouteStats> hung = TimedHit("/h");
  EXPECT_EQ(hung.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(hung.status().message().find("may have been applied"), std::string::npos)
      << hung.status().message();
  engine_->Resume();
  // The unanswered UpdateItem reached the engine, which applies it once it runs again: that is
  // why the store never sends it twice (it would count the hit twice).
  Result<RouteStats> after = TimedHit("/h");
  ASSERT_TRUE(after.ok()) << after.status().message();
  EXPECT_GE(after->count, 2);
  EXPECT_LE(after->count, 3);
  EXPECT_TRUE(HealthNow(*store_).ok());
}

}  // namespace
}  // namespace hitcounter

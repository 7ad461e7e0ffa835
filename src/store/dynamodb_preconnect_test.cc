// DynamoDbStore::Preconnect over a fake transport: the connection it opens is the one the next
// call uses, and a failed one leaves nothing behind.
#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "aws/credentials_provider.h"
#include "store/dynamodb_store.h"
#include "tests/support/store_calls.h"

namespace hitcounter {
namespace {

constexpr UnixMillis kT0 = 1'795'701'907'123;

const std::string kCounted =
    R"({"Attributes":{"route":{"S":"/a"},"count":{"N":"1"},"firstSeen":{"N":"1"},)"
    R"("lastAccess":{"N":"1"}}})";

// What every transport the store made saw, by the order it was made in.
struct Ledger {
  std::mutex mutex;
  int made = 0;
  std::vector<int> connects;  // Connect calls per transport
  std::vector<int> posts;     // Post calls per transport
  bool reachable = true;
};

class RecordingTransport final : public aws::HttpTransport {
 public:
  RecordingTransport(Ledger& ledger, int index) : ledger_(ledger), index_(index) {}
  aws::HttpOutcome Post(const aws::HttpRequest&, aws::Deadline) override {
    std::lock_guard lock(ledger_.mutex);
    ++ledger_.posts[static_cast<std::size_t>(index_)];
    return {Status::Ok(), true, {200, kCounted}};
  }
  Status Connect(aws::Deadline) override {
    std::lock_guard lock(ledger_.mutex);
    ++ledger_.connects[static_cast<std::size_t>(index_)];
    return ledger_.reachable ? Status::Ok() : Status::Unavailable("cannot connect (fake)");
  }

 private:
  Ledger& ledger_;
  int index_;
};

std::unique_ptr<DynamoDbStore> OpenInline(Ledger& ledger, const Clock& clock) {
  DynamoDbSettings settings;
  settings.table = "counters";
  settings.service = {"us-east-1", aws::Endpoint{false, "localhost", 8000},
                      aws::StaticCredentials({"A", "S", ""}), ""};
  settings.workers = 0;  // as in the Lambda function
  auto transports = [&ledger]() -> std::unique_ptr<aws::HttpTransport> {
    std::lock_guard lock(ledger.mutex);
    ledger.connects.push_back(0);
    ledger.posts.push_back(0);
    return std::make_unique<RecordingTransport>(ledger, ledger.made++);
  };
  return std::move(DynamoDbStore::Open(settings, transports, clock)).value();
}

Result<CountedHit> IncrementAndWait(Store& store) {
  return testing::IncrementNow(store, "/a", kT0);
}

aws::Deadline Soon() { return std::chrono::steady_clock::now() + std::chrono::seconds(3); }

TEST(DynamoDbPreconnectTest, TheFirstHitUsesThePreOpenedConnection) {
  Ledger ledger;
  FakeClock clock{kT0};
  auto store = OpenInline(ledger, clock);
  ASSERT_TRUE(store->Preconnect(Soon()).ok());
  ASSERT_TRUE(IncrementAndWait(*store).ok());
  ASSERT_TRUE(IncrementAndWait(*store).ok());
  std::lock_guard lock(ledger.mutex);
  EXPECT_EQ(ledger.made, 1) << "the hits took the pooled client instead of making one";
  EXPECT_EQ(ledger.connects, std::vector<int>{1});
  EXPECT_EQ(ledger.posts, std::vector<int>{2});
}

TEST(DynamoDbPreconnectTest, APreconnectFromAnotherThreadIsHandedToTheCallingThread) {
  Ledger ledger;
  FakeClock clock{kT0};
  auto store = OpenInline(ledger, clock);
  std::thread warm([&store] { EXPECT_TRUE(store->Preconnect(Soon()).ok()); });
  warm.join();
  ASSERT_TRUE(IncrementAndWait(*store).ok());
  std::lock_guard lock(ledger.mutex);
  EXPECT_EQ(ledger.made, 1);
}

TEST(DynamoDbPreconnectTest, AFailedPreconnectPoolsNothingAndTheHitConnectsItself) {
  Ledger ledger;
  ledger.reachable = false;
  FakeClock clock{kT0};
  auto store = OpenInline(ledger, clock);
  EXPECT_EQ(store->Preconnect(Soon()).code(), StatusCode::kUnavailable);
  ASSERT_TRUE(IncrementAndWait(*store).ok());
  std::lock_guard lock(ledger.mutex);
  EXPECT_EQ(ledger.made, 2) << "the failed client must not be pooled";
  EXPECT_EQ(ledger.posts, (std::vector<int>{0, 1}));
}

}  // namespace
}  // namespace hitcounter

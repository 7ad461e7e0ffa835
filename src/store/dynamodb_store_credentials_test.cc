// The DynamoDB store signs every call with its credentials provider's current credentials, and
// a provider's failure is an unavailable store naming the table and the provider.
#include <gtest/gtest.h>

#include <mutex>

#include "aws/credentials_provider.h"
#include "store/dynamodb_store.h"
#include "tests/support/store_calls.h"

namespace hitcounter {
namespace {

constexpr UnixMillis kT0 = 1'795'701'907'123;

const std::string kCounted =
    R"({"Attributes":{"route":{"S":"/a"},"count":{"N":"1"},"firstSeen":{"N":"1"},)"
    R"("lastAccess":{"N":"1"}}})";

// Credentials the test replaces at will, or an error.
class SwitchableProvider final : public aws::CredentialsProvider {
 public:
  void Set(Result<aws::Credentials> next) {
    std::lock_guard lock(mutex_);
    if (next.ok()) {
      current_ = std::make_shared<const aws::Credentials>(*next);
      error_ = Status::Ok();
    } else {
      error_ = next.status();
    }
  }
  Result<std::shared_ptr<const aws::Credentials>> GetCredentials(aws::Deadline) override {
    std::lock_guard lock(mutex_);
    if (!error_.ok()) return error_;
    return current_;
  }
  std::string Name() const override { return "switchable test credentials"; }

 private:
  std::mutex mutex_;
  std::shared_ptr<const aws::Credentials> current_;
  Status error_;
};

// Records the access key of each request's signature and answers a count.
class KeyRecorder final : public aws::HttpTransport {
 public:
  explicit KeyRecorder(std::vector<std::string>& keys, std::mutex& mutex)
      : keys_(keys), mutex_(mutex) {}
  aws::HttpOutcome Post(const aws::HttpRequest& request, aws::Deadline) override {
    for (const auto& [name, value] : request.headers) {
      if (name != "Authorization") continue;
      const std::size_t start = value.find("Credential=") + 11;
      std::lock_guard lock(mutex_);
      keys_.push_back(value.substr(start, value.find('/', start) - start));
    }
    return {Status::Ok(), true, {200, kCounted}};
  }

 private:
  std::vector<std::string>& keys_;
  std::mutex& mutex_;
};

Result<CountedHit> HitNow(Store& store) { return testing::IncrementNow(store, "/a", kT0); }

class DynamoDbStoreCredentialsTest : public ::testing::Test {
 protected:
  std::unique_ptr<DynamoDbStore> Open(std::size_t workers) {
    DynamoDbSettings settings;
    settings.table = "counters";
    settings.service = {"us-east-1", aws::Endpoint{false, "localhost", 8000}, provider_, ""};
    settings.workers = workers;
    auto transports = [this] { return std::make_unique<KeyRecorder>(keys_, mutex_); };
    return std::move(DynamoDbStore::Open(settings, transports, clock_)).value();
  }
  std::vector<std::string> Keys() {
    std::lock_guard lock(mutex_);
    return keys_;
  }

  std::shared_ptr<SwitchableProvider> provider_ = std::make_shared<SwitchableProvider>();
  std::mutex mutex_;
  std::vector<std::string> keys_;
  FakeClock clock_{kT0};
};

TEST_F(DynamoDbStoreCredentialsTest, EachCallIsSignedWithTheProvidersCurrentCredentials) {
  for (std::size_t workers : {0u, 2u}) {
    std::unique_ptr<DynamoDbStore> store = Open(workers);
    provider_->Set(aws::Credentials{"KEY1", "secret1", "token1"});
    ASSERT_TRUE(HitNow(*store).ok());
    provider_->Set(aws::Credentials{"KEY2", "secret2", "token2"});  // rotated
    ASSERT_TRUE(HitNow(*store).ok());
    ASSERT_TRUE(HitNow(*store).ok());
    provider_->Set(aws::Credentials{"KEY3", "secret3", "token3"});
    ASSERT_TRUE(HitNow(*store).ok());
    EXPECT_EQ(Keys(), (std::vector<std::string>{"KEY1", "KEY2", "KEY2", "KEY3"}))
        << workers << " workers";
    std::lock_guard lock(mutex_);
    keys_.clear();
  }
}

TEST_F(DynamoDbStoreCredentialsTest, NoCredentialsMeansUnavailableNamingTableAndProvider) {
  std::unique_ptr<DynamoDbStore> store = Open(1);
  provider_->Set(Status::Unavailable("switchable test credentials: the metadata service is down"));
  Status status = HitNow(*store).status();
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  for (const char* part :
       {"'counters'", "us-east-1", "switchable test credentials", "the metadata service is down"}) {
    EXPECT_NE(status.message().find(part), std::string::npos) << status.message();
  }
  EXPECT_TRUE(Keys().empty()) << "nothing unsigned is sent";
}

}  // namespace
}  // namespace hitcounter

// The credentials cache: when it fetches, who waits, and what failures do. A scripted source
// and a fake clock: no network, no real waiting for expiry.
#include "aws/credentials_provider.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <functional>
#include <thread>

namespace hitcounter::aws {
namespace {

using std::chrono::milliseconds;

constexpr UnixMillis kT0 = 1'795'701'907'000;
constexpr UnixMillis kHour = 3'600'000;
constexpr UnixMillis kMinute = 60'000;

Deadline In(milliseconds budget) { return std::chrono::steady_clock::now() + budget; }

// Answers each Fetch with what `next` returns; can be held at a gate to stand for a slow fetch.
class ScriptedSource final : public CredentialsSource {
 public:
  struct Script {
    std::mutex mutex;
    std::condition_variable changed;
    bool held = false;
    bool fetching = false;
    int fetches = 0;
    std::function<Result<ExpiringCredentials>(int)> next;  // given the fetch's number, from 1
  };
  explicit ScriptedSource(Script& script) : script_(script) {}

  Result<ExpiringCredentials> Fetch() override {
    std::unique_lock lock(script_.mutex);
    const int number = ++script_.fetches;
    script_.fetching = true;
    script_.changed.notify_all();
    script_.changed.wait(lock, [this] { return !script_.held; });
    script_.fetching = false;
    return script_.next(number);
  }
  std::string Name() const override { return "scripted source"; }

 private:
  Script& script_;
};

ExpiringCredentials Numbered(int number, std::optional<UnixMillis> expiration) {
  return {{"KEY" + std::to_string(number), "secret" + std::to_string(number), "token"}, expiration};
}

class RefreshingCredentialsProviderTest : public ::testing::Test {
 protected:
  RefreshingCredentialsProviderTest()
      : provider_(std::make_unique<ScriptedSource>(script_), clock_) {
    // Each fetch gives credentials that live an hour from the fake now.
    script_.next = [this](int number) { return Numbered(number, clock_.Now() + kHour); };
  }

  std::string KeyNow(milliseconds budget = milliseconds(5'000)) {
    Result<std::shared_ptr<const Credentials>> got = provider_.GetCredentials(In(budget));
    return got.ok() ? (*got)->access_key_id : "error: " + got.status().message();
  }
  void Hold(bool held) {
    std::lock_guard lock(script_.mutex);
    script_.held = held;
    script_.changed.notify_all();
  }
  void WaitUntilFetching() {
    std::unique_lock lock(script_.mutex);
    script_.changed.wait(lock, [this] { return script_.fetching; });
  }
  void WaitForFetches(std::uint64_t count) {
    const auto give_up = std::chrono::steady_clock::now() + milliseconds(5'000);
    while (provider_.fetches() < count && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(milliseconds(1));
    }
    ASSERT_GE(provider_.fetches(), count);
  }

  FakeClock clock_{kT0};
  ScriptedSource::Script script_;
  RefreshingCredentialsProvider provider_;
};

TEST(StaticCredentialsProvider, HandsOutTheSameCredentialsEveryTime) {
  std::shared_ptr<CredentialsProvider> provider = StaticCredentials({"AKID", "SECRET", "TOKEN"});
  Result<std::shared_ptr<const Credentials>> first = provider->GetCredentials(Deadline::min());
  Result<std::shared_ptr<const Credentials>> second = provider->GetCredentials(Deadline::min());
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->get(), second->get()) << "no copy, no allocation per call";
  EXPECT_EQ((*first)->session_token, "TOKEN");
}

TEST_F(RefreshingCredentialsProviderTest, FetchesOnFirstUseOnly) {
  EXPECT_EQ(provider_.fetches(), 0u) << "nothing is fetched before it is needed";
  EXPECT_EQ(KeyNow(), "KEY1");
  clock_.Advance(kHour - 6 * kMinute);
  EXPECT_EQ(KeyNow(), "KEY1");
  EXPECT_EQ(provider_.fetches(), 1u);
}

TEST_F(RefreshingCredentialsProviderTest, KeepsCredentialsWithoutAnExpirationForever) {
  script_.next = [](int number) { return Numbered(number, std::nullopt); };
  EXPECT_EQ(KeyNow(), "KEY1");
  clock_.Advance(1000 * kHour);
  EXPECT_EQ(KeyNow(), "KEY1");
  EXPECT_EQ(provider_.fetches(), 1u);
}

TEST_F(RefreshingCredentialsProviderTest, PrefetchesInTheBackgroundWhileTheOldOnesServe) {
  ASSERT_EQ(KeyNow(), "KEY1");
  clock_.Advance(kHour - 4 * kMinute);  // inside the 5-minute prefetch window
  Hold(true);
  // The first caller asks for a refresh; nobody waits for it, even with no time to spare.
  EXPECT_EQ(KeyNow(milliseconds(0)), "KEY1");
  WaitUntilFetching();
  for (int i = 0; i < 10; ++i) EXPECT_EQ(KeyNow(milliseconds(0)), "KEY1");
  Hold(false);
  WaitForFetches(2);
  EXPECT_EQ(KeyNow(), "KEY2");
  EXPECT_EQ(script_.fetches, 2) << "one refresh for all the callers";
}

TEST_F(RefreshingCredentialsProviderTest, CallersWaitForTheRefreshOnceTheCredentialsAreStale) {
  ASSERT_EQ(KeyNow(), "KEY1");
  clock_.Advance(kHour - 30'000);  // 30 s left: less than the 1-minute stale margin
  EXPECT_EQ(KeyNow(), "KEY2");
}

TEST_F(RefreshingCredentialsProviderTest, StopsWaitingAtTheCallersDeadline) {
  Hold(true);
  const auto start = std::chrono::steady_clock::now();
  std::string key = KeyNow(milliseconds(50));
  EXPECT_NE(key.find("scripted source: no credentials yet"), std::string::npos) << key;
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2'000));
  Hold(false);
  EXPECT_EQ(KeyNow(), "KEY1");
}

TEST_F(RefreshingCredentialsProviderTest, AFailedPrefetchKeepsTheOldCredentialsAndRetriesLater) {
  ASSERT_EQ(KeyNow(), "KEY1");
  script_.next = [](int) -> Result<ExpiringCredentials> {
    return Status::Unavailable("scripted source: down");
  };
  clock_.Advance(kHour - 4 * kMinute);
  EXPECT_EQ(KeyNow(), "KEY1");
  WaitForFetches(2);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(KeyNow(), "KEY1");
  EXPECT_EQ(provider_.fetches(), 2u) << "no second try before the retry interval";
  script_.next = [this](int number) { return Numbered(number, clock_.Now() + kHour); };
  clock_.Advance(kMinPrefetchInterval.count());
  EXPECT_EQ(KeyNow(), "KEY1");
  WaitForFetches(3);
  EXPECT_EQ(KeyNow(), "KEY3");
}

TEST_F(RefreshingCredentialsProviderTest, AFailedPrefetchDoesNotDelayTheFetchOnceStale) {
  // Regression: the retry interval of a failed prefetch once also held back the fetch that
  // stale credentials need, and callers got the prefetch's old error (found by the load test).
  ASSERT_EQ(KeyNow(), "KEY1");
  script_.next = [](int) -> Result<ExpiringCredentials> {
    return Status::Unavailable("scripted source: down");
  };
  clock_.Advance(kHour - 80'000);  // prefetch window: this refresh fails
  EXPECT_EQ(KeyNow(), "KEY1");
  WaitForFetches(2);
  script_.next = [this](int number) { return Numbered(number, clock_.Now() + kHour); };
  clock_.Advance(20'000);  // stale, 20 s after the failed prefetch
  EXPECT_EQ(KeyNow(), "KEY3");
}

TEST_F(RefreshingCredentialsProviderTest, AFailedFetchIsReportedAndNotRepeatedAtOnce) {
  script_.next = [](int) -> Result<ExpiringCredentials> {
    return Status::Unavailable("scripted source: down");
  };
  EXPECT_EQ(KeyNow(), "error: scripted source: down");
  EXPECT_EQ(KeyNow(), "error: scripted source: down");
  EXPECT_EQ(provider_.fetches(), 1u) << "the source is not hammered";
  clock_.Advance(kRetryAfterFailedFetch.count());
  EXPECT_EQ(KeyNow(), "error: scripted source: down");
  EXPECT_EQ(provider_.fetches(), 2u);
}

TEST_F(RefreshingCredentialsProviderTest, RefusesCredentialsThatExpireAlmostAtOnce) {
  script_.next = [this](int number) { return Numbered(number, clock_.Now() + 30'000); };
  std::string key = KeyNow();
  EXPECT_NE(key.find("scripted source gave credentials that expire within 60 s"), std::string::npos)
      << key;
}

TEST(ParseIso8601, ReadsTheFormsAwsWrites) {
  EXPECT_EQ(ParseIso8601("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseIso8601("2019-05-29T00:21:43Z"), 1'559'089'303'000);
  EXPECT_EQ(ParseIso8601("2019-05-29T00:21:43.250Z"), 1'559'089'303'250);
  EXPECT_EQ(ParseIso8601("2019-05-29T02:21:43+02:00"), 1'559'089'303'000);
  EXPECT_EQ(ParseIso8601("2019-05-28T23:21:43-01:00"), 1'559'089'303'000);
  for (const char* bad :
       {"", "2019-05-29", "2019-05-29T00:21:43", "2019-13-01T00:00:00Z", "2019-05-29T00:21:43Zjunk",
        "2019-05-29 00:21:43Z", "tomorrow", "2019-05-29T00:21:43.Z"}) {
    EXPECT_FALSE(ParseIso8601(bad)) << bad;
  }
}

}  // namespace
}  // namespace hitcounter::aws

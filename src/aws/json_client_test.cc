#include "aws/json_client.h"

#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "aws/credentials_provider.h"

namespace hitcounter::aws {
namespace {

using std::chrono::milliseconds;

// Answers with scripted outcomes and records what was sent.
class FakeTransport final : public HttpTransport {
 public:
  struct Log {
    std::vector<HttpRequest> requests;
    std::deque<HttpOutcome> script;
  };
  explicit FakeTransport(Log& log) : log_(log) {}

  HttpOutcome Post(const HttpRequest& request, Deadline) override {
    log_.requests.push_back(request);
    if (log_.script.empty()) return Answer(200, "{}");
    HttpOutcome next = std::move(log_.script.front());
    log_.script.pop_front();
    return next;
  }

  static HttpOutcome Answer(unsigned status, std::string body) {
    return {Status::Ok(), true, {status, std::move(body)}};
  }
  static HttpOutcome Lost(bool sent) { return {Status::Unavailable("connection reset"), sent, {}}; }

 private:
  Log& log_;
};

const std::string kThrottled =
    R"({"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",)"
    R"("message":"slow down"})";

class AwsJsonClientTest : public ::testing::Test {
 protected:
  AwsJsonClientTest()
      : clock_(1'440'938'160'000),
        client_(Settings(), DynamoDbService(), std::make_unique<FakeTransport>(log_), clock_) {
    client_.SetSleepForTesting([this](milliseconds wait) { waits_.push_back(wait); });
  }

  static ServiceSettings Settings() {
    return {"us-east-1", Endpoint{false, "localhost", 8000},
            StaticCredentials({"AKID", "SECRET", ""}), ""};
  }

  AwsCallResult Call(Replay replay, milliseconds budget = milliseconds(60'000)) {
    return client_.Call("UpdateItem", "{}", std::chrono::steady_clock::now() + budget, replay);
  }

  FakeTransport::Log log_;
  FakeClock clock_;
  AwsJsonClient client_;
  std::vector<milliseconds> waits_;
};

std::string HeaderOf(const HttpRequest& request, std::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return "";
}

TEST_F(AwsJsonClientTest, SendsASignedJsonProtocolRequest) {
  AwsCallResult result = Call(Replay::kNever);
  ASSERT_TRUE(result.status.ok());
  ASSERT_EQ(log_.requests.size(), 1u);
  const HttpRequest& sent = log_.requests[0];
  EXPECT_EQ(HeaderOf(sent, "Host"), "localhost:8000");
  EXPECT_EQ(HeaderOf(sent, "X-Amz-Target"), "DynamoDB_20120810.UpdateItem");
  EXPECT_EQ(HeaderOf(sent, "Content-Type"), "application/x-amz-json-1.0");
  EXPECT_EQ(HeaderOf(sent, "X-Amz-Date"), "20150830T123600Z");
  EXPECT_EQ(HeaderOf(sent, "Authorization")
                .rfind("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/dynamodb/", 0),
            0u);
}

TEST_F(AwsJsonClientTest, RetriesThrottlingWithGrowingJitteredWaitsUpToTheAttemptLimit) {
  for (int i = 0; i < 10; ++i) log_.script.push_back(FakeTransport::Answer(400, kThrottled));
  AwsCallResult result = Call(Replay::kNever);
  EXPECT_EQ(result.status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(result.attempts, kMaxAttempts);
  ASSERT_TRUE(result.error);
  EXPECT_EQ(result.error->type, "ProvisionedThroughputExceededException");
  ASSERT_EQ(waits_.size(), static_cast<std::size_t>(kMaxAttempts - 1));
  for (std::size_t i = 0; i < waits_.size(); ++i) {
    EXPECT_LE(waits_[i], std::min(kBackoffCap, kBackoffBase * (1 << i))) << "retry " << i;
  }
}

TEST_F(AwsJsonClientTest, SucceedsWhenThrottlingStops) {
  log_.script = {FakeTransport::Answer(400, kThrottled), FakeTransport::Answer(503, "{}"),
                 FakeTransport::Answer(200, R"({"ok":1})")};
  AwsCallResult result = Call(Replay::kNever);
  ASSERT_TRUE(result.status.ok());
  EXPECT_EQ(result.body, R"({"ok":1})");
  EXPECT_EQ(result.attempts, 3);
  EXPECT_FALSE(result.error);
}

TEST_F(AwsJsonClientTest, NeverResendsAnUnansweredWriteThatMayHaveBeenApplied) {
  log_.script = {FakeTransport::Lost(/*sent=*/true)};
  AwsCallResult result = Call(Replay::kNever);
  EXPECT_EQ(result.status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(result.attempts, 1);
  EXPECT_NE(result.status.message().find("may have been applied"), std::string::npos);

  log_.script = {FakeTransport::Answer(500, R"({"__type":"InternalServerError"})")};
  EXPECT_EQ(Call(Replay::kNever).attempts, 1);
}

TEST_F(AwsJsonClientTest, ResendsWhatCertainlyWasNotApplied) {
  log_.script = {FakeTransport::Lost(/*sent=*/false)};
  EXPECT_TRUE(Call(Replay::kNever).status.ok());
  EXPECT_EQ(log_.requests.size(), 2u);
}

TEST_F(AwsJsonClientTest, ResendsUnansweredAndFailedReads) {
  log_.script = {FakeTransport::Lost(/*sent=*/true), FakeTransport::Answer(500, "oops")};
  AwsCallResult result = Call(Replay::kSafe);
  EXPECT_TRUE(result.status.ok());
  EXPECT_EQ(result.attempts, 3);
}

TEST_F(AwsJsonClientTest, DoesNotRetryClientErrors) {
  log_.script = {FakeTransport::Answer(
      400, R"({"__type":"com.amazon.coral.validate#ValidationException","Message":"bad"})")};
  AwsCallResult result = Call(Replay::kSafe);
  EXPECT_EQ(result.attempts, 1);
  EXPECT_EQ(result.status.message(), "UpdateItem failed: ValidationException: bad");
}

TEST_F(AwsJsonClientTest, StopsRetryingWhenTheNextWaitWouldPassTheDeadline) {
  for (int i = 0; i < 10; ++i) log_.script.push_back(FakeTransport::Answer(400, kThrottled));
  client_.SetSleepForTesting([](milliseconds) {});
  AwsCallResult result = Call(Replay::kSafe, milliseconds(0));
  EXPECT_EQ(result.attempts, 1);
}

TEST_F(AwsJsonClientTest, RetriesOnlyWhileTheSharedRetryQuotaLasts) {
  auto quota = std::make_shared<RetryQuota>(3 * kRetryCost);
  client_.UseRetryQuota(quota);
  for (int i = 0; i < 20; ++i) log_.script.push_back(FakeTransport::Answer(400, kThrottled));
  EXPECT_EQ(Call(Replay::kNever).attempts, 4) << "three retries' worth of tokens";
  AwsCallResult spent = Call(Replay::kNever);
  EXPECT_EQ(spent.attempts, 1);
  EXPECT_NE(spent.status.message().find("retry budget"), std::string::npos)
      << spent.status.message();
  EXPECT_EQ(quota->available(), 0);

  // A success after a retry gives back what that retry took; one at first try, one token.
  log_.script = {};
  EXPECT_TRUE(Call(Replay::kNever).status.ok());
  EXPECT_EQ(quota->available(), kNoRetryIncrement);
  for (int i = 0; i < kRetryCost; ++i) EXPECT_TRUE(Call(Replay::kNever).status.ok());
  log_.script = {FakeTransport::Answer(503, "{}")};
  EXPECT_TRUE(Call(Replay::kNever).status.ok());
  EXPECT_EQ(quota->available(), kNoRetryIncrement + kRetryCost) << "taken 5, given back 5";
  log_.script = {FakeTransport::Lost(/*sent=*/false)};
  EXPECT_EQ(Call(Replay::kNever).attempts, 1) << "a lost connection's retry costs 10";
}

TEST(RetryQuota, NeverHoldsMoreThanItsCapacity) {
  RetryQuota quota(10);
  quota.Release(kRetryCost);
  EXPECT_EQ(quota.available(), 10);
  EXPECT_TRUE(quota.TryAcquire(10));
  EXPECT_FALSE(quota.TryAcquire(1));
  quota.Release(0);
  EXPECT_EQ(quota.available(), kNoRetryIncrement);
}

TEST(ParseAwsError, ReadsBothMessageSpellingsAndTheTypeAfterTheHash) {
  AwsError lower = ParseAwsError(
      400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",)"
           R"("message":"Requested resource not found"})");
  EXPECT_EQ(lower.type, "ResourceNotFoundException");
  EXPECT_EQ(lower.message, "Requested resource not found");
  AwsError upper = ParseAwsError(400, R"({"__type":"UnrecognizedClientException","Message":"x"})");
  EXPECT_EQ(upper.type, "UnrecognizedClientException");
  EXPECT_EQ(upper.message, "x");
}

TEST(ParseAwsError, NeverFailsOnOddBodies) {
  for (const char* body :
       {"", "<html>502 Bad Gateway</html>", "[]", "{\"__type\":5}", "{", "{\"message\":null}"}) {
    AwsError error = ParseAwsError(502, body);
    EXPECT_EQ(error.type, "HTTP 502") << body;
    EXPECT_EQ(error.http_status, 502u);
  }
  EXPECT_TRUE(IsThrottling(ParseAwsError(429, "")));
  EXPECT_TRUE(IsThrottling(ParseAwsError(400, R"({"__type":"x#ThrottlingException"})")));
  EXPECT_FALSE(IsThrottling(ParseAwsError(400, R"({"__type":"x#ValidationException"})")));
}

// Regression (fuzz/corpus/dynamodb_response/deeply-nested-array): the recursive parser
// overflowed the stack on a body nested this deep.
TEST(ParseAwsError, ABodyNestedAMillionLevelsDeepIsUnreadableNotACrash) {
  const std::string deep = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  EXPECT_EQ(ParseAwsError(500, deep).type, "HTTP 500");
}

}  // namespace
}  // namespace hitcounter::aws

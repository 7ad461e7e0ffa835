// Credentials rotating under load: many threads sign calls to a service stand-in that refuses
// any signature not made with current credentials (unknown key, wrong token, expired, bad
// signature), while the fake clock runs through several credential lifetimes and a late
// instance metadata stand-in hands out new ones only shortly before the old ones expire. No
// call may fail.
//
// The clock moves in steps, each only once every worker has finished a call begun after the
// previous step: a call then spans at most one step between its signing and its check, and a
// step (20 s) is shorter than the stale margin (60 s) the provider keeps. So a failure here
// means the provider handed out credentials it should not have, or tore a set apart.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "aws/credentials_chain.h"
#include "aws/json_client.h"
#include "tests/support/aws_credentials_stand_ins.h"
#include "tests/support/http_stand_in.h"
#include "tests/support/temp_dir.h"

namespace hitcounter::aws {
namespace {

using hitcounter::testing::CredentialIssuer;
using hitcounter::testing::HttpStandIn;
using hitcounter::testing::MetadataDocument;
using hitcounter::testing::StandInRequest;
using hitcounter::testing::StandInResponse;
using hitcounter::testing::TempDir;
using std::chrono::milliseconds;

constexpr UnixMillis kT0 = 1'795'701'907'000;
// Short-lived credentials, so that the test sees several rotations in few steps.
constexpr milliseconds kLifetime{15 * 60 * 1000};
constexpr UnixMillis kStep = 20'000;
constexpr int kWorkers = 8;
// Enough steps for four lifetimes (a refresh comes 5 minutes before each expiry).
constexpr int kSteps = 4 * 15 * 60 / 20;

// Instance metadata (IMDSv2) issuing `issuer`'s credentials, late: it refuses (503) to hand
// out credentials until the ones it issued last are within kLateRotation of their expiry. So
// the provider's early refreshes fail and are retried, and some rotations come only once the
// old credentials are stale, while every worker waits for them.
class LateImds {
 public:
  LateImds(CredentialIssuer& issuer, const Clock& clock) : issuer_(issuer), clock_(clock) {}

  StandInResponse Answer(const StandInRequest& request) {
    if (request.method == "PUT") return {200, "session-token", {}};
    if (request.Header("X-aws-ec2-metadata-token").value_or("") != "session-token") {
      return {401, "", {}};
    }
    const std::string roles = "/latest/meta-data/iam/security-credentials/";
    if (request.target == roles) return {200, "role", {}};
    if (request.target != roles + "role") return {404, "", {}};
    std::lock_guard lock(mutex_);
    if (last_expiration_ != 0 && clock_.Now() < last_expiration_ - kLateRotation) {
      ++refused_;
      return {503, "", {}};
    }
    hitcounter::testing::IssuedCredentials issued = issuer_.Issue();
    last_expiration_ = issued.expiration;
    return {200, MetadataDocument(issued), {}};
  }

  int refused() const {
    std::lock_guard lock(mutex_);
    return refused_;
  }

 private:
  static constexpr UnixMillis kLateRotation = 70'000;
  CredentialIssuer& issuer_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  UnixMillis last_expiration_ = 0;
  int refused_ = 0;
};

// A DynamoDB stand-in that checks every signature as AWS would.
class CheckingService {
 public:
  explicit CheckingService(CredentialIssuer& issuer) : issuer_(issuer) {}

  StandInResponse Answer(const StandInRequest& request) {
    const std::string problem = issuer_.Verify(request, "us-east-1", "dynamodb");
    if (problem.empty()) {
      ++accepted_;
      return {200, "{}", {}};
    }
    ++refused_;
    {
      std::lock_guard lock(mutex_);
      if (first_problem_.empty()) first_problem_ = problem;
    }
    const bool expired = problem.rfind("ExpiredToken", 0) == 0;
    return {expired ? 400u : 403u,
            std::string(R"({"__type":"com.amazon.coral.service#)") +
                (expired ? "ExpiredTokenException" : "UnrecognizedClientException") +
                R"(","message":")" + problem + R"("})",
            {}};
  }

  int accepted() const { return accepted_.load(); }
  int refused() const { return refused_.load(); }
  std::string first_problem() const {
    std::lock_guard lock(mutex_);
    return first_problem_;
  }

 private:
  CredentialIssuer& issuer_;
  std::atomic<int> accepted_{0};
  std::atomic<int> refused_{0};
  mutable std::mutex mutex_;
  std::string first_problem_;
};

class CredentialsRefreshLoadTest : public ::testing::Test {
 protected:
  ServiceSettings Settings(std::shared_ptr<CredentialsProvider> credentials) {
    return {"us-east-1", Endpoint{false, "127.0.0.1", dynamodb_.port()}, std::move(credentials),
            ""};
  }
  AwsCallResult CallOnce(AwsJsonClient& client) {
    return client.Call("UpdateItem", "{}", std::chrono::steady_clock::now() + milliseconds(10'000),
                       Replay::kNever);
  }
  std::unique_ptr<AwsJsonClient> Client(const ServiceSettings& settings) {
    return std::make_unique<AwsJsonClient>(settings, DynamoDbService(),
                                           std::make_unique<HttpClient>(settings.endpoint, nullptr),
                                           clock_);
  }

  FakeClock clock_{kT0};
  TempDir home_;
  CredentialIssuer issuer_{clock_, kLifetime, "ASIA"};
  CheckingService service_{issuer_};
  LateImds late_imds_{issuer_, clock_};
  HttpStandIn imds_{[this](const StandInRequest& request) { return late_imds_.Answer(request); }};
  HttpStandIn dynamodb_{[this](const StandInRequest& request) { return service_.Answer(request); }};
};

TEST_F(CredentialsRefreshLoadTest, TheStandInRefusesExpiredCredentials) {
  // The check the load test relies on can fail: credentials used past their expiry are refused.
  std::unique_ptr<AwsJsonClient> client =
      Client(Settings(StaticCredentials(issuer_.Issue().credentials)));
  ASSERT_TRUE(CallOnce(*client).status.ok());
  clock_.Advance(kLifetime.count());
  AwsCallResult late = CallOnce(*client);
  ASSERT_FALSE(late.status.ok());
  EXPECT_EQ(late.error->type, "ExpiredTokenException");
  std::unique_ptr<AwsJsonClient> forger =
      Client(Settings(StaticCredentials({"ASIAKEY1", "wrong-secret", "token-ASIA-1"})));
  clock_.Set(kT0);
  EXPECT_EQ(CallOnce(*forger).error->type, "UnrecognizedClientException");
}

TEST_F(CredentialsRefreshLoadTest, NoCallFailsWhileCredentialsExpireAndRotateUnderLoad) {
  Result<std::shared_ptr<CredentialsProvider>> chain = DefaultCredentialsChain(
      {{"HOME", home_.path()}, {"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds_.url()}}, "us-east-1",
      {&clock_, ""});
  ASSERT_TRUE(chain.ok()) << chain.status().message();
  const ServiceSettings settings = Settings(*chain);

  std::atomic<int> epoch{0};
  std::atomic<bool> stop{false};
  std::vector<std::atomic<int>> finished_epoch(kWorkers);
  std::atomic<int> failures{0};
  std::mutex failure_mutex;
  std::string first_failure;
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    finished_epoch[static_cast<std::size_t>(w)] = -1;
    workers.emplace_back([&, w] {
      std::unique_ptr<AwsJsonClient> client = Client(settings);
      while (!stop.load()) {
        const int started_in = epoch.load();
        AwsCallResult call = CallOnce(*client);
        if (!call.status.ok()) {
          ++failures;
          std::lock_guard lock(failure_mutex);
          if (first_failure.empty()) first_failure = call.status.message();
        }
        finished_epoch[static_cast<std::size_t>(w)] = started_in;
      }
    });
  }
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  bool stuck = false;
  for (int step = 1; step <= kSteps && !stuck; ++step) {
    for (auto& finished : finished_epoch) {
      while (finished.load() < step - 1 && !stuck) {
        stuck = std::chrono::steady_clock::now() > give_up;
        std::this_thread::yield();
      }
    }
    clock_.Advance(kStep);
    epoch = step;
  }
  stop = true;
  for (std::thread& worker : workers) worker.join();

  ASSERT_FALSE(stuck) << "the workers stopped making progress";
  EXPECT_EQ(failures.load(), 0) << first_failure;
  EXPECT_EQ(service_.refused(), 0) << service_.first_problem();
  EXPECT_GE(service_.accepted(), kSteps * kWorkers) << "each step waits for a call per worker";
  EXPECT_GE(issuer_.issued(), 4) << "the credentials rotated through several lifetimes";
  EXPECT_GT(late_imds_.refused(), 0) << "early refreshes failed and were retried";
  std::printf("%d calls over %d credential sets, %d refused; %d refreshes refused\n",
              service_.accepted(), issuer_.issued(), service_.refused(), late_imds_.refused());
}

}  // namespace
}  // namespace hitcounter::aws

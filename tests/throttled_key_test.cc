// Two `hitcounter serve` processes on a DynamoDB stand-in that throttles one key: each process's
// retries stay within its retry budget (aws/retry_quota.h), so the attempts the stand-in sees
// are the hits plus at most one budget per process, not kMaxAttempts per hit; the clients get
// 503 with Retry-After; the other keys keep counting.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/http_stand_in.h"
#include "tests/support/server_process.h"

namespace hitcounter::testing {
namespace {

constexpr int kServers = 2;
constexpr int kClientsPerServer = 4;
constexpr int kHitsPerClient = 40;
constexpr int kHits = kServers * kClientsPerServer * kHitsPerClient;
// One process's retry budget in retries: 500 tokens at 5 a retry (aws/retry_quota.h); nothing
// refills it while every call fails.
constexpr int kRetriesPerProcess = 100;
// Attempts per call without a budget (aws/json_client.h: kMaxAttempts).
constexpr int kAttemptsWithoutBudget = 5;

const std::string kThrottledRoute = "/throttled";

// DynamoDB as far as `serve` uses it for hits: UpdateItem counts (ADD :n), except on the
// throttled key, which is always refused for throttling.
class ThrottlingDynamoDb {
 public:
  ThrottlingDynamoDb()
      : server_([this](const StandInRequest& request) { return Answer(request); }) {}

  std::string url() const { return server_.url(); }
  int throttled_attempts() {
    std::lock_guard lock(mutex_);
    return throttled_attempts_;
  }

 private:
  StandInResponse Answer(const StandInRequest& request) {
    const std::string target = request.Header("X-Amz-Target").value_or("");
    if (target.ends_with(".DescribeTable")) {
      return {200,
              R"({"Table":{"TableStatus":"ACTIVE","KeySchema":[{"AttributeName":"route",)"
              R"("KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"route",)"
              R"("AttributeType":"S"}]}})",
              {}};
    }
    if (!target.ends_with(".UpdateItem")) {
      return {400, R"({"__type":"x#ValidationException","message":"not in this stand-in"})", {}};
    }
    const std::string route = Typed(request.body, "route", "S");
    std::lock_guard lock(mutex_);
    if (route == kThrottledRoute) {
      ++throttled_attempts_;
      return {400,
              R"({"__type":"com.amazonaws.dynamodb.v20120810#)"
              R"(ProvisionedThroughputExceededException","message":"slow down"})",
              {}};
    }
    const std::int64_t count = counts_[route] += std::stoll(Typed(request.body, ":n", "N"));
    return {200,
            R"({"Attributes":{"route":{"S":")" + route + R"("},"count":{"N":")" +
                std::to_string(count) + R"("},"firstSeen":{"N":"1"},"lastAccess":{"N":"2"}}})",
            {}};
  }

  // The text between `"<name>":{"<type>":"` and the next quote.
  static std::string Typed(const std::string& body, const std::string& name,
                           const std::string& type) {
    const std::string marker = "\"" + name + "\":{\"" + type + "\":\"";
    const std::size_t at = body.find(marker);
    if (at == std::string::npos) return "";
    const std::size_t start = at + marker.size();
    return body.substr(start, body.find('"', start) - start);
  }

  std::mutex mutex_;
  int throttled_attempts_ = 0;
  std::map<std::string, std::int64_t> counts_;
  HttpStandIn server_;  // last: stopped first, while the members its handler uses still live
};

TEST(ThrottledKeyTest, RetriesStayWithinEachProcesssBudgetAndClientsGet503WithRetryAfter) {
  ThrottlingDynamoDb dynamodb;
  // Inherited by the servers. One write per hit, so that the bound below is about retries.
  for (const auto& [name, value] :
       std::vector<std::pair<const char*, const char*>>{{"AWS_ACCESS_KEY_ID", "test"},
                                                        {"AWS_SECRET_ACCESS_KEY", "test"},
                                                        {"AWS_REGION", "us-east-1"},
                                                        {"HITCOUNTER_TEST_COALESCE_HITS", "0"}}) {
    ASSERT_EQ(setenv(name, value, 1), 0);
  }
  std::vector<std::unique_ptr<ServerProcess>> servers;
  for (int s = 0; s < kServers; ++s) {
    servers.push_back(std::make_unique<ServerProcess>(
        "dynamodb:counters",
        std::vector<std::string>{"--endpoint-url", dynamodb.url(), "--max-routes", "0"}));
    ASSERT_NE(servers.back()->port(), 0) << "server " << s << " did not start";
  }
  std::mutex mutex;
  std::map<std::string, int> statuses;  // "503 retry-after=1" -> how many
  std::vector<std::thread> clients;
  for (int s = 0; s < kServers; ++s) {
    for (int c = 0; c < kClientsPerServer; ++c) {
      clients.emplace_back([&, port = servers[static_cast<std::size_t>(s)]->port()] {
        HttpClient client("127.0.0.1", port);
        for (int i = 0; i < kHitsPerClient; ++i) {
          HttpReply reply = client.Get(kThrottledRoute);
          auto retry_after = reply.headers.find("retry-after");
          std::string seen = std::to_string(reply.status) + " retry-after=" +
                             (retry_after == reply.headers.end() ? "none" : retry_after->second);
          std::lock_guard lock(mutex);
          ++statuses[seen];
        }
      });
    }
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(statuses, (std::map<std::string, int>{{"503 retry-after=1", kHits}}));
  const int attempts = dynamodb.throttled_attempts();
  EXPECT_LE(attempts, kHits + kServers * kRetriesPerProcess)
      << "without a budget it would be up to " << kHits * kAttemptsWithoutBudget;
  EXPECT_GE(attempts, kHits) << "every hit was tried once";

  // Another key counts as ever, on both servers.
  for (int s = 0; s < kServers; ++s) {
    HttpClient client("127.0.0.1", servers[static_cast<std::size_t>(s)]->port());
    HttpReply reply = client.Get("/fine");
    EXPECT_EQ(reply.status, 200) << reply.body;
    EXPECT_NE(reply.body.find("\"count\":" + std::to_string(s + 1)), std::string::npos)
        << reply.body;
  }
}

}  // namespace
}  // namespace hitcounter::testing

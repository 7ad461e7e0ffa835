// The arm64 (Graviton) package's bootstrap, run as Lambda would run it on Graviton: under
// qemu-user-static (an aarch64 CPU emulated in user space, with the arm64 glibc of Debian's
// cross toolchain), against the Runtime API emulator and DynamoDB Local. A few invocations: the
// hit path, a read-only endpoint behind the admin token's digest, health; then the counts read
// back from the table. The package's ELF proofs are tests/lambda/lambda_zip_test.cc, compiled
// into the same binary (cmake/lambda_arm64.cmake).
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include "store/dynamodb_test_support.h"
#include "tests/lambda/lambda_package.h"
#include "tests/lambda/runtime_api_emulator.h"
#include "tests/support/store_calls.h"

namespace hitcounter::testing {
namespace {

using namespace std::chrono_literals;

// Under emulation the function starts and answers far slower than natively (~10x); still
// seconds at most.
constexpr auto kAnswerWait = 60s;

// SHA-256("s3cret"), as infra/ passes a token to the function.
constexpr const char* kS3cretSha256 =
    "1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0";

struct Answer {
  int status = 0;
  rapidjson::Document body;
};

Answer Read(const std::optional<RuntimeApiEmulator::Outcome>& outcome) {
  Answer answer;
  EXPECT_TRUE(outcome.has_value()) << "no answer";
  if (!outcome) return answer;
  rapidjson::Document proxy;
  proxy.Parse(outcome->body.c_str());
  EXPECT_TRUE(proxy.IsObject() && proxy.HasMember("statusCode")) << outcome->body;
  if (!proxy.IsObject() || !proxy.HasMember("statusCode")) return answer;
  answer.status = proxy["statusCode"].GetInt();
  answer.body.Parse(proxy["body"].GetString());
  return answer;
}

std::string Event(const std::string& path, const std::string& authorization = "") {
  std::string headers =
      authorization.empty() ? std::string("{}") : R"({"Authorization":")" + authorization + R"("})";
  return R"({"version":"2.0","rawPath":")" + path + R"(","rawQueryString":"","headers":)" +
         headers + R"(,"requestContext":{"stage":"$default","http":{"method":"GET"}}})";
}

TEST(LambdaArm64BootstrapTest, CountsUnderQemuAgainstDynamoDbLocal) {
  for (const char* name : {"TABLE_NAME", "SSL_CERT_FILE", "SSL_CERT_DIR"}) unsetenv(name);
  UnpackedLambdaZip zip;
  ASSERT_TRUE(zip.ok()) << "cannot unpack " << HITCOUNTER_LAMBDA_ZIP;
  LocalDynamoDb* engine = SharedEngine(Engine::kDynamoDbLocal);
  ASSERT_NE(engine, nullptr);
  const std::string table = UniqueTableName("arm64");
  DynamoDbSettings settings = SettingsFor(*engine, table);
  ASSERT_TRUE(CreateDynamoDbTable(settings, std::nullopt, kTableWait).ok());

  RuntimeApiEmulator emulator;
  // No -L: qemu runs the bootstrap with the arm64 loader and libc of Debian's multiarch
  // libc6:arm64 (/lib/ld-linux-aarch64.so.1), as a system would. The cross toolchain's copies
  // (/usr/aarch64-linux-gnu) are not for running: that loader reads the host's ld.so.cache,
  // pairs itself with libc6:arm64's libc, another build, and the first thread never starts.
  auto function = ChildProcess::Start(
      {HITCOUNTER_QEMU_AARCH64, zip.bootstrap()},
      {"AWS_LAMBDA_RUNTIME_API=" + emulator.address(), "TABLE_NAME=" + table,
       "AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
       "AWS_ENDPOINT_URL_DYNAMODB=" + engine->endpoint_url(),
       "AWS_CONFIG_FILE=" + zip.dir() + "/no-config",
       "AWS_SHARED_CREDENTIALS_FILE=" + zip.dir() + "/no-credentials",
       std::string("HITCOUNTER_ADMIN_TOKEN_SHA256=") + kS3cretSha256},
      zip.dir());
  ASSERT_NE(function, nullptr);
  ASSERT_TRUE(emulator.WaitForFirstNext(kAnswerWait).has_value()) << "no GET /next under qemu";

  for (std::int64_t expected = 1; expected <= 2; ++expected) {
    Answer hit = Read(emulator.InvokeAndWait(Event("/graviton"), kAnswerWait));
    ASSERT_EQ(hit.status, 200);
    EXPECT_STREQ(hit.body["route"].GetString(), "/graviton");
    EXPECT_EQ(hit.body["count"].GetInt64(), expected);
  }
  EXPECT_EQ(Read(emulator.InvokeAndWait(Event("/_stats"), kAnswerWait)).status, 401);
  Answer stats = Read(emulator.InvokeAndWait(Event("/_stats", "Bearer s3cret"), kAnswerWait));
  ASSERT_EQ(stats.status, 200);
  ASSERT_EQ(stats.body["routes"].Size(), 1u);
  EXPECT_EQ(stats.body["routes"][0]["count"].GetInt64(), 2);
  EXPECT_EQ(Read(emulator.InvokeAndWait(Event("/_health"), kAnswerWait)).status, 200);

  auto store = std::move(DynamoDbStore::Open(settings)).value();
  Result<RouteStats> counted = GetNow(*store, "/graviton");
  ASSERT_TRUE(counted.ok()) << counted.status().message();
  EXPECT_EQ(counted->count, 2);
  EXPECT_EQ(emulator.connections_accepted(), 1u);
}

}  // namespace
}  // namespace hitcounter::testing

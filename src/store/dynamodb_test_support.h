// Helpers shared by the DynamoDB store's tests against local engines: one engine of each kind
// per test process, started on first use; settings pointing at an engine; fresh tables; raw
// calls to seed items the store would never write.
#ifndef HITCOUNTER_STORE_DYNAMODB_TEST_SUPPORT_H_
#define HITCOUNTER_STORE_DYNAMODB_TEST_SUPPORT_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "aws/json_client.h"
#include "store/dynamodb_store.h"
#include "store/dynamodb_table.h"
#include "tests/support/local_dynamodb.h"

namespace hitcounter::testing {

using Engine = LocalDynamoDb::Engine;

inline constexpr std::chrono::milliseconds kTableWait{30'000};

// The engine of this kind shared by every test of the process, started on first use. When it
// cannot start, the calling test fails with the reason (CI installs both engines: no skipping).
inline LocalDynamoDb* SharedEngine(Engine engine) {
  static std::map<Engine, std::unique_ptr<LocalDynamoDb>> engines;
  static std::map<Engine, std::string> errors;
  if (!engines.count(engine) && !errors.count(engine)) {
    std::string error;
    engines[engine] = LocalDynamoDb::Start(engine, &error);
    if (!engines[engine]) errors[engine] = error;
  }
  if (errors.count(engine)) {
    ADD_FAILURE() << "cannot start " << LocalDynamoDb::Name(engine) << ": " << errors[engine];
    return nullptr;
  }
  return engines[engine].get();
}

// What a developer's shell would hold to point hitcounter at `engine`.
inline aws::Environment EnvironmentFor(const LocalDynamoDb& engine) {
  return {{"AWS_ACCESS_KEY_ID", "test"},
          {"AWS_SECRET_ACCESS_KEY", "test"},
          {"AWS_REGION", "us-east-1"},
          {"AWS_ENDPOINT_URL_DYNAMODB", engine.endpoint_url()}};
}

// A table name no other test of any process uses.
inline std::string UniqueTableName(const std::string& stem) {
  static std::atomic<int> serial{0};
  return stem + "-" + std::to_string(getpid()) + "-" + std::to_string(++serial);
}

inline DynamoDbSettings SettingsFor(const LocalDynamoDb& engine, const std::string& table) {
  Result<DynamoDbSettings> settings =
      ResolveDynamoDbSettings(table, {}, EnvironmentFor(engine), aws::StaticKeyCredentials);
  EXPECT_TRUE(settings.ok()) << settings.status().message();
  return settings.ok() ? std::move(settings).value() : DynamoDbSettings{};
}

// A store on a new, empty table of `engine`; nullptr (and a test failure) when impossible.
inline std::unique_ptr<DynamoDbStore> FreshStore(Engine engine, std::size_t workers = 4,
                                                 std::int64_t max_routes = kUnboundedRoutes) {
  LocalDynamoDb* db = SharedEngine(engine);
  if (db == nullptr) return nullptr;
  DynamoDbSettings settings = SettingsFor(*db, UniqueTableName("counters"));
  settings.workers = workers;
  settings.max_routes = max_routes;
  Status created = CreateDynamoDbTable(settings, std::nullopt, kTableWait);
  EXPECT_TRUE(created.ok()) << created.message();
  Result<std::unique_ptr<DynamoDbStore>> store = DynamoDbStore::Open(settings);
  EXPECT_TRUE(store.ok()) << store.status().message();
  return created.ok() && store.ok() ? std::move(store).value() : nullptr;
}

// One call straight to the engine, bypassing the store.
inline aws::AwsCallResult RawCall(const DynamoDbSettings& settings, std::string_view operation,
                                  const std::string& body) {
  static SystemClock clock;
  aws::AwsJsonClient client(settings.service, aws::DynamoDbService(),
                            std::move(aws::HttpClientFactory(settings.service)).value()(), clock);
  return client.Call(operation, body, std::chrono::steady_clock::now() + std::chrono::seconds(5),
                     aws::Replay::kSafe);
}

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_STORE_DYNAMODB_TEST_SUPPORT_H_

#include "tests/blackbox/fixture.h"

#include <cstdlib>

namespace hitcounter::testing {

StoreKind StoreUnderTest() {
  const char* name = std::getenv("HITCOUNTER_TEST_STORE");
  std::string store = name != nullptr ? name : "sqlite";
  if (store == "dynalite") return StoreKind::kDynalite;
  if (store == "dynamodb-local") return StoreKind::kDynamoDbLocal;
  return StoreKind::kSqlite;
}

LocalDynamoDb* SharedEngine() {
  static std::unique_ptr<LocalDynamoDb> engine = [] {
    StoreKind kind = StoreUnderTest();
    if (kind == StoreKind::kSqlite) return std::unique_ptr<LocalDynamoDb>();
    // The engines check no signature, but the server still wants credentials and a region;
    // the children inherit these.
    setenv("AWS_ACCESS_KEY_ID", "hitcountertest", 1);  // DynamoDB Local: letters and digits only
    setenv("AWS_SECRET_ACCESS_KEY", "hitcountertest", 1);
    setenv("AWS_REGION", "us-east-1", 1);
    std::string error;
    auto started =
        LocalDynamoDb::Start(kind == StoreKind::kDynalite ? LocalDynamoDb::Engine::kDynalite
                                                          : LocalDynamoDb::Engine::kDynamoDbLocal,
                             &error);
    if (!started) ADD_FAILURE() << "cannot start the engine: " << error;
    return started;
  }();
  return engine.get();
}

std::vector<std::string> StoreFlags() {
  LocalDynamoDb* engine = SharedEngine();
  if (engine == nullptr) return {};
  return {"--endpoint-url", engine->endpoint_url()};
}

std::string FreshStore(const std::string& dir) {
  if (StoreUnderTest() == StoreKind::kSqlite) return "sqlite:" + dir + "/hits.db";
  if (SharedEngine() == nullptr) return "";
  static int tables = 0;
  std::string spec = "dynamodb:blackbox-" + std::to_string(++tables);
  std::vector<std::string> argv = {HitcounterBinary(), "create-table", "--store", spec};
  for (const std::string& flag : StoreFlags()) argv.push_back(flag);
  std::string output;
  int code = RunToExit(argv, &output);
  EXPECT_EQ(code, 0) << "create-table failed: " << output;
  return code == 0 ? spec : "";
}

int RunToExit(const std::vector<std::string>& argv, std::string* output) {
  std::unique_ptr<ChildProcess> process = ChildProcess::Start(argv);
  if (!process) return -1;
  std::optional<int> code = process->WaitForExit(std::chrono::seconds(120));
  if (output != nullptr) *output = process->Output();
  return code.value_or(-1);
}

}  // namespace hitcounter::testing

// bootstrap: hitcounter as an AWS Lambda function (provided.al2023 custom runtime).
//
// Start-up reads the settings (function_settings.h) and opens the DynamoDB store without
// contacting it, so the first GET /next comes as early as possible (cold start). A bad setting
// is reported to /runtime/init/error and ends the process with exit code 1.
#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>

#include "aws/aws_config.h"
#include "hitcounter/service.h"
#include "lambda/function_settings.h"
#include "lambda/log.h"
#include "lambda/runtime_client.h"
#include "lambda/runtime_loop.h"
#include "store/dynamodb_store.h"

namespace hitcounter::lambda {
namespace {

constexpr int kInitFailed = 1;
constexpr int kNoRuntimeApi = 2;

int FailInit(RuntimeClient& runtime, const Status& status) {
  LogError("", "initialisation failed: " + status.message());
  Status reported =
      runtime.PostInitError(ErrorReport{"Runtime.InvalidConfiguration", status.message()});
  if (!reported.ok()) LogError("", reported.message());
  return kInitFailed;
}

int Run() {
  const aws::Environment env = aws::ProcessEnvironment();
  auto address = env.find("AWS_LAMBDA_RUNTIME_API");
  if (address == env.end() || address->second.empty()) {
    LogError("", "AWS_LAMBDA_RUNTIME_API is not set: bootstrap runs inside AWS Lambda");
    return kNoRuntimeApi;
  }
  Result<std::unique_ptr<RuntimeClient>> runtime = RuntimeClient::Create(address->second);
  if (!runtime.ok()) {
    LogError("", runtime.status().message());
    return kNoRuntimeApi;
  }
  Result<FunctionSettings> settings = FunctionSettingsFromEnv(env);
  if (!settings.ok()) return FailInit(**runtime, settings.status());
  Result<std::unique_ptr<DynamoDbStore>> store = DynamoDbStore::Open(settings->store);
  if (!store.ok()) return FailInit(**runtime, store.status());

  SystemClock clock;
  Service service(**store, clock, settings->service);
  return RunLoop(**runtime, service, LoopOptions{});
}

}  // namespace
}  // namespace hitcounter::lambda

int main() {
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return hitcounter::lambda::Run();
  } catch (const std::exception& e) {
    hitcounter::lambda::LogError("", std::string("unexpected failure: ") + e.what());
    return 1;
  }
}

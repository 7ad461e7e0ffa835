// bootstrap: hitcounter as an AWS Lambda function (provided.al2023 custom runtime).
//
// Start-up reads the settings (function_settings.h) and opens the DynamoDB store, then asks for
// the first event (GET /next) at once: that is the cold start Lambda waits for. Once asked, the
// connection to DynamoDB (TCP and TLS) is opened on a thread of its own while the event is
// awaited, and handed to the store's pool: the first GET /next never waits for a handshake, and
// the first hit pays none when its event came later than the handshake took. A bad setting is
// reported to /runtime/init/error and ends the process with exit code 1.
#include <openssl/crypto.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>
#include <thread>

#include "aws/aws_config.h"
#include "aws/http_client.h"
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
  DynamoDbStore& dynamodb = **store;
  // The connection to DynamoDB is opened once the first GET /next is written, on a thread of
  // its own: the cold start (exec -> GET /next) never waits for it, and nothing competes with
  // it for the CPU. The first event then waits for that connection rather than open a second
  // one. Its failure is not reported here: the first call that needs DynamoDB reports its own.
  std::jthread preconnect;
  LoopOptions options;
  options.asked_for_first_event = [&dynamodb, &preconnect] {
    preconnect = std::jthread([&dynamodb] {
      (void)dynamodb.Preconnect(std::chrono::steady_clock::now() + aws::kConnectTimeout);
    });
  };
  options.before_first_event = [&preconnect] {
    if (preconnect.joinable()) preconnect.join();
  };
  return RunLoop(**runtime, service, options);
}

}  // namespace
}  // namespace hitcounter::lambda

int main() {
  // OpenSSL without its configuration file, decided first, before anything initialises
  // OpenSSL with it: reading and applying openssl.cnf cost up to 3 ms of a cold start, and the
  // file is the build host's idea of a configuration (this static OpenSSL looks for Debian's
  // path), not the Lambda image's. The TLS settings that matter are in the code
  // (aws/http_client.cc). Only libcrypto's init (~25 us): libssl initialises itself, without
  // the file, when the preconnect thread makes the first TLS context.
  OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return hitcounter::lambda::Run();
  } catch (const std::exception& e) {
    hitcounter::lambda::LogError("", std::string("unexpected failure: ") + e.what());
    return 1;
  }
}

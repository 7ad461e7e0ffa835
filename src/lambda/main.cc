// bootstrap: hitcounter as an AWS Lambda function (provided.al2023 custom runtime).
//
// Start-up reads the settings (function_settings.h) and opens the DynamoDB store, then asks for
// the first event (GET /next) at once: that is the cold start Lambda waits for. The connection
// to DynamoDB (TCP and TLS) is opened meanwhile on a thread of its own and handed to the store's
// pool, so the first hit pays no handshake and the first GET /next does not wait for one. A bad
// setting is reported to /runtime/init/error and ends the process with exit code 1.
#include <openssl/crypto.h>
#include <sys/resource.h>
#include <unistd.h>

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

// The preconnect thread's nice value: the lowest priority Linux has (19), so that it runs when
// the main thread waits, not instead of it.
constexpr int kPreconnectNice = 19;

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
  // Its failure is not reported here: the first call that needs DynamoDB reports its own.
  std::jthread preconnect([&dynamodb] {
    // Lowest priority: on a Lambda CPU share (128 MB is a fraction of a core) the handshake's
    // arithmetic must not slow the main thread down on its way to GET /next. The resolver thread
    // it starts inherits the priority.
    setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kPreconnectNice);
    (void)dynamodb.Preconnect(std::chrono::steady_clock::now() + aws::kConnectTimeout);
  });
  LoopOptions options;
  options.set_deadline = [&dynamodb, &preconnect](aws::Deadline deadline) {
    // The first event waits for the connection being opened rather than open a second one.
    if (preconnect.joinable()) preconnect.join();
    dynamodb.SetDeadline(deadline);
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

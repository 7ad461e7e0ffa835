// ServerProcess: the real `hitcounter serve` binary, started by a test on a free port.
#ifndef HITCOUNTER_TESTS_SUPPORT_SERVER_PROCESS_H_
#define HITCOUNTER_TESTS_SUPPORT_SERVER_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "tests/support/child_process.h"

namespace hitcounter::testing {

class ServerProcess {
 public:
  // Starts `hitcounter serve --listen 127.0.0.1:0 --store STORE EXTRA...` and waits until it
  // listens. port() is 0 when it did not start (its stderr is in the test log).
  // With `stderr_to` kCapture, its stderr (the error log) is read with its stdout.
  explicit ServerProcess(const std::string& store, const std::vector<std::string>& extra_args = {},
                         ChildProcess::Stderr stderr_to = ChildProcess::Stderr::kInherit);

  int port() const { return port_; }
  ChildProcess& process() { return *process_; }

 private:
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

// The path of the hitcounter binary under test.
std::string HitcounterBinary();

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_SUPPORT_SERVER_PROCESS_H_

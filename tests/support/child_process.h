// ChildProcess: a program started by a test, with its standard output captured.
//
// A reader thread drains the child's stdout into memory all the time, so a chatty child never
// blocks on a full pipe. The child is killed (SIGKILL) and reaped when the object dies.
#ifndef HITCOUNTER_TESTS_SUPPORT_CHILD_PROCESS_H_
#define HITCOUNTER_TESTS_SUPPORT_CHILD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hitcounter::testing {

class ChildProcess {
 public:
  // Where the child's stderr goes: inherited, so the child's errors show in the test log, or
  // captured with its stdout (for tests that read its log lines).
  enum class Stderr { kInherit, kCapture };

  // Starts argv[0] (a path, or a name looked up in PATH) with the current environment plus
  // `extra_env` ("NAME=value"), in `cwd` when not empty. Returns nullptr (and prints why) when
  // it cannot start.
  static std::unique_ptr<ChildProcess> Start(const std::vector<std::string>& argv,
                                             const std::vector<std::string>& extra_env = {},
                                             const std::string& cwd = "",
                                             Stderr stderr_to = Stderr::kInherit);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // The first line of stdout containing `needle`, waiting up to `timeout` for it; nullopt when
  // it did not come (or the child closed its stdout first).
  std::optional<std::string> WaitForLine(const std::string& needle,
                                         std::chrono::milliseconds timeout);

  // Everything the child wrote to stdout (and captured stderr) so far.
  std::string Output();

  // Sends `signal` to the child.
  void Signal(int signal);

  // Waits up to `timeout` for the child to exit; its exit code, 128 + signal number when
  // killed by a signal, or nullopt when it is still running.
  std::optional<int> WaitForExit(std::chrono::milliseconds timeout);

 private:
  ChildProcess(pid_t pid, int stdout_fd);
  void ReadOutput();

  pid_t pid_;
  int stdout_fd_;
  std::optional<int> exit_code_;
  std::mutex mutex_;
  std::condition_variable output_changed_;
  std::string output_;
  bool output_closed_ = false;
  std::thread reader_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (for programs that cannot take port 0).
int FreeLoopbackPort();

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_SUPPORT_CHILD_PROCESS_H_

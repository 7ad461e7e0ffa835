#include "aws/process_credentials.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>
#include <vector>

#include "aws/credentials_json.h"

namespace hitcounter::aws {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// How often a child that closed its stdout is checked for having exited.
constexpr milliseconds kExitPoll{5};

struct Output {
  std::string stdout_text;
  std::optional<int> exit_status;  // from waitpid
};

int MillisUntil(steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<long long>(left.count(), 60'000));
}

// Closes a descriptor once.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// Runs `command` with sh -c; see the header for what the child gets.
Result<Output> Run(const std::string& command, const Environment& env) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return Status::Unavailable(std::string("cannot make a pipe: ") + std::strerror(errno));
  }
  Fd read_end(pipe_fds[0]);
  Fd write_end(pipe_fds[1]);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 1);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t no_signals;
  sigemptyset(&no_signals);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);  // ignored by our front ends; the child gets the default back
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(
      &attributes,
      static_cast<short>(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP));
  std::vector<std::string> entries;
  entries.reserve(env.size());
  for (const auto& [name, value] : env) entries.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (std::string& entry : entries) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::string sh = "sh", dash_c = "-c", line = command;
  char* argv[] = {sh.data(), dash_c.data(), line.data(), nullptr};
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    return Status::Unavailable(std::string("cannot start /bin/sh: ") + std::strerror(spawned));
  }
  write_end.Reset();

  const auto deadline = steady_clock::now() + kProcessTimeout;
  Output output;
  std::string failure;
  char buffer[4096];
  for (;;) {
    pollfd wait_for{read_end.get(), POLLIN, 0};
    const int ready = poll(&wait_for, 1, MillisUntil(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      failure = "did not finish within " + std::to_string(kProcessTimeout.count() / 1000) + " s";
      break;
    }
    const ssize_t n = read(read_end.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end of output (or an error, which ends it too)
    output.stdout_text.append(buffer, static_cast<std::size_t>(n));
    if (output.stdout_text.size() > kMaxProcessOutput) {
      failure = "wrote more than " + std::to_string(kMaxProcessOutput) + " bytes";
      break;
    }
  }
  for (;;) {
    if (!failure.empty()) kill(-pid, SIGKILL);
    int status = 0;
    const pid_t waited = waitpid(pid, &status, failure.empty() ? WNOHANG : 0);
    if (waited == pid) {
      output.exit_status = status;
      break;
    }
    if (waited < 0 && errno != EINTR) break;
    if (failure.empty() && steady_clock::now() >= deadline) {
      failure = "did not exit within " + std::to_string(kProcessTimeout.count() / 1000) + " s";
      continue;
    }
    if (failure.empty()) std::this_thread::sleep_for(kExitPoll);
  }
  if (!failure.empty()) return Status::Unavailable(failure);
  return output;
}

}  // namespace

ProcessCredentialsSource::ProcessCredentialsSource(std::string command, std::string profile,
                                                   Environment env)
    : command_(std::move(command)), profile_(std::move(profile)), env_(std::move(env)) {}

std::string ProcessCredentialsSource::Name() const {
  // Not the command: its arguments may hold a secret of their own.
  return "credential_process of profile '" + profile_ + "'";
}

Result<ExpiringCredentials> ProcessCredentialsSource::Fetch() {
  Result<Output> output = Run(command_, env_);
  if (!output.ok()) return Status::Unavailable(Name() + ": " + output.status().message());
  if (!output->exit_status) return Status::Unavailable(Name() + ": its exit status is unknown");
  const int status = *output->exit_status;
  if (WIFSIGNALED(status)) {
    return Status::Unavailable(Name() + ": killed by signal " + std::to_string(WTERMSIG(status)));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::Unavailable(Name() + ": exited with status " +
                               std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1));
  }
  Result<ExpiringCredentials> credentials =
      ParseCredentialsDocument(output->stdout_text, CredentialsDocument::kProcess);
  if (!credentials.ok()) {
    return Status::Unavailable(Name() + ": bad output: " + credentials.status().message());
  }
  return credentials;
}

}  // namespace hitcounter::aws

#include "tests/support/server_process.h"

namespace hitcounter::testing {

constexpr std::chrono::seconds kStartTimeout{30};

std::string HitcounterBinary() { return HITCOUNTER_BINARY; }

ServerProcess::ServerProcess(const std::string& store, const std::vector<std::string>& extra_args,
                             ChildProcess::Stderr stderr_to) {
  std::vector<std::string> argv = {HitcounterBinary(), "serve",   "--listen",
                                   "127.0.0.1:0",      "--store", store};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  process_ = ChildProcess::Start(argv, {}, "", stderr_to);
  if (!process_) return;
  const std::string marker = "listening on http://127.0.0.1:";
  std::optional<std::string> line = process_->WaitForLine(marker, kStartTimeout);
  if (!line) return;
  port_ = std::atoi(line->c_str() + line->find(marker) + marker.size());
}

}  // namespace hitcounter::testing

// ProcessFigures: what Prometheus' client libraries export as process_* (CPU time, memory, file
// descriptors, start time), read from Linux's /proc as they read it.
//
// The reading goes through a seam, ProcFs (the text of a /proc file, the entries of a /proc
// directory, the clock tick and page size), so that the parsing is tested on fixed texts and
// the core never touches the file system itself. SystemProcFs is the real one.
//
// Thread safety: ReadProcessFigures and SystemProcFs may be used from any thread.
#ifndef HITCOUNTER_PROCESS_FIGURES_H_
#define HITCOUNTER_PROCESS_FIGURES_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "hitcounter/status.h"

namespace hitcounter {

// Each figure is absent when its file could not be read or parsed: a scrape then leaves that
// series out rather than report a wrong number.
struct ProcessFigures {
  std::optional<double> cpu_seconds;         // user + system CPU time since start
  std::optional<double> resident_bytes;      // resident set size
  std::optional<double> virtual_bytes;       // virtual memory size
  std::optional<double> open_fds;            // file descriptors open now
  std::optional<double> max_fds;             // the soft limit on them (RLIMIT_NOFILE)
  std::optional<double> start_time_seconds;  // when the process started, Unix seconds
};

// The seam: /proc as the running process sees it.
class ProcFs {
 public:
  virtual ~ProcFs() = default;
  // The text of /proc/`name` ("self/stat", "stat", "self/limits"); an error when unreadable.
  virtual Result<std::string> Read(std::string_view name) const = 0;
  // How many entries /proc/`name` ("self/fd") holds, "." and ".." aside.
  virtual Result<std::size_t> CountEntries(std::string_view name) const = 0;
  // sysconf(_SC_CLK_TCK): the unit of the CPU and start times in self/stat.
  virtual long ClockTicksPerSecond() const = 0;
  // sysconf(_SC_PAGESIZE): the unit of the resident set size in self/stat.
  virtual long PageSize() const = 0;
};

// The real /proc of this process.
class SystemProcFs final : public ProcFs {
 public:
  Result<std::string> Read(std::string_view name) const override;
  Result<std::size_t> CountEntries(std::string_view name) const override;
  long ClockTicksPerSecond() const override;
  long PageSize() const override;
};

// Reads every figure through `proc`: self/stat (utime + stime, starttime, vsize, rss), stat
// (btime, the boot time that starttime counts from), self/limits ("Max open files", its soft
// limit; "unlimited" leaves it absent) and the entries of self/fd.
ProcessFigures ReadProcessFigures(const ProcFs& proc);

}  // namespace hitcounter

#endif  // HITCOUNTER_PROCESS_FIGURES_H_

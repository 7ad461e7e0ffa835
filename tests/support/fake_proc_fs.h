// FakeProcFs: a ProcFs (hitcounter/process_figures.h) over fixed texts, for unit tests.
#ifndef HITCOUNTER_TESTS_SUPPORT_FAKE_PROC_FS_H_
#define HITCOUNTER_TESTS_SUPPORT_FAKE_PROC_FS_H_

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "hitcounter/process_figures.h"

namespace hitcounter::testing {

class FakeProcFs final : public ProcFs {
 public:
  // Files by name under /proc ("self/stat"); absent ones are unreadable.
  std::map<std::string, std::string, std::less<>> files;
  std::optional<std::size_t> open_fds;  // entries of self/fd; absent: unreadable
  long ticks = 100;
  long page_size = 4096;

  Result<std::string> Read(std::string_view name) const override {
    auto found = files.find(name);
    if (found == files.end()) return Status::Unavailable("no " + std::string(name));
    return found->second;
  }
  Result<std::size_t> CountEntries(std::string_view name) const override {
    if (name != "self/fd" || !open_fds) return Status::Unavailable("no " + std::string(name));
    return *open_fds;
  }
  long ClockTicksPerSecond() const override { return ticks; }
  long PageSize() const override { return page_size; }
};

// A self/stat whose command name holds spaces and parentheses: utime 250 and stime 150 ticks,
// starttime 12345 ticks after boot, vsize 104857600 bytes, rss 2560 pages.
inline constexpr char kSelfStat[] =
    "4242 (hit (counter) x) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 150 0 0 20 0 3 0 12345 "
    "104857600 2560 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n";
// /proc/stat's boot time, with the lines around it.
inline constexpr char kSystemStat[] =
    "cpu  1 2 3 4 5 6 7 0 0 0\nintr 0\nctxt 1\nbtime 1764700000\nprocesses 9\n";
inline constexpr char kSelfLimits[] =
    "Limit                     Soft Limit           Hard Limit           Units     \n"
    "Max cpu time              unlimited            unlimited            seconds   \n"
    "Max open files            1024                 524288               files     \n";

// A FakeProcFs holding the three texts above and 7 open descriptors.
inline FakeProcFs TypicalProcFs() {
  FakeProcFs proc;
  proc.files = {{"self/stat", kSelfStat}, {"stat", kSystemStat}, {"self/limits", kSelfLimits}};
  proc.open_fds = 7;
  return proc;
}

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_SUPPORT_FAKE_PROC_FS_H_

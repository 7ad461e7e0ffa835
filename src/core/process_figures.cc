#include "hitcounter/process_figures.h"

#include <dirent.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace hitcounter {
namespace {

// The fields of self/stat after the command name, which is in parentheses and may hold spaces
// and parentheses itself: everything after the last ')'. Index 0 is field 3 (the state) of
// proc(5).
std::vector<std::string_view> StatFieldsAfterName(std::string_view stat) {
  std::vector<std::string_view> fields;
  const std::size_t close = stat.rfind(')');
  if (close == std::string_view::npos) return fields;
  std::string_view rest = stat.substr(close + 1);
  while (!rest.empty()) {
    const std::size_t start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const std::size_t end = rest.find_first_of(" \n");
    fields.push_back(rest.substr(0, end));
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
  }
  return fields;
}

std::optional<double> Unsigned(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return static_cast<double>(value);
}

// proc(5) field numbers, minus 3 (StatFieldsAfterName starts at field 3).
constexpr std::size_t kUtime = 14 - 3;
constexpr std::size_t kStime = 15 - 3;
constexpr std::size_t kStartTime = 22 - 3;
constexpr std::size_t kVsize = 23 - 3;
constexpr std::size_t kRss = 24 - 3;

// The first value after `key` at the start of a line of `text` ("btime 1764700000",
// "Max open files  1024  4096  files").
std::optional<std::string_view> ValueAfter(std::string_view text, std::string_view key) {
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (!line.starts_with(key)) continue;
    line.remove_prefix(key.size());
    const std::size_t start = line.find_first_not_of(' ');
    if (start == std::string_view::npos || start == 0) return std::nullopt;
    line.remove_prefix(start);
    return line.substr(0, line.find(' '));
  }
  return std::nullopt;
}

}  // namespace

ProcessFigures ReadProcessFigures(const ProcFs& proc) {
  ProcessFigures figures;
  const double ticks = static_cast<double>(proc.ClockTicksPerSecond());
  if (Result<std::string> stat = proc.Read("self/stat"); stat.ok() && ticks > 0) {
    const std::vector<std::string_view> fields = StatFieldsAfterName(*stat);
    if (fields.size() > kRss) {
      const std::optional<double> utime = Unsigned(fields[kUtime]);
      const std::optional<double> stime = Unsigned(fields[kStime]);
      if (utime && stime) figures.cpu_seconds = (*utime + *stime) / ticks;
      figures.virtual_bytes = Unsigned(fields[kVsize]);
      if (std::optional<double> pages = Unsigned(fields[kRss]); pages && proc.PageSize() > 0) {
        figures.resident_bytes = *pages * static_cast<double>(proc.PageSize());
      }
      std::optional<double> started = Unsigned(fields[kStartTime]);
      Result<std::string> system = proc.Read("stat");
      std::optional<std::string_view> btime;
      if (system.ok()) btime = ValueAfter(*system, "btime");
      std::optional<double> boot = btime ? Unsigned(*btime) : std::nullopt;
      if (started && boot) figures.start_time_seconds = *boot + *started / ticks;
    }
  }
  if (Result<std::string> limits = proc.Read("self/limits"); limits.ok()) {
    if (std::optional<std::string_view> soft = ValueAfter(*limits, "Max open files")) {
      figures.max_fds = Unsigned(*soft);  // "unlimited": absent
    }
  }
  if (Result<std::size_t> open = proc.CountEntries("self/fd"); open.ok()) {
    figures.open_fds = static_cast<double>(*open);
  }
  return figures;
}

Result<std::string> SystemProcFs::Read(std::string_view name) const {
  const std::string path = "/proc/" + std::string(name);
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  if (!file || !(text << file.rdbuf())) return Status::Unavailable("cannot read " + path);
  return text.str();
}

Result<std::size_t> SystemProcFs::CountEntries(std::string_view name) const {
  const std::string path = "/proc/" + std::string(name);
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) {
    return Status::Unavailable("cannot list " + path + ": " + std::strerror(errno));
  }
  std::size_t count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (std::strcmp(entry->d_name, ".") != 0 && std::strcmp(entry->d_name, "..") != 0) ++count;
  }
  closedir(dir);
  return count;
}

long SystemProcFs::ClockTicksPerSecond() const { return sysconf(_SC_CLK_TCK); }

long SystemProcFs::PageSize() const { return sysconf(_SC_PAGESIZE); }

}  // namespace hitcounter

// LogLine: one structured log line, the one format in which everything hitcounter logs:
//
//   {"time":"2026-12-03T12:00:00.123Z","level":"error","message":"...", <fields>...}
//
// JSON on a single line (collectors such as CloudWatch and journald read it as is), written with
// one write and flushed at once, so that lines of several threads never interleave and none
// waits in a buffer. Values are escaped by the JSON writer; only what a caller adds is logged,
// so callers never add credentials, tokens, request bodies or query strings.
//
// A value type; build it on one thread.
#ifndef HITCOUNTER_CORE_LOG_LINE_H_
#define HITCOUNTER_CORE_LOG_LINE_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "hitcounter/clock.h"

namespace hitcounter {

class LogLine {
 public:
  // A line at `time` (default: the system clock's now). Levels: "info", "warn", "error".
  LogLine(std::string_view level, std::string_view message);
  LogLine(UnixMillis time, std::string_view level, std::string_view message);

  LogLine& Add(std::string_view key, std::string_view value);
  LogLine& Add(std::string_view key, const char* value) {
    return Add(key, std::string_view(value));
  }
  LogLine& Add(std::string_view key, std::int64_t value);
  LogLine& Add(std::string_view key, int value) { return Add(key, std::int64_t{value}); }
  LogLine& Add(std::string_view key, double value);

  // The line, without its newline.
  std::string Text() const;

  // Writes the line and a newline in one call, and flushes `out`.
  void WriteTo(std::FILE* out) const;

 private:
  std::string fields_;  // ,"key":value... already escaped
  std::string head_;    // {"time":..,"level":..,"message":..
};

}  // namespace hitcounter

#endif  // HITCOUNTER_CORE_LOG_LINE_H_

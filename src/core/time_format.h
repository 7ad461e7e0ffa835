// RFC 3339 timestamps in UTC with milliseconds: "2026-11-26T14:05:07.123Z".
#ifndef HITCOUNTER_CORE_TIME_FORMAT_H_
#define HITCOUNTER_CORE_TIME_FORMAT_H_

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "hitcounter/clock.h"

namespace hitcounter {

// The text of a timestamp, for years 0 to 9999.
using Rfc3339Text = std::array<char, 24>;

// Pure arithmetic (no gmtime_r, whose glibc implementation takes a process-wide lock); the first
// form allocates nothing.
std::string_view FormatRfc3339Millis(UnixMillis millis, Rfc3339Text& text);
std::string FormatRfc3339Millis(UnixMillis millis);

// The moment FormatRfc3339Millis writes as `text`, read back exactly: "YYYY-MM-DDTHH:MM:SS.mmmZ"
// and nothing else (no other offset, precision or separator); nullopt for anything else,
// including impossible dates (February 30th) and times (24:00).
std::optional<UnixMillis> ParseRfc3339Millis(std::string_view text);

}  // namespace hitcounter

#endif  // HITCOUNTER_CORE_TIME_FORMAT_H_

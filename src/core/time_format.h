// RFC 3339 timestamps in UTC with milliseconds: "2026-11-26T14:05:07.123Z".
#ifndef HITCOUNTER_CORE_TIME_FORMAT_H_
#define HITCOUNTER_CORE_TIME_FORMAT_H_

#include <string>

#include "hitcounter/clock.h"

namespace hitcounter {

// Pure arithmetic (no gmtime_r, whose glibc implementation takes a process-wide lock).
std::string FormatRfc3339Millis(UnixMillis millis);

}  // namespace hitcounter

#endif  // HITCOUNTER_CORE_TIME_FORMAT_H_

// The SQLite store's journal: each committed batch appends one row to the table `journal`,
// holding the records the batch changed, whole (absolute values, not deltas). Replaying the
// rows in order over the `counters` table gives the current counts, so a batch costs one
// small insert however many routes it touched, and the store folds journaled records into
// `counters` later, many batches at once (sqlite_store.h).
//
// Encoding of a row's blob: records one after another, each
//   u16 route length, route bytes, then six little-endian 64-bit integers:
//   count, first_seen, last_access, window_start, window_hits, window_seconds.
// A record of six zeros is a tombstone: the route was deleted (sqlite_store.h), and replaying
// it removes the route's row and rate-limit window.
// Pure functions; safe from any thread.
#ifndef HITCOUNTER_STORE_JOURNAL_H_
#define HITCOUNTER_STORE_JOURNAL_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "hitcounter/clock.h"
#include "hitcounter/status.h"

namespace hitcounter {

// The longest route a journal row can hold: routes are at most kMaxRouteBytes (route.h).
inline constexpr std::size_t kMaxJournalRouteBytes = 0xFFFF;

struct JournalRecord {
  std::string_view route;
  std::int64_t count = 0;
  UnixMillis first_seen = 0;
  UnixMillis last_access = 0;
  UnixMillis window_start = 0;  // the record's rate-limit window; window_hits 0: none
  std::int64_t window_hits = 0;
  std::int64_t window_seconds = 0;
};

// Appends `record` to `blob`. The route must be at most kMaxJournalRouteBytes long.
void AppendJournalRecord(const JournalRecord& record, std::string& blob);

// Calls `each` for every record of `blob`, in order (the route views point into `blob`).
// kInternal naming the damage when the blob is not a well-formed journal row.
Status ReadJournalRecords(std::string_view blob,
                          const std::function<void(const JournalRecord&)>& each);

}  // namespace hitcounter

#endif  // HITCOUNTER_STORE_JOURNAL_H_

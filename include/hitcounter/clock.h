// Clock: the one place the core asks for the time, so tests can control it.
//
// Implementations must be thread-safe: the service reads the clock from any thread.
#ifndef HITCOUNTER_CLOCK_H_
#define HITCOUNTER_CLOCK_H_

#include <atomic>
#include <cstdint>

namespace hitcounter {

// Milliseconds since the Unix epoch, UTC. Every timestamp hitcounter stores has this unit.
using UnixMillis = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixMillis Now() const = 0;
};

// The wall clock (std::chrono::system_clock).
class SystemClock final : public Clock {
 public:
  UnixMillis Now() const override;
};

// A clock that only moves when told to. For tests.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(UnixMillis start) : now_(start) {}
  UnixMillis Now() const override { return now_.load(); }
  void Set(UnixMillis now) { now_.store(now); }
  void Advance(UnixMillis delta) { now_.fetch_add(delta); }

 private:
  std::atomic<UnixMillis> now_;
};

}  // namespace hitcounter

#endif  // HITCOUNTER_CLOCK_H_

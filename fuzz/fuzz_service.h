// A Service as the front ends run it, over an in-memory store and a fixed clock, with every
// feature on that a request can reach: an admin token, a rate-limited prefix and metrics. One
// per input, so that each input is judged alone and a crash reproduces from its file.
#ifndef HITCOUNTER_FUZZ_FUZZ_SERVICE_H_
#define HITCOUNTER_FUZZ_FUZZ_SERVICE_H_

#include <string>

#include "hitcounter/clock.h"
#include "hitcounter/metrics.h"
#include "hitcounter/service.h"
#include "tests/support/memory_store.h"

namespace hitcounter::fuzz {

inline constexpr UnixMillis kFuzzNow = 1'764'000'000'000;  // 2025-11-24: any fixed time will do
inline constexpr const char* kFuzzAdminToken = "fuzz-admin-token";
inline constexpr const char* kFuzzRateLimitRules = "/limited 2/1m";

struct FuzzService {
  static ServiceOptions Options(const Metrics& metrics) {
    ServiceOptions options;
    options.admin_token = kFuzzAdminToken;
    options.metrics = &metrics;
    options.rate_limits = RateLimitPolicy::Make(std::nullopt, kFuzzRateLimitRules).value();
    return options;
  }

  testing::MemoryStore store;
  FakeClock clock{kFuzzNow};
  Metrics metrics;
  Service service{store, clock, Options(metrics)};
};

}  // namespace hitcounter::fuzz

#endif  // HITCOUNTER_FUZZ_FUZZ_SERVICE_H_

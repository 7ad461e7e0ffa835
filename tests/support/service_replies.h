// Reading what the Service answered, for the core's unit tests.
#ifndef HITCOUNTER_TESTS_SUPPORT_SERVICE_REPLIES_H_
#define HITCOUNTER_TESTS_SUPPORT_SERVICE_REPLIES_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "hitcounter/service.h"
#include "hitcounter/store.h"
#include "tests/support/store_calls.h"

namespace hitcounter::testing {

// The value of the response's header `name` (exact case), empty when it has none.
inline std::string HeaderOf(const Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

// The count of `route` in `store`; 0 when it was never hit or the store fails.
inline std::int64_t CountIn(Store& store, const std::string& route) {
  Result<RouteStats> stats = GetNow(store, route);
  return stats.ok() ? stats->count : 0;
}

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_SUPPORT_SERVICE_REPLIES_H_

// The contract every Store passes: the same tests run against each backend, so backends
// cannot drift apart. A backend instantiates the suite with a factory of fresh, empty stores:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
//                            ::testing::Values(StoreFactory{"sqlite", [](auto max_routes) {...}}));
#ifndef HITCOUNTER_TESTS_STORE_CONTRACT_H_
#define HITCOUNTER_TESTS_STORE_CONTRACT_H_

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "hitcounter/store.h"
#include "tests/support/store_calls.h"

namespace hitcounter::testing {

struct StoreFactory {
  std::string name;
  // A new, empty store each call, refusing new routes past `max_routes` (kUnboundedRoutes: never).
  std::function<std::unique_ptr<Store>(std::int64_t max_routes)> make;
};

inline void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

class StoreContractTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam().make(kUnboundedRoutes);
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<Store> store_;
};

// Calls Store::Increment and waits for its callback.
Result<CountedHit> IncrementWithin(Store& store, std::string route, UnixMillis now,
                                   std::optional<RateLimit> limit);

// The same without a rate limit: the route's record after the hit.
Result<RouteStats> IncrementAndWait(Store& store, std::string route, UnixMillis now);

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_STORE_CONTRACT_H_

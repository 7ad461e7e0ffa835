// The store contract suite on the MemoryStore of the core's unit tests (tests/support), so that
// the fake the core is tested against behaves as every real store does.
#include "tests/support/memory_store.h"

#include "tests/store_contract.h"

namespace hitcounter::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(Memory, StoreContractTest,
                         ::testing::Values(StoreFactory{"memory", [](std::int64_t max_routes) {
                                                          return std::unique_ptr<Store>(
                                                              new MemoryStore(max_routes));
                                                        }}));

}  // namespace
}  // namespace hitcounter::testing

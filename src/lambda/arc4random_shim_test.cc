#include "lambda/arc4random_shim.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>

namespace hitcounter::lambda {
namespace {

TEST(Arc4randomShimTest, FillsTheWholeBufferWithFreshBytesEachCall) {
  std::array<unsigned char, 4096> first{};
  std::array<unsigned char, 4096> second{};
  __wrap_arc4random_buf(first.data(), first.size());
  __wrap_arc4random_buf(second.data(), second.size());
  EXPECT_NE(std::memcmp(first.data(), second.data(), first.size()), 0);
  // The last bytes were written too: 64 zero bytes by chance is 2^-512.
  std::array<unsigned char, 64> zeros{};
  EXPECT_NE(std::memcmp(first.data() + first.size() - zeros.size(), zeros.data(), zeros.size()), 0);
}

TEST(Arc4randomShimTest, AnEmptyRequestTouchesNothing) {
  unsigned char canary = 0x5a;
  __wrap_arc4random_buf(&canary, 0);
  EXPECT_EQ(canary, 0x5a);
}

}  // namespace
}  // namespace hitcounter::lambda

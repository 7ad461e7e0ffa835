#include "lambda/dl_find_object_shim.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace hitcounter::lambda {
namespace {

[[gnu::noinline]] void Throw(int depth) {
  if (depth == 0) throw std::runtime_error("deep");
  Throw(depth - 1);
}

TEST(DlFindObjectShimTest, ExceptionsUnwindThroughTheShim) {
  const std::size_t before = DlFindObjectShimCalls();
  try {
    Throw(10);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "deep");
  }
#ifdef HITCOUNTER_LAMBDA_PORTABLE_LINK
  EXPECT_GT(DlFindObjectShimCalls(), before);  // linked with --wrap=_dl_find_object
#else
  (void)before;
  GTEST_SKIP() << "sanitizer build: linked without the shim";
#endif
}

TEST(DlFindObjectShimTest, FindsTheObjectHoldingAnAddressAndItsUnwindTables) {
  dl_find_object found{};
  void* code = reinterpret_cast<void*>(&Throw);
  ASSERT_EQ(__wrap__dl_find_object(code, &found), 0);
  EXPECT_LE(found.dlfo_map_start, code);
  EXPECT_GT(found.dlfo_map_end, code);
  EXPECT_NE(found.dlfo_eh_frame, nullptr);
}

TEST(DlFindObjectShimTest, AnAddressOutsideEveryObjectIsNotFound) {
  dl_find_object found{};
  EXPECT_EQ(__wrap__dl_find_object(reinterpret_cast<void*>(16), &found), -1);
}

}  // namespace
}  // namespace hitcounter::lambda

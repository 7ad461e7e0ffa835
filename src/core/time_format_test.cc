#include "core/time_format.h"

#include <gtest/gtest.h>

namespace hitcounter {
namespace {

TEST(FormatRfc3339Millis, WritesTheEpoch) {
  EXPECT_EQ(FormatRfc3339Millis(0), "1970-01-01T00:00:00.000Z");
}

TEST(FormatRfc3339Millis, WritesMillisecondsAndPadsEveryField) {
  EXPECT_EQ(FormatRfc3339Millis(1795701907123), "2026-11-26T14:05:07.123Z");
  EXPECT_EQ(FormatRfc3339Millis(1709164800001), "2024-02-29T00:00:00.001Z");
}

}  // namespace
}  // namespace hitcounter

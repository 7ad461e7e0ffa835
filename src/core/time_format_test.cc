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

TEST(ParseRfc3339Millis, ReadsBackWhatIsWrittenExactly) {
  for (UnixMillis millis : {UnixMillis{0}, UnixMillis{1795701907123}, UnixMillis{951782400000},
                            UnixMillis{253402300799999}, UnixMillis{-62167219200000}}) {
    EXPECT_EQ(ParseRfc3339Millis(FormatRfc3339Millis(millis)), millis) << millis;
  }
}

TEST(ParseRfc3339Millis, RefusesEveryOtherSpelling) {
  for (const char* text :
       {"", "2026-11-26T14:05:07Z", "2026-11-26T14:05:07.123+00:00", "2026-11-26 14:05:07.123Z",
        "2026-11-26T14:05:07.1234Z", "2026-02-30T00:00:00.000Z", "2025-02-29T00:00:00.000Z",
        "2026-13-01T00:00:00.000Z", "2026-11-26T24:00:00.000Z", "2026-11-26T14:60:00.000Z",
        "2026-11-26t14:05:07.123z", "+026-11-26T14:05:07.123Z"}) {
    EXPECT_EQ(ParseRfc3339Millis(text), std::nullopt) << text;
  }
  EXPECT_EQ(ParseRfc3339Millis("2024-02-29T00:00:00.000Z"), UnixMillis{1709164800000});
}

}  // namespace
}  // namespace hitcounter

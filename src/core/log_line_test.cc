#include "core/log_line.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace hitcounter {
namespace {

TEST(LogLine, IsOneLineOfJsonWithTimeLevelMessageAndFieldsInOrder) {
  const std::string text = LogLine(1'795'701'907'123, "error", "store failed")
                               .Add("status", 503)
                               .Add("route", "/a")
                               .Add("durationMs", 1.5)
                               .Text();
  EXPECT_EQ(text, R"({"time":"2026-11-26T14:05:07.123Z","level":"error","message":"store failed",)"
                  R"("status":503,"route":"/a","durationMs":1.5})");
}

TEST(LogLine, EscapesWhatItIsGiven) {
  const std::string text =
      LogLine(0, "info", "a \"quoted\"\nline").Add("path", std::string_view("/x\x01y\\", 5)).Text();
  EXPECT_EQ(text.find('\n'), std::string::npos);
  rapidjson::Document document;
  document.Parse(text.c_str());
  ASSERT_FALSE(document.HasParseError()) << text;
  EXPECT_STREQ(document["message"].GetString(), "a \"quoted\"\nline");
  EXPECT_EQ(std::string(document["path"].GetString(), document["path"].GetStringLength()),
            std::string("/x\x01y\\", 5));
}

}  // namespace
}  // namespace hitcounter

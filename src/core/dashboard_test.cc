#include "core/dashboard.h"

#include <gtest/gtest.h>

namespace hitcounter {
namespace {

TEST(DashboardTest, StatsUrlIsRelativeToThePageUnderTheReservedPrefix) {
  EXPECT_EQ(RelativeStatsUrl("/_"), "./_stats");
  EXPECT_EQ(RelativeStatsUrl("/admin/"), "./stats");
  EXPECT_EQ(RelativeStatsUrl("/prod/_"), "./_stats");
  EXPECT_EQ(RelativeStatsUrl("/x:y_"), "./x:y_stats");  // "./" keeps ':' from reading as a scheme
}

TEST(DashboardTest, StatsUrlEncodesWhatAPathSegmentCannotHold) {
  EXPECT_EQ(RelativeStatsUrl("/my prefix?#_"), "./my%20prefix%3F%23_stats");
  EXPECT_EQ(RelativeStatsUrl("/café_"), "./caf%C3%A9_stats");
}

TEST(DashboardTest, PageCarriesItsStatsUrlHtmlEscapedAndNoPlaceholder) {
  std::string page = DashboardPage("/it's_");
  EXPECT_NE(page.find(R"(content="./it&#39;s_stats")"), std::string::npos);
  EXPECT_EQ(page.find(kStatsUrlPlaceholder), std::string::npos);
}

TEST(DashboardTest, PageIsSelfContainedAndDeclaresItsOwnIcon) {
  std::string_view page = DashboardTemplate();
  EXPECT_EQ(page.substr(0, 15), "<!doctype html>");
  EXPECT_NE(page.find(R"(<link rel="icon" href="data:,">)"), std::string_view::npos);
  EXPECT_NE(page.find(R"(name="viewport")"), std::string_view::npos);
  // Nothing is loaded from elsewhere: no external script, style sheet, image or font.
  for (std::string_view external : {"src=", "http://", "https://", "@import", "url("}) {
    EXPECT_EQ(page.find(external), std::string_view::npos) << external;
  }
}

}  // namespace
}  // namespace hitcounter

#include "cli/stats_format.h"

#include <algorithm>

#include "core/json.h"
#include "core/time_format.h"

namespace hitcounter::cli {
namespace {

constexpr std::string_view kCountHeader = "HITS";
constexpr std::string_view kCsvLineEnd = "\r\n";
constexpr std::size_t kTimestampWidth = 24;  // 2026-11-26T14:05:07.123Z
constexpr std::string_view kColumnGap = "  ";

std::string PadLeft(const std::string& text, std::size_t width) {
  return std::string(width > text.size() ? width - text.size() : 0, ' ') + text;
}

std::string PadRight(std::string text, std::size_t width) {
  text.resize(std::max(width, text.size()), ' ');
  return text;
}

}  // namespace

std::string StatsTable(const std::vector<RouteStats>& routes) {
  std::size_t count_width = kCountHeader.size();
  std::int64_t total = 0;
  for (const RouteStats& stats : routes) {
    count_width = std::max(count_width, std::to_string(stats.count).size());
    total += stats.count;
  }
  std::string out = PadLeft(std::string(kCountHeader), count_width);
  out.append(kColumnGap).append(PadRight("LAST ACCESS", kTimestampWidth));
  out.append(kColumnGap).append(PadRight("FIRST SEEN", kTimestampWidth));
  out.append(kColumnGap).append("ROUTE\n");
  for (const RouteStats& stats : routes) {
    out.append(PadLeft(std::to_string(stats.count), count_width));
    out.append(kColumnGap).append(FormatRfc3339Millis(stats.last_access));
    out.append(kColumnGap).append(FormatRfc3339Millis(stats.first_seen));
    out.append(kColumnGap).append(stats.route).append("\n");
  }
  out.append(std::to_string(routes.size()))
      .append(routes.size() == 1 ? " route, " : " routes, ")
      .append(std::to_string(total))
      .append(total == 1 ? " hit\n" : " hits\n");
  return out;
}

std::string StatsJson(const std::vector<RouteStats>& routes) {
  StatsPage page;
  page.routes = routes;
  return StatsPageJson(page, "") + "\n";
}

std::string CsvField(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

std::string StatsCsv(const std::vector<RouteStats>& routes) {
  std::string out = "route,count,firstSeen,lastAccess";
  out.append(kCsvLineEnd);
  for (const RouteStats& stats : routes) {
    out.append(CsvField(stats.route)).append(",").append(std::to_string(stats.count));
    out.append(",").append(FormatRfc3339Millis(stats.first_seen));
    out.append(",").append(FormatRfc3339Millis(stats.last_access)).append(kCsvLineEnd);
  }
  return out;
}

}  // namespace hitcounter::cli

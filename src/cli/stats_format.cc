#include "cli/stats_format.h"

#include <algorithm>

#include "core/json.h"
#include "core/time_format.h"

namespace hitcounter::cli {
namespace {

constexpr std::string_view kRouteHeader = "ROUTE";
constexpr std::string_view kCountHeader = "COUNT";
constexpr std::string_view kCsvLineEnd = "\r\n";
constexpr std::size_t kTimestampWidth = 24;  // 2026-11-26T14:05:07.123Z
constexpr std::string_view kColumnGap = "  ";

// Code points, which is what a terminal shows of a route (wide characters aside): UTF-8's
// continuation bytes do not count.
std::size_t DisplayWidth(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string PadLeft(const std::string& text, std::size_t width) {
  return std::string(width > text.size() ? width - text.size() : 0, ' ') + text;
}

void AppendPadded(std::string& out, std::string_view text, std::size_t width) {
  out.append(text);
  const std::size_t shown = DisplayWidth(text);
  if (shown < width) out.append(width - shown, ' ');
}

std::string Plural(std::int64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

// The header and one line per route.
std::string Rows(const std::vector<RouteStats>& routes) {
  std::size_t route_width = kRouteHeader.size();
  std::size_t count_width = kCountHeader.size();
  for (const RouteStats& stats : routes) {
    route_width = std::max(route_width, DisplayWidth(stats.route));
    count_width = std::max(count_width, std::to_string(stats.count).size());
  }
  std::string out;
  AppendPadded(out, kRouteHeader, route_width);
  out.append(kColumnGap).append(PadLeft(std::string(kCountHeader), count_width));
  out.append(kColumnGap);
  AppendPadded(out, "FIRST SEEN", kTimestampWidth);
  out.append(kColumnGap).append("LAST ACCESS\n");
  for (const RouteStats& stats : routes) {
    AppendPadded(out, stats.route, route_width);
    out.append(kColumnGap).append(PadLeft(std::to_string(stats.count), count_width));
    out.append(kColumnGap).append(FormatRfc3339Millis(stats.first_seen));
    out.append(kColumnGap).append(FormatRfc3339Millis(stats.last_access)).append("\n");
  }
  return out;
}

}  // namespace

std::string StatsTable(const StatsListing& listing) {
  std::string out = Rows(listing.routes);
  out.append(Plural(listing.totals.routes, "route", "routes"))
      .append(", ")
      .append(Plural(listing.totals.hits, "hit", "hits"));
  if (!listing.prefix.empty()) out.append(" under ").append(listing.prefix);
  const auto shown = static_cast<std::int64_t>(listing.routes.size());
  if (shown != listing.totals.routes) {
    out.append("; ").append(std::to_string(shown)).append(" shown");
    if (!listing.next_cursor.empty()) out.append(", raise --limit to see more");
  }
  return out.append("\n");
}

std::string RouteTable(const RouteStats& stats) { return Rows({stats}); }

std::string StatsJson(const StatsListing& listing) {
  StatsPage page;
  page.routes = listing.routes;
  page.totals = listing.totals;
  return StatsPageJson(page, listing.next_cursor) + "\n";
}

std::string CutNotice(const StatsListing& listing) {
  if (listing.next_cursor.empty()) return "";
  return std::to_string(listing.routes.size()) + " of " +
         Plural(listing.totals.routes, "route", "routes") + " written; raise --limit to see more";
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

// The dashboard: one self-contained HTML page (web/dashboard.html, embedded into the binary at
// build time by cmake/embed_text.cmake) served at GET {reserved prefix}dashboard.
//
// The page reads its data from {reserved prefix}stats through a URL relative to itself, so it
// works behind any path prefix (API Gateway's stage) without knowing it. Pure functions.
#ifndef HITCOUNTER_CORE_DASHBOARD_H_
#define HITCOUNTER_CORE_DASHBOARD_H_

#include <string>
#include <string_view>

namespace hitcounter {

// The page as shipped, with the placeholder kStatsUrlPlaceholder. Defined by the generated
// source.
std::string_view DashboardTemplate();

// Where the page's stats URL goes.
inline constexpr std::string_view kStatsUrlPlaceholder = "__STATS_URL__";

// The URL of {reserved_prefix}stats relative to the page at {reserved_prefix}dashboard: the last
// segment of the prefix plus "stats", after "./" (so that a ':' cannot read as a scheme), with
// the bytes a URL path cannot hold percent-encoded. "/_" gives "./_stats", "/admin/" "./stats".
std::string RelativeStatsUrl(std::string_view reserved_prefix);

// The page for `reserved_prefix`, its stats URL filled in (HTML-escaped).
std::string DashboardPage(std::string_view reserved_prefix);

}  // namespace hitcounter

#endif  // HITCOUNTER_CORE_DASHBOARD_H_

#include "cli/stats.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>

#include "cli/stats_format.h"
#include "core/json.h"
#include "core/stats_query.h"
#include "hitcounter/route.h"
#include "hitcounter/service.h"

namespace hitcounter::cli {
namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "hitcounter: %s\n", message.c_str());
  return 1;
}

int Print(const std::string& out) {
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::ferror(stdout) ? 1 : 0;
}

// One page, from a store opened to answer before returning (OpenStoreToRead).
Result<StatsPage> ListPage(Store& store, const StatsQuery& query) {
  std::optional<Result<StatsPage>> listed;
  store.List(query, kNoDeadline, [&listed](Result<StatsPage> page) { listed = std::move(page); });
  if (!listed) return Status::Internal("the store did not answer");
  return std::move(*listed);
}

// Up to `flags.limit` routes, page by page (kMaxStatsLimit routes a page, as /_stats serves),
// and the totals under the prefix, asked with the first page.
Result<StatsListing> ReadListing(Store& store, const StatsFlags& flags) {
  StatsQuery query;
  query.order = *ParseStatsOrder(flags.sort);  // checked by the flag
  query.prefix = flags.prefix;
  if (!flags.cursor.empty()) {
    Result<StatsCursor> cursor = DecodeCursor(query.order, flags.cursor);
    if (!cursor.ok()) return Status::InvalidArgument("--cursor: " + cursor.status().message());
    query.after = std::move(cursor).value();
  }
  query.with_totals = true;
  StatsListing listing;
  listing.prefix = flags.prefix;
  for (;;) {
    query.limit = std::min(kMaxStatsLimit, flags.limit - listing.routes.size());
    Result<StatsPage> listed = ListPage(store, query);
    if (!listed.ok()) return listed.status();
    StatsPage page = std::move(listed).value();
    if (page.totals) listing.totals = *page.totals;
    query.with_totals = false;
    for (RouteStats& stats : page.routes) listing.routes.push_back(std::move(stats));
    if (!page.next) break;
    if (listing.routes.size() == flags.limit) {
      listing.next_cursor = EncodeCursor(query.order, *page.next);
      break;
    }
    query.after = std::move(page.next);
  }
  return listing;
}

int PrintRoute(Store& store, const StatsFlags& flags) {
  // As /_stats?route= takes it: a path, spelled as in a URL or as listings show it.
  Result<std::string> route = NormalizeRoute(flags.route);
  if (!route.ok()) return Fail("--route: " + route.status().message());
  std::optional<Result<RouteStats>> read;
  store.Get(*route, kNoDeadline, [&read](Result<RouteStats> stats) { read = std::move(stats); });
  if (!read) return Fail("the store did not answer");
  if (!read->ok() && read->status().code() == StatusCode::kNotFound) {
    return Fail(*route + " was never hit");
  }
  if (!read->ok()) return Fail(read->status().message());
  const RouteStats& stats = read->value();
  return Print(flags.json  ? RouteStatsJson(stats) + "\n"
               : flags.csv ? StatsCsv({stats})
                           : RouteTable(stats));
}

}  // namespace

void AddStatsFlags(CLI::App& command, StatsFlags& flags) {
  AddStoreFlags(command, flags.store);
  CLI::Option* sort =
      command
          .add_option("--sort", flags.sort,
                      "Order: count (highest first), route (A to Z), lastAccess (newest first); "
                      "ties by route, Z to A; any case")
          ->check([](const std::string& value) {
            Result<StatsOrder> order = ParseStatsOrder(value);
            return order.ok() ? std::string() : order.status().message();
          })
          ->capture_default_str();
  CLI::Option* limit = command.add_option("--limit", flags.limit, "Most routes to print")
                           ->check(CLI::Range(std::size_t{1}, kMaxStatsRows))
                           ->capture_default_str();
  CLI::Option* prefix = command.add_option("--prefix", flags.prefix,
                                           "Only routes starting with this text, e.g. /api/");
  CLI::Option* cursor =
      command.add_option("--cursor", flags.cursor,
                         "Start after the routes of an earlier run: its --json nextCursor (or "
                         "/_stats' nextCursor), with the same --sort and --prefix");
  command
      .add_option("--route", flags.route,
                  "Only this route (a path, as in a URL or as listings show it)")
      ->excludes(sort)
      ->excludes(limit)
      ->excludes(prefix)
      ->excludes(cursor);
  CLI::Option* json =
      command.add_flag("--json", flags.json,
                       "Print JSON, as GET /_stats?totals=true does (GET /_stats?route= with "
                       "--route)");
  command.add_flag("--csv", flags.csv, "Print CSV (RFC 4180) with a header line")->excludes(json);
}

int Stats(const StatsFlags& flags) {
  Result<std::unique_ptr<Store>> store = OpenStoreToRead(flags.store);
  if (!store.ok()) return Fail(store.status().message());
  if (!flags.route.empty()) return PrintRoute(**store, flags);
  Result<StatsListing> listing = ReadListing(**store, flags);
  if (!listing.ok()) return Fail(listing.status().message());
  if (flags.json) return Print(StatsJson(*listing));
  if (!flags.csv) return Print(StatsTable(*listing));
  const int printed = Print(StatsCsv(listing->routes));
  if (const std::string notice = CutNotice(*listing); !notice.empty()) Fail(notice);
  return printed;
}

}  // namespace hitcounter::cli

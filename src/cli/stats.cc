#include "cli/stats.h"

#include <cstdio>
#include <map>
#include <optional>

#include "cli/stats_format.h"
#include "hitcounter/service.h"

namespace hitcounter::cli {
namespace {

const std::map<std::string, StatsOrder> kOrders = {{"count", StatsOrder::kByCount},
                                                   {"route", StatsOrder::kByRoute},
                                                   {"lastAccess", StatsOrder::kByLastAccess}};

int Fail(const std::string& message) {
  std::fprintf(stderr, "hitcounter: %s\n", message.c_str());
  return 1;
}

// Up to `flags.limit` routes, page by page (kMaxStatsLimit routes a page, as /_stats serves).
Result<std::vector<RouteStats>> ReadRoutes(Store& store, const StatsFlags& flags) {
  StatsQuery query;
  query.order = kOrders.at(flags.sort);
  query.prefix = flags.prefix;
  std::vector<RouteStats> routes;
  while (routes.size() < flags.limit) {
    query.limit = std::min(kMaxStatsLimit, flags.limit - routes.size());
    std::optional<Result<StatsPage>> listed;
    // The store was opened to answer before returning (OpenStoreToRead).
    store.List(query, kNoDeadline, [&listed](Result<StatsPage> page) { listed = std::move(page); });
    if (!listed) return Status::Internal("the store did not answer");
    if (!listed->ok()) return listed->status();
    StatsPage page = std::move(*listed).value();
    for (RouteStats& stats : page.routes) routes.push_back(std::move(stats));
    if (!page.next) break;
    query.after = std::move(page.next);
  }
  return routes;
}

}  // namespace

void AddStatsFlags(CLI::App& command, StatsFlags& flags) {
  AddStoreFlags(command, flags.store);
  command.add_option("--sort", flags.sort, "Order: count (highest first), route, lastAccess")
      ->check(CLI::IsMember({"count", "route", "lastAccess"}))
      ->capture_default_str();
  command.add_option("--limit", flags.limit, "Most routes to print")
      ->check(CLI::Range(std::size_t{1}, kMaxStatsRows))
      ->capture_default_str();
  command.add_option("--prefix", flags.prefix, "Only routes starting with this text, e.g. /api/");
  CLI::Option* json = command.add_flag("--json", flags.json, "Print JSON, as GET /_stats does");
  command.add_flag("--csv", flags.csv, "Print CSV (RFC 4180) with a header line")->excludes(json);
}

int Stats(const StatsFlags& flags) {
  Result<std::unique_ptr<Store>> store = OpenStoreToRead(flags.store);
  if (!store.ok()) return Fail(store.status().message());
  Result<std::vector<RouteStats>> routes = ReadRoutes(**store, flags);
  if (!routes.ok()) return Fail(routes.status().message());
  std::string out = flags.json  ? StatsJson(*routes)
                    : flags.csv ? StatsCsv(*routes)
                                : StatsTable(*routes);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::ferror(stdout) ? 1 : 0;
}

}  // namespace hitcounter::cli

#include "cli/reset.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <future>
#include <limits>

#include "core/delete_routes.h"
#include "hitcounter/route.h"

namespace hitcounter::cli {
namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "hitcounter: %s\n", message.c_str());
  return 1;
}

std::string Plural(std::int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string Summary(const DeletedRoutes& deleted) {
  return "deleted " + Plural(deleted.routes, "route", "routes") + " holding " +
         Plural(deleted.hits, "hit", "hits");
}

int ResetRoute(Store& store, const std::string& text) {
  // As /_stats?route= takes it: a path, spelled as in a URL or as listings show it.
  Result<std::string> route = NormalizeRoute(text);
  if (!route.ok()) return Fail("--route: " + route.status().message());
  std::promise<Result<DeletedRoutes>> promise;
  store.Delete({*route}, kNoDeadline, [&promise](Result<DeletedRoutes> deleted) {
    promise.set_value(std::move(deleted));
  });
  Result<DeletedRoutes> deleted = promise.get_future().get();
  if (!deleted.ok()) return Fail(deleted.status().message());
  if (deleted->routes == 0) return Fail(*route + " was never hit: nothing was deleted");
  std::printf("%s: %s\n", route->c_str(), Summary(*deleted).c_str());
  return 0;
}

// Page after page (kMaxDeletedRoutesPerCall routes each) until none remain.
int ResetPrefix(Store& store, const std::string& prefix) {
  DeletedRoutes total;
  for (;;) {
    std::promise<Result<PrefixDeletion>> promise;
    DeleteUnderPrefix(store, prefix, kNoDeadline, [&promise](Result<PrefixDeletion> deletion) {
      promise.set_value(std::move(deletion));
    });
    Result<PrefixDeletion> deletion = promise.get_future().get();
    if (!deletion.ok()) {
      return Fail(deletion.status().message() + " (after " + Summary(total) + ")");
    }
    total.routes += deletion->deleted.routes;
    total.hits = deletion->deleted.hits > std::numeric_limits<std::int64_t>::max() - total.hits
                     ? std::numeric_limits<std::int64_t>::max()
                     : total.hits + deletion->deleted.hits;
    if (!deletion->more) break;
  }
  std::printf("under %s: %s\n", prefix.c_str(), Summary(total).c_str());
  return 0;
}

}  // namespace

void AddResetFlags(CLI::App& command, ResetFlags& flags) {
  AddStoreFlags(command, flags.store);
  CLI::Option* route = command.add_option(
      "--route", flags.route, "Delete this route's count (a path, as in a URL or as listed)");
  CLI::Option* prefix = command.add_option(
      "--prefix", flags.prefix, "Delete every route starting with this text (\"/\": all routes)");
  route->excludes(prefix);
  prefix->check([](const std::string& value) {
    return value.empty() ? std::string("--prefix must not be empty (\"/\" names every route)")
                         : std::string();
  });
}

int Reset(const ResetFlags& flags) {
  if (flags.route.empty() == flags.prefix.empty()) {
    return Fail("reset takes exactly one of --route ROUTE and --prefix PREFIX (\"/\": all routes)");
  }
  const std::string path = SqlitePath(flags.store);
  if (!path.empty() && !std::filesystem::exists(path)) {
    return Fail(path + " does not exist: no counts to reset");
  }
  Result<std::unique_ptr<Store>> store = OpenStore(flags.store);
  if (!store.ok() && !path.empty() &&
      store.status().message().find("in use") != std::string::npos) {
    return Fail(
        path +
        " is owned by a running hitcounter serve (a SQLite file has one writer): delete through "
        "it instead, with its admin token, e.g. curl -X DELETE -H \"Authorization: Bearer "
        "$TOKEN\" \"http://HOST:PORT/_stats?route=/a\" (or ?prefix=/a/), or stop it first");
  }
  if (!store.ok()) return Fail(store.status().message());
  return flags.route.empty() ? ResetPrefix(**store, flags.prefix)
                             : ResetRoute(**store, flags.route);
}

}  // namespace hitcounter::cli

// `hitcounter serve`: the standalone HTTP server over the configured store.
#ifndef HITCOUNTER_CLI_SERVE_H_
#define HITCOUNTER_CLI_SERVE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "cli/rate_limit_flags.h"
#include "cli/route_template_flags.h"
#include "cli/store_flags.h"

namespace CLI {
class App;  // CLI11's, included only where flags are added: it is heavy to compile
}  // namespace CLI

namespace hitcounter::cli {

struct ServeFlags {
  std::string listen = "127.0.0.1:8080";
  StoreFlags store;
  std::string reserved_prefix = "/_";
  std::size_t max_connections = 0;      // set from the server's default
  unsigned idle_timeout_seconds = 0;    // likewise
  unsigned header_timeout_seconds = 0;  // likewise
  bool access_log = false;
  RateLimitFlags rate_limits;
  RouteTemplateFlags route_templates;
  std::string admin_token;                   // empty: the read-only endpoints are open
  std::vector<std::string> trusted_proxies;  // CIDRs whose forwarding headers name the client
};

// Declares the flags, each with its HITCOUNTER_* environment variable.
void AddServeFlags(CLI::App& command, ServeFlags& flags);

// The line `serve` prints once it listens (scripts read the port from it): the URL of
// `address`:`port` where it is bound (with `asked_host` when that was a name, or "every
// interface, IPv4 and IPv6" when it was empty and IPv6 is there), the store, the URLs of the
// dashboard and of stats, and whether an admin token guards them (never the token). Ends in '\n'.
std::string StartLine(const std::string& asked_host, const std::string& address,
                      unsigned short port, const ServeFlags& flags);

// Runs until SIGINT or SIGTERM; the process exit code.
int Serve(const ServeFlags& flags);

}  // namespace hitcounter::cli

#endif  // HITCOUNTER_CLI_SERVE_H_

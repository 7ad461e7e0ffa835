#include "cli/serve.h"

#include <sys/resource.h>
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <system_error>

#include "core/log_line.h"
#include "hitcounter/service.h"
#include "server/http_server.h"
#include "server/io_executor.h"

namespace hitcounter::cli {
namespace {

struct HostPort {
  std::string host;
  unsigned short port = 0;
};

// "HOST:PORT" (HOST an IP address or a host name), "[IPv6]:PORT", or ":PORT" (every
// interface, IPv4 and IPv6: the host is empty).
Result<HostPort> ParseListen(const std::string& text) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) {
    return Status::InvalidArgument("--listen wants HOST:PORT, got \"" + text + "\"");
  }
  HostPort out;
  out.host = text.substr(0, colon);
  if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  try {
    std::size_t used = 0;
    unsigned long port = std::stoul(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || port > 65535) throw std::out_of_range("port");
    out.port = static_cast<unsigned short>(port);
  } catch (const std::exception&) {
    return Status::InvalidArgument("--listen has a bad port: \"" + text + "\"");
  }
  return out;
}

// Raises the soft limit on open files to the hard limit (each connection is a descriptor) and
// returns the limit now in force.
rlim_t RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &limit);
    (void)getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

// The longest --idle-timeout and --header-timeout: a day.
constexpr unsigned kMaxTimeoutSeconds = 24 * 60 * 60;

// A SQLite database that `serve` created and must not leave behind when it cannot start
// (a port in use): removed, with its WAL and shared-memory files, on destruction unless Keep()
// was called. Destroy it after the store, which closes the file.
class CreatedDatabase {
 public:
  // `path` empty (not a SQLite store) or existing already: nothing to remove.
  explicit CreatedDatabase(std::string path) {
    std::error_code ec;
    if (!path.empty() && !std::filesystem::exists(path, ec) && !ec) path_ = std::move(path);
  }
  CreatedDatabase(const CreatedDatabase&) = delete;
  CreatedDatabase& operator=(const CreatedDatabase&) = delete;
  ~CreatedDatabase() {
    if (path_.empty()) return;
    std::error_code ignored;  // best effort: the failure to start is what gets reported
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::filesystem::remove(path_ + suffix, ignored);
    }
  }
  void Keep() { path_.clear(); }

 private:
  std::string path_;
};

int Fail(const Status& status) {
  std::fprintf(stderr, "hitcounter: %s\n", status.message().c_str());
  return 1;
}

// The server's last-resort handler. Handlers return errors as values, but a library may still
// throw on input nobody foresaw (Beast threw length_error on a 64 KiB trailer field before the
// server capped it). Such an exception unwinds out of run(): the handler that threw is gone,
// and with it the last reference to its connection, which closes; every other connection and
// the server go on. Logged, as every server-side failure is.
void RunToTheEnd(server::asio::io_context& io) {
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      LogLine("error", "a connection was dropped after an exception")
          .Add("exception", e.what())
          .WriteTo(stderr);
    }
  }
}

}  // namespace

std::string StartLine(const std::string& asked_host, const std::string& address,
                      unsigned short port, const ServeFlags& flags) {
  const bool v6 = address.find(':') != std::string::npos;
  const std::string url =
      "http://" + (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
  std::string line = std::string("hitcounter ") + HITCOUNTER_VERSION + " listening on " + url;
  if (asked_host.empty()) {
    line += v6 ? " (every interface, IPv4 and IPv6)"
               : " (every IPv4 interface: this machine has no IPv6)";
  } else if (asked_host != address) {
    line += " (" + asked_host + ")";
  }
  line += " (store " + flags.store.spec + "); dashboard " + url + flags.reserved_prefix +
          "dashboard, stats " + url + flags.reserved_prefix + "stats; ";
  const std::string metrics = flags.reserved_prefix + "metrics";
  line += flags.admin_token.empty()
              ? "no admin token: they and " + metrics + " are open to anyone who reaches it"
              : "admin token set: they and " + metrics + " require it";
  return line + "\n";
}

void AddServeFlags(CLI::App& command, ServeFlags& flags) {
  flags.max_connections = server::kDefaultMaxConnections;
  flags.idle_timeout_seconds = static_cast<unsigned>(server::kIdleTimeout.count());
  flags.header_timeout_seconds = static_cast<unsigned>(server::kHeaderTimeout.count());
  command
      .add_option("--listen", flags.listen,
                  "Address to listen on: HOST:PORT (an IP address or a host name, resolved at "
                  "start), [IPv6]:PORT, or :PORT for every interface (IPv4 and IPv6); port 0: any")
      ->envname("HITCOUNTER_LISTEN")
      ->capture_default_str();
  AddStoreFlags(command, flags.store);
  flags.store.max_routes = kDefaultMaxRoutes;
  command
      .add_option("--max-routes", flags.store.max_routes,
                  "Most distinct routes counted; a hit on a new route past it gets 507 and "
                  "counts nothing (0: no bound)")
      ->envname("HITCOUNTER_MAX_ROUTES")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  command
      .add_option("--reserved-prefix", flags.reserved_prefix,
                  "Paths under this prefix are hitcounter's own endpoints and never count")
      ->envname("HITCOUNTER_RESERVED_PREFIX")
      ->capture_default_str()
      ->check([](const std::string& value) {
        Status valid = ValidateReservedPrefix(value);
        return valid.ok() ? std::string() : valid.message();
      });
  command.add_option("--max-connections", flags.max_connections, "Connections open at once")
      ->envname("HITCOUNTER_MAX_CONNECTIONS")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  // Bounded so that no typo makes a connection immortal.
  const auto timeout_range = CLI::Range(1u, kMaxTimeoutSeconds);
  command
      .add_option("--idle-timeout", flags.idle_timeout_seconds,
                  "Seconds a keep-alive connection may wait for its next request")
      ->envname("HITCOUNTER_IDLE_TIMEOUT")
      ->capture_default_str()
      ->check(timeout_range);
  command
      .add_option("--header-timeout", flags.header_timeout_seconds,
                  "Seconds a request's header may take to arrive, from its first byte")
      ->envname("HITCOUNTER_HEADER_TIMEOUT")
      ->capture_default_str()
      ->check(timeout_range);
  command.add_flag("--access-log", flags.access_log, "Write one JSON line per request to stdout")
      ->envname("HITCOUNTER_ACCESS_LOG");
  command
      .add_option("--trusted-proxy", flags.trusted_proxies,
                  "A proxy's network (CIDR, or one address; repeatable, or comma-separated): from "
                  "peers inside it, X-Forwarded-For or Forwarded name the client in the access "
                  "log (the right-most untrusted address); default: none, the headers are ignored")
      ->envname("HITCOUNTER_TRUSTED_PROXY")
      ->delimiter(',')
      ->check([](const std::string& value) {
        Result<server::TrustedProxies> valid = server::TrustedProxies::Parse({value});
        return valid.ok() ? std::string() : valid.status().message();
      });
  AddRateLimitFlags(command, flags.rate_limits);
  AddRouteTemplateFlags(command, flags.route_templates);
  // No default is shown and the value is never printed: it is a secret. Prefer the environment
  // variable, which other users of the machine cannot read in the process list.
  command
      .add_option("--admin-token", flags.admin_token,
                  "Token that /_stats, /_dashboard and /_metrics require (Bearer, or the "
                  "password of HTTP Basic); default: none, they are open")
      ->envname("HITCOUNTER_ADMIN_TOKEN")
      ->check([](const std::string& value) {
        Status valid = ValidateAdminToken(value);
        return valid.ok() ? std::string() : valid.message();
      });
}

int Serve(const ServeFlags& flags) {
  Result<HostPort> listen = ParseListen(flags.listen);
  if (!listen.ok()) return Fail(listen.status());
  const rlim_t open_files = RaiseOpenFileLimit();
  if (flags.max_connections + server::kDescriptorsBesidesConnections > open_files) {
    LogLine("warn",
            "--max-connections does not fit the limit on open files: past it, new connections "
            "get 503 (raise the limit, e.g. LimitNOFILE= in a systemd unit, or lower the flag)")
        .Add("maxConnections", static_cast<std::int64_t>(flags.max_connections))
        .Add("openFileLimit", static_cast<std::int64_t>(open_files))
        .WriteTo(stderr);
  }
  ServiceOptions options;
  options.reserved_prefix = flags.reserved_prefix;
  options.admin_token = flags.admin_token;
  Result<RateLimitPolicy> rate_limits = LoadRateLimitPolicy(flags.rate_limits);
  if (!rate_limits.ok()) return Fail(rate_limits.status());
  options.rate_limits = std::move(rate_limits).value();
  Result<RouteTemplates> route_templates =
      LoadRouteTemplates(flags.route_templates, flags.reserved_prefix);
  if (!route_templates.ok()) return Fail(route_templates.status());
  options.route_templates = std::move(route_templates).value();
  Metrics metrics(HITCOUNTER_VERSION);  // outlives the store, the service and the server
  options.metrics = &metrics;
  SystemProcFs proc;  // the process_* figures of /_metrics
  options.proc = &proc;
  server::asio::io_context io(1);
  server::IoExecutor executor(io);                   // the store answers on the server's thread
  CreatedDatabase created(SqlitePath(flags.store));  // outlives the store
  Result<std::unique_ptr<Store>> opened = OpenStore(flags.store, &metrics, &executor);
  if (!opened.ok()) return Fail(opened.status());
  std::unique_ptr<Store> store = std::move(opened).value();

  SystemClock clock;
  Service service(*store, clock, std::move(options));
  server::ServerOptions server_options;
  server_options.max_connections = flags.max_connections;
  server_options.idle_timeout = std::chrono::seconds(flags.idle_timeout_seconds);
  server_options.header_timeout = std::chrono::seconds(flags.header_timeout_seconds);
  server_options.access_log = flags.access_log ? stdout : nullptr;
  server_options.metrics = &metrics;
  Result<server::TrustedProxies> trusted = server::TrustedProxies::Parse(flags.trusted_proxies);
  if (!trusted.ok()) return Fail(trusted.status());
  server_options.trusted_proxies = std::move(trusted).value();
  server::HttpServer http(io, service, server_options);
  Result<server::tcp::endpoint> bound = http.Listen(listen->host, listen->port);
  if (!bound.ok()) return Fail(bound.status());
  created.Keep();

  server::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](server::beast::error_code ec, int) {
    if (!ec) http.Shutdown();
  });
  std::signal(SIGPIPE, SIG_IGN);
  http.Start();
  // Tests and scripts read the port from this line when they asked for port 0.
  const std::string banner =
      StartLine(listen->host, bound->address().to_string(), bound->port(), flags);
  std::fwrite(banner.data(), 1, banner.size(), stdout);
  std::fflush(stdout);
  RunToTheEnd(io);
  // Commits the last batch; its answers are posted to `io` and run below, to connections that
  // are gone by now.
  store.reset();
  io.restart();
  io.poll();
  LogLine("info", "stopped").WriteTo(stderr);
  return 0;
}

}  // namespace hitcounter::cli

// HttpServer: the standalone HTTP/1.1 front end, an adapter around Service.
//
// It accepts connections, parses requests with Boost.Beast, hands each one to
// Service::Handle as a Request, and writes the Response back. It holds no business logic: it
// only enforces HTTP's own rules and the limits in server/limits.h, answering violations with
// the same JSON errors the service uses.
//
// Threading: everything runs on the one thread that runs the io_context (measured faster than
// two on a 2-core machine: the load generator needs the other core). Responses that the store
// produces on its own thread are posted back to it.
//
// Shutdown (Shutdown(), or SIGINT/SIGTERM when installed): stop accepting, close idle
// connections, finish requests in flight, then let io_context::run() return.
#ifndef HITCOUNTER_SERVER_HTTP_SERVER_H_
#define HITCOUNTER_SERVER_HTTP_SERVER_H_

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/mutex.h"
#include "hitcounter/service.h"
#include "server/asio.h"
#include "server/limits.h"
#include "server/trusted_proxies.h"

namespace hitcounter::server {

class Session;

struct ServerOptions {
  std::size_t max_connections = kDefaultMaxConnections;
  std::chrono::seconds idle_timeout = kIdleTimeout;      // see limits.h
  std::chrono::seconds header_timeout = kHeaderTimeout;  // see limits.h
  std::FILE* access_log = nullptr;  // one JSON line per request when set; not owned
  Metrics* metrics = nullptr;       // responses, hit latency and connections go here when set;
                                    // not owned, must outlive the server
  // Peers whose X-Forwarded-For / Forwarded name the client in the access log; none by default
  // (the headers are ignored).
  TrustedProxies trusted_proxies{};
};

class HttpServer {
 public:
  // `io` and `service` must outlive the server.
  HttpServer(asio::io_context& io, Service& service, ServerOptions options);
  ~HttpServer();

  // Binds and listens on host:port (port 0 picks a free port). `host` is an IP address, a host
  // name (resolved now, once: the first address it resolves to), or empty for every interface,
  // IPv4 and IPv6 (one dual-stack socket on "::"; "0.0.0.0" where the machine has no IPv6: the
  // returned address says which). Returns the bound endpoint; kInvalidArgument for a name that
  // does not resolve, kUnavailable when the address cannot be bound (in use, not this machine's).
  Result<tcp::endpoint> Listen(const std::string& host, unsigned short port);

  // Starts accepting and sweeping deadlines; call once after Listen.
  void Start();

  // Graceful stop; safe to call from the io thread only (use asio::post from elsewhere).
  void Shutdown();

  // Runs `completion` on the io thread: at once when called there, otherwise soon. Callable
  // from any thread. Completions from other threads are handed over in batches: one
  // hand-off per event-loop round, not one per response (measured: up to 30% of throughput).
  void RunOnIoThread(std::function<void()> completion);

  // --- used by sessions (io thread only) ---
  Service& service() { return service_; }
  const ServerOptions& options() const { return options_; }
  bool draining() const { return draining_; }
  const std::string& http_date() const { return http_date_; }
  void Register(Session* session) { sessions_.insert(session); }
  void Unregister(Session* session) { sessions_.erase(session); }
  // A new request id: this server's random prefix and a counter ("3f9c01d2-17").
  std::string NextRequestId();
  // Logs a 5xx answer (stderr, one line) unless kMaxErrorLinesPerSecond were logged this second;
  // the lines left out are counted in one line when the next second's first is logged.
  void LogServerError(const Response& response, std::string_view request_id);

 private:
  // Opens, binds and listens the acceptor on `endpoint`, IPV6_V6ONLY off when `dual_stack`;
  // closed again on failure.
  beast::error_code Bind(const tcp::endpoint& endpoint, bool dual_stack);
  void Accept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  // Answers 503 too_many_connections and closes; `detail` goes to the error log.
  void Refuse(tcp::socket socket, std::string detail);
  void OutOfDescriptors();
  void Sweep();
  void RefreshDate();
  void DrainCompletions();

  asio::io_context& io_;
  Service& service_;
  ServerOptions options_;
  tcp::acceptor acceptor_;
  asio::steady_timer sweep_timer_;
  asio::steady_timer accept_timer_;  // accepting again after running out of descriptors
  int spare_fd_ = -1;                // given up to answer the backlog when out of descriptors
  std::unordered_set<Session*> sessions_;
  std::string http_date_;
  bool draining_ = false;
  std::string request_id_prefix_;
  std::uint64_t requests_ = 0;
  std::int64_t error_log_second_ = 0;  // steady seconds of the current error-line window
  int error_lines_ = 0;                // logged in it
  int error_lines_dropped_ = 0;        // left out since the last line logged

  Mutex completions_mutex_;
  std::vector<std::function<void()>> completions_ GUARDED_BY(completions_mutex_);
  bool drain_scheduled_ GUARDED_BY(completions_mutex_) = false;
  std::vector<std::function<void()>> draining_completions_;  // io thread only
};

}  // namespace hitcounter::server

#endif  // HITCOUNTER_SERVER_HTTP_SERVER_H_

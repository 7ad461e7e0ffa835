#include "server/http_server.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <random>
#include <utility>

#include "core/log_line.h"

#include "server/http_translation.h"
#include "server/session.h"

namespace hitcounter::server {

HttpServer::HttpServer(asio::io_context& io, Service& service, ServerOptions options)
    : io_(io),
      service_(service),
      options_(options),
      acceptor_(io),
      sweep_timer_(io),
      accept_timer_(io) {
  RefreshDate();
  // Tells apart the ids of two runs of the server; not a secret.
  std::random_device random;
  char prefix[9];
  std::snprintf(prefix, sizeof prefix, "%08x", random());
  request_id_prefix_ = std::string(prefix) + "-";
}

std::string HttpServer::NextRequestId() {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, ++requests_);
  std::string id = request_id_prefix_;
  id.append(digits, end);
  return id;
}

void HttpServer::LogServerError(const Response& response, std::string_view request_id) {
  const std::int64_t second = std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::steady_clock::now().time_since_epoch())
                                  .count();
  if (second != error_log_second_) {
    error_log_second_ = second;
    error_lines_ = 0;
  }
  if (error_lines_ >= kMaxErrorLinesPerSecond) {
    ++error_lines_dropped_;
    return;
  }
  ++error_lines_;
  LogLine line("error", "answered with a server error");
  line.Add("status", response.status).Add("error", response.error);
  if (!response.route.empty()) line.Add("route", response.route);
  if (!request_id.empty()) line.Add("requestId", request_id);
  if (!response.detail.empty()) line.Add("detail", response.detail);
  if (error_lines_dropped_ > 0) line.Add("linesLeftOut", std::exchange(error_lines_dropped_, 0));
  line.WriteTo(stderr);
}

HttpServer::~HttpServer() {
  if (spare_fd_ >= 0) close(spare_fd_);
}

namespace {

// Why listening on `endpoint` (asked as `host`) failed, for the operator.
Status CannotListen(const tcp::endpoint& endpoint, const std::string& host, beast::error_code ec) {
  const std::string address = endpoint.address().to_string();
  return Status::Unavailable(
      "cannot listen on " + (endpoint.address().is_v6() ? "[" + address + "]" : address) + ":" +
      std::to_string(endpoint.port()) + (host.empty() || host == address ? "" : " (" + host + ")") +
      ": " + ec.message());
}

// Errors that mean "this machine has no IPv6" rather than "this port is taken".
bool MeansNoIpv6(beast::error_code ec) {
  return ec.value() == EAFNOSUPPORT || ec.value() == EPROTONOSUPPORT || ec.value() == EADDRNOTAVAIL;
}

}  // namespace

beast::error_code HttpServer::Bind(const tcp::endpoint& endpoint, bool dual_stack) {
  beast::error_code ec;
  beast::error_code ignored;
  acceptor_.close(ignored);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec && dual_stack) acceptor_.set_option(asio::ip::v6_only(false), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) acceptor_.close(ignored);
  return ec;
}

Result<tcp::endpoint> HttpServer::Listen(const std::string& host, unsigned short port) {
  if (host.empty()) {
    // Every interface: one IPv6 socket that takes IPv4 too (IPV6_V6ONLY off, IPv4 clients seen
    // as ::ffff:a.b.c.d), or IPv4 alone on a machine without IPv6.
    const tcp::endpoint everywhere(asio::ip::address_v6::any(), port);
    beast::error_code ec = Bind(everywhere, /*dual_stack=*/true);
    if (!ec) return acceptor_.local_endpoint();
    if (!MeansNoIpv6(ec)) return CannotListen(everywhere, host, ec);
    const tcp::endpoint v4(asio::ip::address_v4::any(), port);
    ec = Bind(v4, /*dual_stack=*/false);
    if (ec) return CannotListen(v4, host, ec);
    return acceptor_.local_endpoint();
  }
  beast::error_code ec;
  tcp::endpoint endpoint(asio::ip::make_address(host, ec), port);
  if (ec) {
    // A host name: resolved once, at start (a name that later moves needs a restart).
    ec.clear();
    tcp::resolver resolver(io_);
    tcp::resolver::results_type found = resolver.resolve(host, std::to_string(port), ec);
    if (ec || found.empty()) {
      return Status::InvalidArgument("cannot resolve the --listen host \"" + host +
                                     "\": " + (ec ? ec.message() : "no address"));
    }
    endpoint = found.begin()->endpoint();
  }
  ec = Bind(endpoint, /*dual_stack=*/false);
  if (ec) return CannotListen(endpoint, host, ec);
  return acceptor_.local_endpoint();
}

void HttpServer::Start() {
  spare_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  Accept();
  Sweep();
}

void HttpServer::Accept() {
  acceptor_.async_accept(
      io_, [this](beast::error_code ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
}

void HttpServer::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec.value() == EMFILE || ec.value() == ENFILE) return OutOfDescriptors();
  if (!ec) {
    if (sessions_.size() >= options_.max_connections) {
      Refuse(std::move(socket), "open connections: " + std::to_string(sessions_.size()));
    } else {
      std::make_shared<Session>(std::move(socket), *this)->Start();
    }
  }
  Accept();
}

void HttpServer::Refuse(tcp::socket socket, std::string detail) {
  // Sent without reading the request: the connection is closed after it.
  std::string refusal;
  Response answer =
      MakeErrorResponse(503, "too_many_connections", "the server is at its connection limit");
  SerializeResponse(answer, /*head=*/false, /*keep_alive=*/false, http_date_, refusal);
  beast::error_code ignored;
  socket.write_some(asio::buffer(refusal), ignored);
  socket.close(ignored);
  if (options_.metrics != nullptr) options_.metrics->RecordResponse(503);
  answer.detail = std::move(detail);
  LogServerError(answer, "");
}

// Out of descriptors, accept fails at once and would again and again: the CPU would spin while
// the connections in the backlog wait for nothing. Instead the spare descriptor is given up to
// accept them one by one and answer each a 503, then accepting pauses for kAcceptBackoff.
void HttpServer::OutOfDescriptors() {
  if (spare_fd_ >= 0) {
    close(spare_fd_);
    spare_fd_ = -1;
    beast::error_code ec;
    acceptor_.non_blocking(true, ec);
    for (std::size_t shed = 0; !ec && shed < kMaxShedPerBackoff; ++shed) {
      tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (!ec) Refuse(std::move(socket), "out of file descriptors");
    }
    spare_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  accept_timer_.expires_after(kAcceptBackoff);
  accept_timer_.async_wait([this](beast::error_code ec) {
    if (!ec && acceptor_.is_open()) Accept();
  });
}

void HttpServer::Sweep() {
  RefreshDate();
  // The access log is written with buffered stdio and flushed here, not once per line: a
  // write(2) per request would cost more than the request.
  if (options_.access_log != nullptr) std::fflush(options_.access_log);
  const auto now = std::chrono::steady_clock::now();
  // CheckDeadline may close a session, but a session leaves the set only when destroyed,
  // which happens in a later handler: iterating here is safe.
  for (Session* session : sessions_) session->CheckDeadline(now);
  if (draining_ && sessions_.empty()) return;
  sweep_timer_.expires_after(kSweepInterval);
  sweep_timer_.async_wait([this](beast::error_code ec) {
    if (!ec) Sweep();
  });
}

void HttpServer::Shutdown() {
  if (draining_) return;
  draining_ = true;
  beast::error_code ignored;
  acceptor_.close(ignored);
  accept_timer_.cancel();
  for (Session* session : sessions_) session->CloseIfIdle();
  // Sessions still serving close after their response; the sweep stops once none is left.
  sweep_timer_.cancel();
  sweep_timer_.expires_after(std::chrono::milliseconds(10));
  sweep_timer_.async_wait([this](beast::error_code ec) {
    if (!ec) Sweep();
  });
}

void HttpServer::RunOnIoThread(std::function<void()> completion) {
  if (io_.get_executor().running_in_this_thread()) return completion();
  {
    MutexLock lock(completions_mutex_);
    completions_.push_back(std::move(completion));
    if (drain_scheduled_) return;
    drain_scheduled_ = true;
  }
  // Posted after unlocking: the io thread, woken on this core, could otherwise preempt this
  // thread only to wait for the mutex it still holds.
  asio::post(io_, [this] { DrainCompletions(); });
}

void HttpServer::DrainCompletions() {
  {
    MutexLock lock(completions_mutex_);
    draining_completions_.swap(completions_);
    drain_scheduled_ = false;
  }
  for (auto& completion : draining_completions_) completion();
  draining_completions_.clear();
}

void HttpServer::RefreshDate() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[64];
  std::size_t size = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  http_date_.assign(text, size);
}

}  // namespace hitcounter::server

#include "server/session.h"

#include <optional>
#include <vector>

#include "core/log_line.h"
#include "server/http_server.h"
#include "server/http_translation.h"

namespace hitcounter::server {
namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

bool IsDisconnect(beast::error_code ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
         ec == asio::error::bad_descriptor || ec == http::error::partial_message;
}

}  // namespace

Session::Session(tcp::socket socket, HttpServer& server)
    : socket_(std::move(socket)), server_(server) {
  server_.Register(this);
  if (Metrics* metrics = server_.options().metrics) metrics->ConnectionOpened();
}

Session::~Session() {
  server_.Unregister(this);
  if (Metrics* metrics = server_.options().metrics) metrics->ConnectionClosed();
}

void Session::Start() {
  beast::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  if (server_.options().access_log != nullptr) {
    const tcp::endpoint peer = socket_.remote_endpoint(ignored);
    if (!ignored) peer_ = peer.address();
    client_ = Unmapped(peer_).to_string();  // until a request says otherwise
  }
  ReadHeader();
}

void Session::EnterPhase(Phase phase) {
  phase_ = phase;
  phase_since_ = std::chrono::steady_clock::now();
}

void Session::ReadHeader() {
  parser_.emplace();
  ApplyLimits(*parser_);
  EnterPhase(Phase::kAwaitingRequest);
  request_started_ = buffer_.size() > 0;  // pipelined bytes already here
  http::async_read_header(
      socket_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t header_bytes) {
        self->OnHeader(ec, header_bytes);
      });
}

void Session::OnHeader(beast::error_code ec, std::size_t header_bytes) {
  if (ec) return OnReadError(ec);
  request_start_ = std::chrono::steady_clock::now();
  const auto& request = parser_->get();
  if (std::optional<Response> refusal = RefuseHeader(request, parser_->chunked(), header_bytes)) {
    return RespondAndClose(std::move(*refusal));
  }
  if (parser_->is_done()) return Serve();
  // RFC 9110 section 10.1.1: an HTTP/1.0 client's Expect is to be ignored.
  if (request.version() >= 11 && beast::iequals(request[http::field::expect], "100-continue")) {
    EnterPhase(Phase::kWriting);
    asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](beast::error_code write_ec, std::size_t) {
                        if (write_ec) return self->Close();
                        self->ReadBody();
                      });
    return;
  }
  ReadBody();
}

void Session::ReadBody() {
  EnterPhase(Phase::kReadingBody);
  http::async_read(
      socket_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnBody(ec); });
}

void Session::OnBody(beast::error_code ec) {
  if (ec) return OnReadError(ec);
  Serve();
}

void Session::OnReadError(beast::error_code ec) {
  if (ec == http::error::end_of_stream || (IsDisconnect(ec) && !request_started_)) {
    return Close();
  }
  if (IsDisconnect(ec)) return Close();  // the client left mid-request: nothing to answer
  const std::string_view received(static_cast<const char*>(buffer_.data().data()), buffer_.size());
  RespondAndClose(ReadErrorResponse(ec, *parser_, received));
}

void Session::Serve() {
  EnterPhase(Phase::kServing);
  auto& request = parser_->get();
  ++requests_served_;
  keep_alive_ =
      request.keep_alive() && !server_.draining() && requests_served_ < kMaxRequestsPerConnection;
  Request core_request = ToCoreRequest(request);
  if (server_.options().access_log != nullptr) {
    log_method_ = core_request.method;
    client_ = ClientOf(request);
  }
  request_id_ = server_.NextRequestId();
  core_request.request_id = request_id_;
  // The store may answer on its own thread: RunOnIoThread brings the response back (inline
  // when the answer was immediate). The work guard keeps io_context::run() from returning
  // while a hit waits for the store, as during a graceful shutdown. The callback is called
  // once and hands its reference on (moves it): the store destroys the callback on its own
  // thread, later, and the last reference must not go with it, or the session would be
  // destroyed there, racing the io thread on the server's set of sessions.
  server_.service().Handle(core_request, [self = shared_from_this(),
                                          work = asio::make_work_guard(socket_.get_executor())](
                                             Response response) mutable {
    HttpServer& server = self->server_;
    server.RunOnIoThread([self = std::move(self), response = std::move(response)]() mutable {
      self->Respond(std::move(response));
    });
  });
}

void Session::Respond(Response response) {
  // Every 5xx is logged, whether or not the access log is on (refusals of HTTP this server does
  // not speak, 501 and 505, included), within the server's bound on error lines per second.
  if (response.status >= 500) server_.LogServerError(response, request_id_);
  if (Metrics* metrics = server_.options().metrics) RecordMetrics(*metrics, response);
  // The normalised route only, never the target as sent: it may carry user-info, a query with
  // tokens, or bytes that are not text.
  if (server_.options().access_log != nullptr) {
    log_route_ = response.route.empty() ? "-" : std::move(response.route);
  }
  const bool head = parser_ && parser_->get().method() == http::verb::head;
  SerializeResponse(response, head, keep_alive_, server_.http_date(), out_);
  status_ = response.status;
  EnterPhase(Phase::kWriting);
  asio::async_write(
      socket_, asio::buffer(out_),
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnWrite(ec); });
}

std::string Session::ClientOf(const http::request_header<>& request) const {
  const TrustedProxies& proxies = server_.options().trusted_proxies;
  if (proxies.empty()) return Unmapped(peer_).to_string();
  std::vector<std::string_view> x_forwarded_for;
  std::vector<std::string_view> forwarded;
  for (auto [field, end] = request.equal_range("X-Forwarded-For"); field != end; ++field) {
    x_forwarded_for.push_back(field->value());
  }
  for (auto [field, end] = request.equal_range("Forwarded"); field != end; ++field) {
    forwarded.push_back(field->value());
  }
  return proxies.ClientOf(peer_, x_forwarded_for, forwarded).to_string();
}

void Session::RecordMetrics(Metrics& metrics, const Response& response) const {
  metrics.RecordResponse(response.status);
  // A response without a parser answers malformed HTTP (RespondAndClose): not a hit.
  if (!parser_) return;
  if (response.reserved) return metrics.RecordReservedResponse(response.endpoint);
  metrics.RecordHitLatency(std::chrono::steady_clock::now() - request_start_);
  // Counted: the answer carries the count. Refused: its error code says why.
  metrics.RecordHit(response.count           ? std::string_view()
                    : response.error.empty() ? std::string_view("other")
                                             : std::string_view(response.error));
}

void Session::RespondAndClose(Response refusal) {
  keep_alive_ = false;
  log_method_ = "-";
  request_id_ = server_.NextRequestId();
  request_start_ = std::chrono::steady_clock::now();
  parser_.reset();
  Respond(std::move(refusal));
}

void Session::OnWrite(beast::error_code ec) {
  if (server_.options().access_log != nullptr) LogAccess();
  if (ec || !keep_alive_) return Close();
  ReadHeader();
}

void Session::LogAccess() {
  using namespace std::chrono;
  const auto took = duration_cast<microseconds>(steady_clock::now() - request_start_);
  LogLine("info", "request")
      .Add("method", log_method_)
      .Add("route", log_route_)
      .Add("status", status_)
      .Add("durationMs", static_cast<double>(took.count()) / 1000.0)
      .Add("client", client_)
      .Add("requestId", request_id_)
      .WriteTo(server_.options().access_log);
}

std::chrono::steady_clock::duration Session::PhaseLimit() const {
  using Duration = std::chrono::steady_clock::duration;
  switch (phase_) {
    case Phase::kAwaitingRequest:
      return request_started_ ? Duration(server_.options().header_timeout)
                              : Duration(server_.options().idle_timeout);
    case Phase::kReadingBody:
      return kBodyTimeout;
    case Phase::kWriting:
      return kWriteTimeout;
    case Phase::kServing:
      break;  // the store bounds its own time
  }
  return Duration::max();
}

void Session::CheckDeadline(SteadyTime now) {
  if (phase_ == Phase::kAwaitingRequest && !request_started_ && buffer_.size() > 0) {
    request_started_ = true;  // the header clock starts at the first byte
    phase_since_ = now;
  }
  if (now - phase_since_ > PhaseLimit()) Close();
}

void Session::CloseIfIdle() {
  if (phase_ == Phase::kAwaitingRequest) Close();
}

void Session::Close() {
  beast::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace hitcounter::server

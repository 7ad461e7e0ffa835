#include "server/session.h"

#include <iterator>
#include <optional>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "server/http_server.h"

namespace hitcounter::server {
namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

bool IsDisconnect(beast::error_code ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
         ec == asio::error::bad_descriptor || ec == http::error::partial_message;
}

Refusal TargetTooLong() {
  return {414, "target_too_long",
          "the request target is longer than " + std::to_string(kMaxTargetBytes) + " bytes"};
}

Refusal HeadersTooLarge() {
  return {431, "headers_too_large",
          "the request headers are larger than " + std::to_string(kMaxHeaderBytes) + " bytes"};
}

Refusal MethodTooLong() {
  return {501, "not_implemented",
          "no method longer than " + std::to_string(kMaxMethodBytes) + " bytes is known"};
}

// Why the request cannot be taken as its header is, or nullopt when it can. Beast parses the
// syntax; these are the rules of RFC 9112 it leaves to the server. Framing that one reader
// could take differently from another (a proxy in front of us) is how requests are smuggled,
// so whatever is ambiguous is refused rather than guessed.
std::optional<Refusal> RefusalOf(const http::request_header<>& request, bool chunked) {
  if (request.target().size() > kMaxTargetBytes) return TargetTooLong();
  if (request.method_string().size() > kMaxMethodBytes) return MethodTooLong();
  const auto hosts = request.equal_range(http::field::host);
  const auto host_count = std::distance(hosts.first, hosts.second);
  if (request.version() >= 11 && host_count == 0) {
    return Refusal{.message = "an HTTP/1.1 request needs a Host header"};
  }
  if (host_count > 1) return Refusal{.message = "a request has at most one Host header"};
  const auto lengths = request.equal_range(http::field::content_length);
  if (std::distance(lengths.first, lengths.second) > 1 ||
      (lengths.first != lengths.second &&
       lengths.first->value().find(',') != std::string_view::npos)) {
    return Refusal{.message = "a request has at most one Content-Length, with one value"};
  }
  const auto codings = request.equal_range(http::field::transfer_encoding);
  if (codings.first == codings.second) return std::nullopt;
  if (request.version() < 11) {
    return Refusal{.message = "Transfer-Encoding is not allowed in HTTP/1.0"};
  }
  if (!chunked) return Refusal{.message = "the last transfer coding must be chunked"};
  if (std::distance(codings.first, codings.second) > 1 ||
      !beast::iequals(codings.first->value(), "chunked")) {
    return Refusal{501, "not_implemented", "only the chunked transfer coding is supported"};
  }
  return std::nullopt;
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
  ReadHeader();
}

void Session::EnterPhase(Phase phase) {
  phase_ = phase;
  phase_since_ = std::chrono::steady_clock::now();
}

void Session::ReadHeader() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(kMaxHeaderBytes));
  parser_->body_limit(kMaxBodyBytes);
  EnterPhase(Phase::kAwaitingRequest);
  request_started_ = buffer_.size() > 0;  // pipelined bytes already here
  http::async_read_header(
      socket_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
}

void Session::OnHeader(beast::error_code ec) {
  if (ec) return OnReadError(ec);
  request_start_ = std::chrono::steady_clock::now();
  const auto& request = parser_->get();
  if (std::optional<Refusal> refusal = RefusalOf(request, parser_->chunked())) {
    return RespondAndClose(*refusal);
  }
  if (parser_->is_done()) return Serve();
  if (beast::iequals(request[http::field::expect], "100-continue")) {
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

// Which part of the header is over the limit. Beast hands over the request line as soon as it
// is complete (and takes it out of buffer_): without one, the line itself is too long, and its
// first word is the method.
Refusal Session::HeaderLimitRefusal() const {
  const std::size_t target_size = parser_->get().target().size();
  if (target_size > kMaxTargetBytes) return TargetTooLong();
  if (target_size > 0) return HeadersTooLarge();
  std::size_t space = Received().find(' ');
  if (space == std::string_view::npos || space > kMaxMethodBytes) return MethodTooLong();
  return TargetTooLong();
}

// Beast knows HTTP/1.0 and 1.1 only: a request line ending in HTTP/2.0 or later (the HTTP/2
// preface "PRI * HTTP/2.0" included) is a version this server does not speak, not garbage.
bool Session::VersionTooNew() const {
  std::string_view line = Received().substr(0, Received().find("\r\n"));
  constexpr std::string_view kHttp = " HTTP/";
  if (line.size() < kHttp.size() + 3) return false;
  std::string_view version = line.substr(line.size() - kHttp.size() - 3);
  return version.starts_with(kHttp) && version[6] >= '2' && version[6] <= '9' &&
         version[7] == '.' && version[8] >= '0' && version[8] <= '9';
}

std::string_view Session::Received() const {
  return {static_cast<const char*>(buffer_.data().data()), buffer_.size()};
}

void Session::OnReadError(beast::error_code ec) {
  if (ec == http::error::end_of_stream || (IsDisconnect(ec) && !request_started_)) {
    return Close();
  }
  if (IsDisconnect(ec)) return Close();  // the client left mid-request: nothing to answer
  if (ec == http::error::header_limit) {
    return RespondAndClose(HeaderLimitRefusal());
  }
  if (ec == http::error::bad_version && VersionTooNew()) {
    return RespondAndClose(505, "http_version_not_supported", "this server speaks HTTP/1.1");
  }
  if (ec == http::error::buffer_overflow) {
    return RespondAndClose(400, "bad_request",
                           "a chunk-size line or the trailers are larger than " +
                               std::to_string(kMaxUnparsedBytes) + " bytes");
  }
  if (ec == http::error::body_limit) {
    return RespondAndClose(
        413, "body_too_large",
        "the request body is larger than " + std::to_string(kMaxBodyBytes) + " bytes");
  }
  RespondAndClose(400, "bad_request", "malformed HTTP request: " + ec.message());
}

void Session::Serve() {
  EnterPhase(Phase::kServing);
  auto& request = parser_->get();
  ++requests_served_;
  keep_alive_ =
      request.keep_alive() && !server_.draining() && requests_served_ < kMaxRequestsPerConnection;
  Request core_request{std::string(request.method_string()), std::string(request.target())};
  if (auto authorization = request.find(http::field::authorization);
      authorization != request.end()) {
    core_request.authorization = std::string(authorization->value());
  }
  request.body().clear();
  request.body().shrink_to_fit();  // bodies are discarded; do not hold a MiB per idle client
  if (server_.options().access_log != nullptr) {
    log_method_ = core_request.method;
    // The path only: query strings may carry tokens, which never go to a log.
    log_target_ = core_request.target.substr(0, core_request.target.find_first_of("?#"));
  }
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
  // Server-side failures are logged whether or not the access log is on. The body is our own
  // error JSON (never the request's payload). Refusals of malformed HTTP (RespondAndClose,
  // which drops the parser) are the client's doing, 501 and 505 included: not logged.
  if (response.status >= 500 && parser_) {
    std::fprintf(stderr, "{\"level\":\"error\",\"status\":%d,\"response\":%s}\n", response.status,
                 response.body.c_str());
  }
  if (Metrics* metrics = server_.options().metrics) RecordMetrics(*metrics, response);
  const bool head = parser_ && parser_->get().method() == http::verb::head;
  response_ = {};
  response_.version(11);
  response_.result(static_cast<unsigned>(response.status));
  response_.set(http::field::server, "hitcounter");
  response_.set(http::field::date, server_.http_date());
  if (!response.content_type.empty()) {
    response_.set(http::field::content_type, response.content_type);
  }
  for (auto& [name, value] : response.headers) response_.insert(name, value);
  response_.keep_alive(keep_alive_);
  if (head) {
    response_.content_length(response.body.size());
  } else {
    response_.body() = std::move(response.body);
    response_.prepare_payload();
  }
  EnterPhase(Phase::kWriting);
  http::async_write(
      socket_, response_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnWrite(ec); });
}

void Session::RecordMetrics(Metrics& metrics, const Response& response) const {
  metrics.RecordResponse(response.status);
  // A response without a parser answers malformed HTTP (RespondAndClose): not a hit.
  if (parser_ && !response.reserved) {
    metrics.RecordHitLatency(std::chrono::steady_clock::now() - request_start_);
  }
}

void Session::RespondAndClose(const Refusal& refusal) {
  RespondAndClose(refusal.status, refusal.error, refusal.message);
}

void Session::RespondAndClose(int status, std::string_view error, std::string_view message) {
  keep_alive_ = false;
  log_method_ = "-";
  log_target_ = "-";
  request_start_ = std::chrono::steady_clock::now();
  parser_.reset();
  Respond(MakeErrorResponse(status, error, message));
}

void Session::OnWrite(beast::error_code ec) {
  if (server_.options().access_log != nullptr) LogAccess();
  if (ec || !keep_alive_) return Close();
  ReadHeader();
}

void Session::LogAccess() {
  using namespace std::chrono;
  rapidjson::StringBuffer line;
  rapidjson::Writer<rapidjson::StringBuffer> json(line);
  json.StartObject();
  json.Key("time");
  json.Int64(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
  json.Key("method");
  json.String(log_method_.c_str(), static_cast<rapidjson::SizeType>(log_method_.size()));
  json.Key("target");
  json.String(log_target_.c_str(), static_cast<rapidjson::SizeType>(log_target_.size()));
  json.Key("status");
  json.Uint(response_.result_int());
  json.Key("durationUs");
  json.Int64(duration_cast<microseconds>(steady_clock::now() - request_start_).count());
  json.EndObject();
  std::fprintf(server_.options().access_log, "%s\n", line.GetString());
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

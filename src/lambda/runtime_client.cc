#include "lambda/runtime_client.h"

#include <utility>  // Boost 1.74's Asio needs it before itself under -std=c++20

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <optional>

namespace hitcounter::lambda {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

constexpr std::string_view kNextTarget = "/2018-06-01/runtime/invocation/next";
constexpr std::string_view kInvocationPrefix = "/2018-06-01/runtime/invocation/";
constexpr std::string_view kInitErrorTarget = "/2018-06-01/runtime/init/error";
constexpr std::string_view kUserAgent = "hitcounter-lambda";
constexpr std::string_view kErrorTypeHeader = "Lambda-Runtime-Function-Error-Type";

// Answers to our POSTs are a few bytes ({"status":"OK"} or an error sentence).
constexpr std::size_t kMaxAnswerBytes = 64 * 1024;

using Parser = http::response_parser<http::string_body>;

std::optional<UnixMillis> ParseMillis(std::string_view text) {
  UnixMillis value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

struct RuntimeClient::Impl {
  std::string host;
  std::string port;
  std::string host_header;
  asio::io_context io{1};
  tcp::socket socket{io};
  beast::flat_buffer buffer;
  std::size_t connections_opened = 0;
  bool connected = false;

  beast::error_code Connect() {
    Close();
    beast::error_code ec;
    tcp::resolver resolver(io);
    auto endpoints = resolver.resolve(host, port, tcp::resolver::numeric_service, ec);
    if (ec) return ec;
    asio::connect(socket, endpoints, ec);
    if (ec) return ec;
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    ++connections_opened;
    connected = true;
    return {};
  }

  void Close() {
    beast::error_code ignored;
    if (socket.is_open()) {
      socket.shutdown(tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
    }
    buffer.clear();
    connected = false;
  }

  // Reads an answer of at most `body_limit` bytes of body (checked against Content-Length
  // before reading: Beast 1.74's parser was seen to read past its body_limit).
  beast::error_code Read(std::optional<Parser>& parser, std::size_t body_limit) {
    parser.emplace();
    parser->body_limit(body_limit);
    beast::error_code ec;
    http::read_header(socket, buffer, *parser, ec);
    if (ec) return ec;
    if (parser->content_length().value_or(0) > body_limit) return http::error::body_limit;
    http::read(socket, buffer, *parser, ec);
    return ec;
  }

  // Sends `request` and reads the answer into `parser`; `written`, when set, runs once the
  // request is written (once, whatever the retries). A failure on a reused connection (the
  // peer may have closed it while idle) is retried once on a new one; every call here is safe
  // to repeat (the Runtime API refuses a second answer to the same invocation).
  beast::error_code Exchange(const http::request<http::string_body>& request,
                             std::optional<Parser>& parser, std::size_t body_limit,
                             const std::function<void()>& written = nullptr) {
    bool told = false;
    for (;;) {
      const bool reused = connected;
      beast::error_code ec;
      if (!connected) ec = Connect();
      if (!ec) http::write(socket, request, ec);
      if (!ec && written && !told) {
        told = true;
        written();
      }
      if (!ec) ec = Read(parser, body_limit);
      if (!ec) {
        if (!parser->get().keep_alive()) Close();
        return {};
      }
      Close();
      if (ec == http::error::body_limit || !reused) return ec;
    }
  }

  http::request<http::string_body> NewRequest(http::verb verb, std::string_view target) const {
    http::request<http::string_body> request{verb, target, 11};
    request.set(http::field::host, host_header);
    request.set(http::field::user_agent, kUserAgent);
    request.keep_alive(true);
    return request;
  }

  Status Post(std::string_view target, std::string body, std::string_view error_type) {
    http::request<http::string_body> request = NewRequest(http::verb::post, target);
    request.set(http::field::content_type, "application/json");
    if (!error_type.empty()) request.set(kErrorTypeHeader, error_type);
    request.body() = std::move(body);
    request.prepare_payload();
    std::optional<Parser> parser;
    if (beast::error_code ec = Exchange(request, parser, kMaxAnswerBytes)) {
      return Status::Unavailable("the Runtime API cannot be reached: " + ec.message());
    }
    const auto& answer = parser->get();
    if (answer.result_int() / 100 == 2) return Status::Ok();
    return Status::Unavailable("the Runtime API answered " + std::to_string(answer.result_int()) +
                               " to " + std::string(target) + ": " + answer.body());
  }
};

Result<std::unique_ptr<RuntimeClient>> RuntimeClient::Create(std::string_view address) {
  std::size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == address.size()) {
    return Status::InvalidArgument("AWS_LAMBDA_RUNTIME_API must be host:port, got \"" +
                                   std::string(address) + "\"");
  }
  auto impl = std::make_unique<Impl>();
  impl->host = std::string(address.substr(0, colon));
  impl->port = std::string(address.substr(colon + 1));
  impl->host_header = std::string(address);
  return std::unique_ptr<RuntimeClient>(new RuntimeClient(std::move(impl)));
}

RuntimeClient::RuntimeClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RuntimeClient::~RuntimeClient() { impl_->Close(); }

Result<Invocation> RuntimeClient::Next(const std::function<void()>& asked) {
  const auto request = impl_->NewRequest(http::verb::get, kNextTarget);
  std::optional<Parser> parser;
  beast::error_code ec = impl_->Exchange(request, parser, kMaxEventBytes, asked);
  const bool too_large = ec == http::error::body_limit;
  if (ec && !too_large) {
    return Status::Unavailable("the Runtime API cannot be reached: " + ec.message());
  }
  const auto& answer = parser->get();
  if (answer.result_int() != 200) {
    return Status::Unavailable("the Runtime API answered " + std::to_string(answer.result_int()) +
                               " to GET /next");
  }
  Invocation invocation;
  invocation.request_id = std::string(answer["Lambda-Runtime-Aws-Request-Id"]);
  if (invocation.request_id.empty()) {
    return Status::Unavailable("the Runtime API sent an event without a request id");
  }
  invocation.deadline = ParseMillis(answer["Lambda-Runtime-Deadline-Ms"]);
  invocation.trace_id = std::string(answer["Lambda-Runtime-Trace-Id"]);
  invocation.event_too_large = too_large;
  if (!too_large) invocation.event = std::move(parser->release().body());
  return invocation;
}

Status RuntimeClient::PostResponse(const std::string& request_id, const std::string& body) {
  return impl_->Post(std::string(kInvocationPrefix) + request_id + "/response", body, "");
}

Status RuntimeClient::PostError(const std::string& request_id, const ErrorReport& error) {
  return impl_->Post(std::string(kInvocationPrefix) + request_id + "/error", ErrorReportJson(error),
                     error.type);
}

Status RuntimeClient::PostInitError(const ErrorReport& error) {
  return impl_->Post(kInitErrorTarget, ErrorReportJson(error), error.type);
}

std::size_t RuntimeClient::connections_opened() const { return impl_->connections_opened; }

std::string ErrorReportJson(const ErrorReport& error) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> json(buffer);
  json.StartObject();
  json.Key("errorMessage");
  json.String(error.message.c_str(), static_cast<rapidjson::SizeType>(error.message.size()));
  json.Key("errorType");
  json.String(error.type.c_str(), static_cast<rapidjson::SizeType>(error.type.size()));
  json.Key("stackTrace");
  json.StartArray();
  json.EndArray();
  json.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace hitcounter::lambda

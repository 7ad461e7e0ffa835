#include "tests/support/http_client.h"

#include <utility>  // Boost 1.74's Asio needs it before itself under -std=c++20

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace hitcounter::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr std::chrono::seconds kReplyTimeout{30};

}  // namespace

struct HttpClient::Connection {
  asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(std::string host, int port) : host_(std::move(host)), port_(port) {}
HttpClient::~HttpClient() = default;

HttpReply HttpClient::Send(const std::string& method, const std::string& target,
                           const std::string& body) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    beast::error_code ec;
    if (!connection_) {
      connection_ = std::make_unique<Connection>();
      connection_->stream.expires_after(kReplyTimeout);
      connection_->stream.connect(
          tcp::endpoint(asio::ip::make_address(host_), static_cast<unsigned short>(port_)), ec);
      if (ec) {
        connection_.reset();
        return {};
      }
    }
    http::request<http::string_body> request(http::string_to_verb(method), target, 11);
    if (request.method() == http::verb::unknown) request.method_string(method);
    // An IPv6 address goes in brackets (RFC 9110 section 7.2, the URI's authority).
    request.set(http::field::host,
                host_.find(':') == std::string::npos ? host_ : "[" + host_ + "]");
    request.body() = body;
    request.prepare_payload();
    connection_->stream.expires_after(kReplyTimeout);
    http::write(connection_->stream, request, ec);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    if (method == "HEAD") parser.skip(true);
    if (!ec) http::read(connection_->stream, connection_->buffer, parser, ec);
    if (ec) {
      connection_.reset();  // the server closed a kept connection: try once on a new one
      continue;
    }
    HttpReply reply;
    const auto& response = parser.get();
    reply.status = static_cast<int>(response.result_int());
    for (const auto& field : response) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      reply.headers[name] = std::string(field.value());
    }
    reply.body = response.body();
    reply.keep_alive = response.keep_alive();
    if (!reply.keep_alive) connection_.reset();
    return reply;
  }
  return {};
}

std::string SendRaw(int port, const std::string& bytes, std::chrono::milliseconds timeout) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  stream.expires_after(timeout);
  stream.connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)), ec);
  if (ec) return "";
  asio::write(stream, asio::buffer(bytes), ec);
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  std::string received;
  char chunk[4096];
  for (;;) {
    std::size_t n = stream.read_some(asio::buffer(chunk), ec);
    received.append(chunk, n);
    if (ec) break;
  }
  return received;
}

}  // namespace hitcounter::testing

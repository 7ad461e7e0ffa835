// Stand-in servers for tests, on 127.0.0.1 with a port the kernel picks, started and stopped by
// the test that owns them:
//   - HttpStandIn: an HTTP/1.1 server answering every request with what the test's handler
//     says; keep-alive. For https, put a TlsProxy (tls_proxy.h) with a TestCa's certificate
//     (test_ca.h) in front of it.
//   - ProxyStandIn: an HTTP proxy: CONNECT tunnels and absolute-form requests, to 127.0.0.1
//     only, recording what it read itself (never what passed through a tunnel).
// Each runs one I/O thread of its own. Handlers run there, one at a time; what they share with
// the test must be synchronised by the test (atomics, a mutex).
#ifndef HITCOUNTER_TESTS_SUPPORT_HTTP_STAND_IN_H_
#define HITCOUNTER_TESTS_SUPPORT_HTTP_STAND_IN_H_

#include <utility>  // Boost 1.74's Asio needs it before its own headers under C++20

#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace hitcounter::testing {

namespace stand_in_detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ErrorCode = beast::error_code;

inline bool SameName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

struct StandInRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // as received, in order
  std::string body;

  // The first header of that name (any case); nullopt when absent.
  std::optional<std::string> Header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (SameName(key, name)) return value;
    }
    return std::nullopt;
  }
};

inline StandInRequest FromMessage(const http::request<http::string_body>& message) {
  StandInRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  request.body = message.body();
  return request;
}

struct StandInResponse {
  unsigned status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class HttpStandIn {
 public:
  using Handler = std::function<StandInResponse(const StandInRequest&)>;

  explicit HttpStandIn(Handler handler) : handler_(std::move(handler)) {
    Accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~HttpStandIn() {
    io_.stop();
    thread_.join();
  }
  HttpStandIn(const HttpStandIn&) = delete;
  HttpStandIn& operator=(const HttpStandIn&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::size_t requests() const { return requests_.load(); }
  std::size_t connections() const { return connections_.load(); }

 private:
  struct Session : std::enable_shared_from_this<Session> {
    Session(HttpStandIn& server, tcp::socket socket) : owner(server), stream(std::move(socket)) {}

    void Read() {
      parser.emplace();
      parser->body_limit(16 * 1024 * 1024);
      http::async_read(stream, buffer, *parser,
                       [self = this->shared_from_this()](ErrorCode error, std::size_t) {
                         if (!error) self->Answer();
                       });
    }

    void Answer() {
      http::request<http::string_body> message = parser->release();
      ++owner.requests_;
      StandInResponse answer = owner.handler_(FromMessage(message));
      response.emplace(static_cast<http::status>(answer.status), 11);
      for (const auto& [name, value] : answer.headers) response->set(name, value);
      response->body() = std::move(answer.body);
      const bool keep = message.keep_alive();
      response->keep_alive(keep);
      response->prepare_payload();
      http::async_write(stream, *response,
                        [self = this->shared_from_this(), keep](ErrorCode error, std::size_t) {
                          if (!error && keep) self->Read();
                        });
    }

    HttpStandIn& owner;
    tcp::socket stream;
    beast::flat_buffer buffer;
    std::optional<http::request_parser<http::string_body>> parser;
    std::optional<http::response<http::string_body>> response;
  };

  void Accept() {
    acceptor_.async_accept([this](ErrorCode error, tcp::socket socket) {
      if (error) return;
      ++connections_;
      std::make_shared<Session>(*this, std::move(socket))->Read();
      Accept();
    });
  }

  Handler handler_;
  asio::io_context io_{1};
  tcp::acceptor acceptor_{io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  const std::uint16_t port_ = acceptor_.local_endpoint().port();
  std::atomic<std::size_t> requests_{0};
  std::atomic<std::size_t> connections_{0};
  std::thread thread_;
};

class ProxyStandIn {
 public:
  // With `required_authorization` set, a request without exactly that Proxy-Authorization
  // value gets 407.
  explicit ProxyStandIn(std::string required_authorization = "")
      : required_authorization_(std::move(required_authorization)) {
    Accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~ProxyStandIn() {
    io_.stop();
    thread_.join();
  }
  ProxyStandIn(const ProxyStandIn&) = delete;
  ProxyStandIn& operator=(const ProxyStandIn&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::size_t tunnels() const { return tunnels_.load(); }      // CONNECTs accepted
  std::size_t forwarded() const { return forwarded_.load(); }  // absolute-form requests relayed
  std::size_t refused() const { return refused_.load(); }      // 407s and 403s
  // Every request the proxy read itself: CONNECT lines and absolute-form requests.
  std::vector<StandInRequest> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  struct Session : std::enable_shared_from_this<Session> {
    Session(ProxyStandIn& proxy, tcp::socket socket)
        : owner(proxy), client(std::move(socket)), upstream(proxy.io_) {}

    void Read() {
      parser.emplace();
      http::async_read(client, buffer, *parser,
                       [self = shared_from_this()](ErrorCode error, std::size_t) {
                         if (!error) self->Route();
                       });
    }

    void Refuse(http::status status) {
      ++owner.refused_;
      auto refusal = std::make_shared<http::response<http::string_body>>(status, 11);
      if (status == http::status::proxy_authentication_required) {
        refusal->set(http::field::proxy_authenticate, "Basic realm=\"stand-in\"");
      }
      refusal->keep_alive(false);
      refusal->prepare_payload();
      http::async_write(client, *refusal,
                        [self = shared_from_this(), refusal](ErrorCode, std::size_t) {});
    }

    // "127.0.0.1:PORT" or "localhost:PORT": the port; 0 for any other target.
    static std::uint16_t LocalPort(std::string_view authority) {
      for (std::string_view host : {"127.0.0.1:", "localhost:"}) {
        if (authority.rfind(host, 0) == 0) {
          return static_cast<std::uint16_t>(std::stoi(std::string(authority.substr(host.size()))));
        }
      }
      return 0;
    }

    void Route() {
      request = parser->release();
      {
        std::lock_guard lock(owner.mutex_);
        owner.seen_.push_back(FromMessage(request));
      }
      auto authorization = request.find(http::field::proxy_authorization);
      const std::string presented =
          authorization == request.end() ? "" : std::string(authorization->value());
      if (!owner.required_authorization_.empty() && presented != owner.required_authorization_) {
        return Refuse(http::status::proxy_authentication_required);
      }
      if (request.method() == http::verb::connect) {
        const std::uint16_t port = LocalPort(request.target());
        if (port == 0) return Refuse(http::status::forbidden);
        return Connect(port, [self = shared_from_this()] { self->Tunnel(); });
      }
      std::string_view target = request.target();
      if (target.rfind("http://", 0) != 0) return Refuse(http::status::bad_request);
      target.remove_prefix(7);
      const std::size_t slash = target.find('/');
      const std::uint16_t port = LocalPort(target.substr(0, slash));
      if (port == 0 || slash == std::string_view::npos) return Refuse(http::status::forbidden);
      request.target(std::string(target.substr(slash)));
      request.erase(http::field::proxy_authorization);
      Connect(port, [self = shared_from_this()] { self->Forward(); });
    }

    template <typename Next>
    void Connect(std::uint16_t port, Next next) {
      upstream = tcp::socket(owner.io_);
      upstream.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                             [self = shared_from_this(), next](ErrorCode error) {
                               if (error) return self->Refuse(http::status::bad_gateway);
                               next();
                             });
    }

    void Forward() {
      ++owner.forwarded_;
      http::async_write(
          upstream, request, [self = shared_from_this()](ErrorCode error, std::size_t) {
            if (error) return self->Refuse(http::status::bad_gateway);
            self->upstream_parser.emplace();
            http::async_read(self->upstream, self->upstream_buffer, *self->upstream_parser,
                             [self](ErrorCode e, std::size_t) {
                               if (e) return self->Refuse(http::status::bad_gateway);
                               self->answer = self->upstream_parser->release();
                               ErrorCode ignored;
                               self->upstream.close(ignored);
                               http::async_write(self->client, self->answer,
                                                 [self](ErrorCode e2, std::size_t) {
                                                   if (!e2) self->Read();
                                                 });
                             });
          });
    }

    void Tunnel() {
      ++owner.tunnels_;
      static constexpr std::string_view kEstablished =
          "HTTP/1.1 200 Connection established\r\n\r\n";
      asio::async_write(client, asio::buffer(kEstablished),
                        [self = shared_from_this()](ErrorCode error, std::size_t) {
                          if (error) return;
                          // Bytes the client sent after its CONNECT go first.
                          auto early = std::make_shared<std::string>(
                              beast::buffers_to_string(self->buffer.data()));
                          asio::async_write(self->upstream, asio::buffer(*early),
                                            [self, early](ErrorCode e, std::size_t) {
                                              if (e) return;
                                              Pump(self, self->client, self->upstream);
                                              Pump(self, self->upstream, self->client);
                                            });
                        });
    }

    static void Pump(std::shared_ptr<Session> self, tcp::socket& from, tcp::socket& to) {
      auto chunk = std::make_shared<std::array<char, 16 * 1024>>();
      from.async_read_some(asio::buffer(*chunk),
                           [self, &from, &to, chunk](ErrorCode error, std::size_t n) {
                             if (error) {
                               ErrorCode ignored;
                               to.shutdown(tcp::socket::shutdown_send, ignored);
                               return;
                             }
                             asio::async_write(to, asio::buffer(*chunk, n),
                                               [self, &from, &to, chunk](ErrorCode e, std::size_t) {
                                                 if (!e) Pump(self, from, to);
                                               });
                           });
    }

    ProxyStandIn& owner;
    tcp::socket client;
    tcp::socket upstream;
    beast::flat_buffer buffer;
    std::optional<http::request_parser<http::string_body>> parser;
    http::request<http::string_body> request;
    beast::flat_buffer upstream_buffer;
    std::optional<http::response_parser<http::string_body>> upstream_parser;
    http::response<http::string_body> answer;
  };

  void Accept() {
    acceptor_.async_accept([this](ErrorCode error, tcp::socket socket) {
      if (error) return;
      std::make_shared<Session>(*this, std::move(socket))->Read();
      Accept();
    });
  }

  const std::string required_authorization_;
  asio::io_context io_{1};
  tcp::acceptor acceptor_{io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  const std::uint16_t port_ = acceptor_.local_endpoint().port();
  std::atomic<std::size_t> tunnels_{0};
  std::atomic<std::size_t> forwarded_{0};
  std::atomic<std::size_t> refused_{0};
  mutable std::mutex mutex_;
  std::vector<StandInRequest> seen_;
  std::thread thread_;
};

}  // namespace stand_in_detail

using stand_in_detail::HttpStandIn;
using stand_in_detail::ProxyStandIn;
using stand_in_detail::StandInRequest;
using stand_in_detail::StandInResponse;

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_SUPPORT_HTTP_STAND_IN_H_

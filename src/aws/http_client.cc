#include <utility>  // Boost 1.74's Asio needs it before its own headers under C++20

#include "aws/http_client.h"

#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <filesystem>
#include <mutex>
#include <optional>

#include "aws/amazon_roots.h"

namespace hitcounter::aws {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

class TlsContext {
 public:
  asio::ssl::context context{asio::ssl::context::tls_client};
};

Result<std::shared_ptr<TlsContext>> LoadTlsContext(const std::string& ca_bundle) {
  auto tls = std::make_shared<TlsContext>();
  ErrorCode error;
  tls->context.set_verify_mode(asio::ssl::verify_peer, error);
  if (!error && std::filesystem::is_directory(ca_bundle)) {
    tls->context.add_verify_path(ca_bundle, error);
  } else if (!error) {
    tls->context.load_verify_file(ca_bundle, error);
  }
  if (error) {
    return Status::InvalidArgument("cannot load the CA bundle " + ca_bundle + ": " +
                                   error.message());
  }
  return tls;
}

Result<std::shared_ptr<TlsContext>> LoadTlsContextFromPem(std::string_view pem,
                                                          std::string_view what) {
  auto tls = std::make_shared<TlsContext>();
  ErrorCode error;
  tls->context.set_verify_mode(asio::ssl::verify_peer, error);
  // Reads every certificate in `pem` into the context's store; fails on the first that does not
  // parse, and when there is none.
  if (!error) tls->context.add_certificate_authority(asio::buffer(pem.data(), pem.size()), error);
  if (error) {
    return Status::InvalidArgument("cannot load the CA certificates of " + std::string(what) +
                                   ": " + error.message());
  }
  return tls;
}

Result<std::shared_ptr<TlsContext>> AmazonRootsTlsContext() {
  return LoadTlsContextFromPem(AmazonTrustRootsPem(), "the compiled-in Amazon roots");
}

namespace {

// "host:port" ("[v6]:port" for an IPv6 literal): the target of a CONNECT.
std::string Authority(const Endpoint& endpoint) {
  const bool v6 = endpoint.host.find(':') != std::string::npos;
  return (v6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" + std::to_string(endpoint.port);
}

}  // namespace

struct HttpClient::Impl {
  Impl(Endpoint e, std::shared_ptr<TlsContext> t, std::optional<HttpProxy> p)
      : endpoint(std::move(e)), tls(std::move(t)), proxy(std::move(p)) {}

  bool Connected() const { return plain.has_value() || secure.has_value(); }
  beast::tcp_stream& Lowest() { return secure ? secure->next_layer() : *plain; }

  // Runs the operation `start` begins until it completes or `deadline` passes. On timeout the
  // socket is closed, which cancels the operation, and the result is timed_out.
  template <typename Start>
  ErrorCode Run(Start&& start, Deadline deadline) {
    ErrorCode result;
    bool done = false;
    start([&result, &done](ErrorCode error) {
      result = error;
      done = true;
    });
    io.restart();
    io.run_until(deadline);
    if (done) return result;
    resolver.cancel();
    if (Connected()) Lowest().socket().close(result);
    io.restart();
    io.run();  // let the cancelled operations finish before anything is destroyed
    return asio::error::timed_out;
  }

  void Disconnect() {
    plain.reset();
    secure.reset();
    buffer.clear();
  }

  // True when the kept connection is open and the peer has neither closed it nor sent anything
  // unasked (both mean it cannot carry another request). One exception: a TLS connection that
  // has carried no request yet (opened by Connect) may hold the records a TLS 1.3 server sends
  // after the handshake (session tickets); they are read with the first response.
  bool LooksAlive() {
    if (!Connected()) return false;
    pollfd peer{Lowest().socket().native_handle(), POLLIN | POLLRDHUP, 0};
    if (::poll(&peer, 1, 0) < 0) return false;
    if ((peer.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) return false;
    return (peer.revents & POLLIN) == 0 || (secure.has_value() && unused);
  }

  Status Connect(Deadline deadline);
  Status OpenTunnel(Deadline deadline);
  Status Handshake(Deadline deadline);
  HttpOutcome Exchange(const HttpRequest& request, Deadline deadline);

  // "https://host" or "https://host through proxy http://proxy:3128".
  std::string Where() const {
    return proxy ? endpoint.Url() + " through proxy " + proxy->url : endpoint.Url();
  }
  Status Failed(std::string_view what, const ErrorCode& error) {
    return Status::Unavailable(std::string(what) + " " + Where() + ": " + error.message());
  }

  Endpoint endpoint;
  std::shared_ptr<TlsContext> tls;
  std::optional<HttpProxy> proxy;
  asio::io_context io{1};
  tcp::resolver resolver{io};
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  std::size_t connections_opened = 0;
  bool unused = false;  // connected, and no request written on the connection yet
};

Status HttpClient::Impl::Connect(Deadline deadline) {
  Disconnect();
  const Deadline until = std::min(deadline, std::chrono::steady_clock::now() + kConnectTimeout);
  const Endpoint& first_hop = proxy ? proxy->endpoint : endpoint;
  tcp::resolver::results_type addresses;
  ErrorCode error = Run(
      [&](auto done) {
        resolver.async_resolve(first_hop.host, std::to_string(first_hop.port),
                               [&addresses, done](ErrorCode e, tcp::resolver::results_type r) {
                                 addresses = std::move(r);
                                 done(e);
                               });
      },
      until);
  if (error) return Failed("cannot resolve", error);
  if (tls) {
    secure.emplace(io, tls->context);
  } else {
    plain.emplace(io);
  }
  error = Run(
      [&](auto done) {
        Lowest().async_connect(addresses, [done](ErrorCode e, const tcp::endpoint&) { done(e); });
      },
      until);
  if (!error) Lowest().socket().set_option(tcp::no_delay(true), error);
  if (!error && secure && proxy) {
    if (Status tunnel = OpenTunnel(until); !tunnel.ok()) {
      Disconnect();
      return tunnel;
    }
  }
  if (!error && secure) {
    if (Status handshake = Handshake(until); !handshake.ok()) {
      Disconnect();
      return handshake;
    }
  }
  if (error) {
    Disconnect();
    return Failed("cannot connect to", error);
  }
  ++connections_opened;
  unused = true;
  return Status::Ok();
}

Status HttpClient::Impl::OpenTunnel(Deadline deadline) {
  // Only what the proxy needs: the endpoint's own headers (Authorization, the session token)
  // travel inside the tunnel, encrypted.
  http::request<http::empty_body> connect{http::verb::connect, Authority(endpoint), 11};
  connect.set(http::field::host, Authority(endpoint));
  if (!proxy->authorization.empty()) {
    connect.set(http::field::proxy_authorization, proxy->authorization);
  }
  ErrorCode error = Run(
      [&](auto done) {
        http::async_write(Lowest(), connect, [done](ErrorCode e, std::size_t) { done(e); });
      },
      deadline);
  if (error) return Failed("cannot ask for a tunnel to", error);
  beast::flat_buffer answer;
  http::response_parser<http::empty_body> parser;
  parser.skip(true);  // a successful CONNECT's answer has no body, whatever its headers say
  error = Run(
      [&](auto done) {
        http::async_read_header(Lowest(), answer, parser,
                                [done](ErrorCode e, std::size_t) { done(e); });
      },
      deadline);
  if (error) return Failed("no answer to CONNECT for", error);
  const unsigned status = parser.get().result_int();
  if (status / 100 != 2) {
    return Status::Unavailable("proxy " + proxy->url + " refused a tunnel to " + endpoint.Url() +
                               ": HTTP " + std::to_string(status) +
                               (status == 407 ? " (the proxy wants credentials: user:password@ "
                                                "in the proxy URL)"
                                              : ""));
  }
  if (answer.size() != 0) {
    return Status::Unavailable("proxy " + proxy->url + " sent data into the tunnel to " +
                               endpoint.Url() + " before TLS started");
  }
  return Status::Ok();
}

Status HttpClient::Impl::Handshake(Deadline deadline) {
  // SNI, then verification of the certificate's chain (context) and of its host name.
  // SSL_set_tlsext_host_name, spelled out: the macro's C cast trips -Wold-style-cast.
  if (SSL_ctrl(secure->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(endpoint.host.c_str())) != 1) {
    return Status::Unavailable("cannot set the TLS server name for " + endpoint.Url());
  }
  secure->set_verify_callback(asio::ssl::host_name_verification(endpoint.host));
  ErrorCode error = Run(
      [&](auto done) { secure->async_handshake(asio::ssl::stream_base::client, done); }, deadline);
  if (!error) return Status::Ok();
  // Why the certificate was refused, when it was: "certificate verify failed" alone does not
  // tell an expired certificate from an unknown CA or another host's name.
  const long verify = SSL_get_verify_result(secure->native_handle());
  if (verify != X509_V_OK) {
    return Status::Unavailable("TLS handshake failed with " + Where() + ": " + error.message() +
                               " (" + X509_verify_cert_error_string(verify) + ")");
  }
  return Failed("TLS handshake failed with", error);
}

HttpOutcome HttpClient::Impl::Exchange(const HttpRequest& request, Deadline deadline) {
  const Deadline until = std::min(deadline, std::chrono::steady_clock::now() + kRequestTimeout);
  unused = false;
  const http::verb verb = http::string_to_verb(request.method);
  if (verb == http::verb::unknown) {
    return {Status::Internal("unknown HTTP method " + request.method), false, {}};
  }
  // Through a proxy, a plain-http request names its endpoint in absolute form.
  const bool absolute = proxy && !secure;
  http::request<http::string_body> message{
      verb, absolute ? "http://" + endpoint.HostHeader() + request.target : request.target, 11};
  for (const auto& [name, value] : request.headers) message.set(name, value);
  if (absolute && !proxy->authorization.empty()) {
    message.set(http::field::proxy_authorization, proxy->authorization);
  }
  message.body() = request.body;
  message.prepare_payload();
  auto write = [&](auto& stream) {
    return Run(
        [&](auto done) {
          http::async_write(stream, message, [done](ErrorCode e, std::size_t) { done(e); });
        },
        until);
  };
  ErrorCode error = secure ? write(*secure) : write(*plain);
  if (error) {
    Disconnect();
    return {Failed("cannot send the request to", error), false, {}};
  }
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBytes);
  auto read = [&](auto& stream) {
    return Run(
        [&](auto done) {
          http::async_read(stream, buffer, parser, [done](ErrorCode e, std::size_t) { done(e); });
        },
        until);
  };
  error = secure ? read(*secure) : read(*plain);
  if (error) {
    Disconnect();
    return {Failed("no response from", error), true, {}};
  }
  http::response<http::string_body> response = parser.release();
  if (!response.keep_alive()) Disconnect();
  return {Status::Ok(), true, {response.result_int(), std::move(response.body())}};
}

HttpClient::HttpClient(Endpoint endpoint, std::shared_ptr<TlsContext> tls,
                       std::optional<HttpProxy> proxy)
    : impl_(std::make_unique<Impl>(std::move(endpoint), std::move(tls), std::move(proxy))) {}

HttpClient::~HttpClient() = default;

HttpOutcome HttpClient::Post(const HttpRequest& request, Deadline deadline) {
  if (impl_->endpoint.tls && !impl_->tls) {
    return {Status::Internal("an https endpoint needs a TLS context"), false, {}};
  }
  const bool reused = impl_->LooksAlive();
  if (!reused) {
    if (Status connected = impl_->Connect(deadline); !connected.ok()) return {connected, false, {}};
  }
  HttpOutcome outcome = impl_->Exchange(request, deadline);
  // The peer closed the kept connection between the check and the write: nothing was sent, so
  // sending again on a new connection is safe. Once only.
  if (!outcome.status.ok() && reused && !outcome.request_sent) {
    if (Status connected = impl_->Connect(deadline); !connected.ok()) return {connected, false, {}};
    outcome = impl_->Exchange(request, deadline);
  }
  return outcome;
}

Status HttpClient::Connect(Deadline deadline) {
  if (impl_->endpoint.tls && !impl_->tls) {
    return Status::Internal("an https endpoint needs a TLS context");
  }
  if (impl_->LooksAlive()) return Status::Ok();
  return impl_->Connect(deadline);
}

std::size_t HttpClient::connections_opened() const { return impl_->connections_opened; }

Result<TransportFactory> HttpClientFactory(const ServiceSettings& settings) {
  if (settings.endpoint.tls && settings.amazon_roots) {
    // The compiled-in roots cannot fail to load (aws/amazon_roots_test.cc), so they are loaded
    // by the first client made, not here: the Lambda function makes that one on its preconnect
    // thread, and its main thread asks for its first event without waiting for OpenSSL.
    struct LazyRoots {
      std::once_flag once;
      std::shared_ptr<TlsContext> tls;  // null if loading failed: the client then says so
    };
    auto roots = std::make_shared<LazyRoots>();
    return TransportFactory([endpoint = settings.endpoint, roots,
                             proxy = settings.proxy]() -> std::unique_ptr<HttpTransport> {
      std::call_once(roots->once, [&roots] {
        Result<std::shared_ptr<TlsContext>> loaded = AmazonRootsTlsContext();
        if (loaded.ok()) roots->tls = *loaded;
      });
      return std::make_unique<HttpClient>(endpoint, roots->tls, proxy);
    });
  }
  std::shared_ptr<TlsContext> tls;
  if (settings.endpoint.tls) {
    Result<std::shared_ptr<TlsContext>> loaded = LoadTlsContext(settings.ca_bundle);
    if (!loaded.ok()) return loaded.status();
    tls = *loaded;
  }
  return TransportFactory([endpoint = settings.endpoint, tls,
                           proxy = settings.proxy]() -> std::unique_ptr<HttpTransport> {
    return std::make_unique<HttpClient>(endpoint, tls, proxy);
  });
}

}  // namespace hitcounter::aws

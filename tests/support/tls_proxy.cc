#include <utility>  // Boost 1.74's Asio needs it before its own headers under C++20

#include "tests/support/tls_proxy.h"

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace hitcounter::testing {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

// Bytes relayed per read: any size works; DynamoDB's requests and answers are mostly smaller.
constexpr std::size_t kRelayChunkBytes = 16 * 1024;

// One client connection and its upstream connection, relaying both ways until either closes.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket client, asio::ssl::context& tls, std::function<void()> on_handshake)
      : client_(std::move(client), tls),
        upstream_(client_.get_executor()),
        on_handshake_(std::move(on_handshake)) {}

  void Start(std::uint16_t upstream_port) {
    auto self = shared_from_this();
    client_.async_handshake(asio::ssl::stream_base::server, [self, upstream_port](ErrorCode e) {
      if (e) return;
      self->on_handshake_();
      tcp::endpoint upstream(asio::ip::make_address("127.0.0.1"), upstream_port);
      self->upstream_.async_connect(upstream, [self](ErrorCode connect_error) {
        if (connect_error) return self->Close();
        self->ClientToUpstream();
        self->UpstreamToClient();
      });
    });
  }

 private:
  void ClientToUpstream() {
    auto self = shared_from_this();
    client_.async_read_some(asio::buffer(from_client_), [self](ErrorCode e, std::size_t n) {
      if (e) return self->Close();
      asio::async_write(self->upstream_, asio::buffer(self->from_client_.data(), n),
                        [self](ErrorCode write_error, std::size_t) {
                          if (write_error) return self->Close();
                          self->ClientToUpstream();
                        });
    });
  }

  void UpstreamToClient() {
    auto self = shared_from_this();
    upstream_.async_read_some(asio::buffer(from_upstream_), [self](ErrorCode e, std::size_t n) {
      if (e) return self->Close();
      asio::async_write(self->client_, asio::buffer(self->from_upstream_.data(), n),
                        [self](ErrorCode write_error, std::size_t) {
                          if (write_error) return self->Close();
                          self->UpstreamToClient();
                        });
    });
  }

  void Close() {
    ErrorCode ignored;
    client_.lowest_layer().close(ignored);
    upstream_.close(ignored);
  }

  asio::ssl::stream<tcp::socket> client_;
  tcp::socket upstream_;
  std::function<void()> on_handshake_;
  std::array<char, kRelayChunkBytes> from_client_{};
  std::array<char, kRelayChunkBytes> from_upstream_{};
};

}  // namespace

struct TlsProxy::Server {
  Server(const TestIdentity& identity, std::uint16_t upstream) : upstream_port(upstream) {
    tls.use_certificate_chain(asio::buffer(identity.certificate_pem));
    tls.use_private_key(asio::buffer(identity.key_pem), asio::ssl::context::pem);
    Accept();
    thread = std::thread([this] { io.run(); });
  }

  ~Server() {
    io.stop();
    thread.join();
  }

  void Accept() {
    acceptor.async_accept([this](ErrorCode e, tcp::socket socket) {
      if (e) return;
      std::make_shared<Session>(std::move(socket), tls, [this] {
        std::lock_guard lock(mutex);
        ++handshakes;
        changed.notify_all();
      })->Start(upstream_port);
      Accept();
    });
  }

  std::uint16_t upstream_port;
  asio::io_context io{1};
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  asio::ssl::context tls{asio::ssl::context::tls_server};
  std::thread thread;
  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  std::size_t handshakes = 0;
};

TlsProxy::TlsProxy(const TestIdentity& identity, std::uint16_t upstream_port)
    : server_(std::make_unique<Server>(identity, upstream_port)) {}

TlsProxy::~TlsProxy() = default;

std::uint16_t TlsProxy::port() const { return server_->acceptor.local_endpoint().port(); }

std::size_t TlsProxy::handshakes() const {
  std::lock_guard lock(server_->mutex);
  return server_->handshakes;
}

bool TlsProxy::WaitForHandshakes(std::size_t count, std::chrono::milliseconds wait) const {
  std::unique_lock lock(server_->mutex);
  return server_->changed.wait_for(lock, wait, [&] { return server_->handshakes >= count; });
}

}  // namespace hitcounter::testing

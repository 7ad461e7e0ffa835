// TlsProxy: an https front for a plain TCP server on 127.0.0.1, for tests. It terminates TLS
// with a certificate the test made (test_ca.h) and relays each connection's bytes, both ways,
// to the upstream port: DynamoDB Local behind https, as AWS's endpoint would be. It counts
// completed handshakes, so a test can see when a client opened its connection.
//
// Listens on 127.0.0.1 (a free port) and serves on a thread of its own. Thread safety: every
// public method may be called from any thread.
#ifndef HITCOUNTER_TESTS_SUPPORT_TLS_PROXY_H_
#define HITCOUNTER_TESTS_SUPPORT_TLS_PROXY_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "tests/support/test_ca.h"

namespace hitcounter::testing {

class TlsProxy {
 public:
  TlsProxy(const TestIdentity& identity, std::uint16_t upstream_port);
  // Stops accepting and closes every connection.
  ~TlsProxy();
  TlsProxy(const TlsProxy&) = delete;
  TlsProxy& operator=(const TlsProxy&) = delete;

  std::uint16_t port() const;

  // Connections whose TLS handshake completed so far.
  std::size_t handshakes() const;

  // Waits up to `wait` until at least `count` handshakes completed; false on timeout.
  bool WaitForHandshakes(std::size_t count, std::chrono::milliseconds wait) const;

 private:
  struct Server;
  std::unique_ptr<Server> server_;
};

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_SUPPORT_TLS_PROXY_H_

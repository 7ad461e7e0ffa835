// HttpClient: HTTP/1.1 requests (POST unless said otherwise) to one AWS endpoint over one
// kept-alive connection, directly or through an HTTP proxy (aws/proxy.h).
//
// The connection is opened on first use and reused by every later call. Before reusing it the
// client checks, without blocking, whether the peer closed it while it sat idle (servers close
// idle connections: dynalite after 5 s, DynamoDB after minutes); if so it reconnects first. If
// the write still fails on a reused connection, nothing reached the server, and the client
// reconnects and sends again, once. Once the whole request is written, a missing response is
// reported as such (request_sent = true): whether the server acted on it is unknown, and only
// the caller knows whether sending it again is safe.
//
// https endpoints verify the server's certificate against the trusted CAs (a CA bundle, or the
// Amazon roots compiled in) and its host name, and send SNI. Every step is bounded by the caller's
// deadline and by kConnectTimeout/kRequestTimeout.
//
// Through a proxy: an https endpoint is reached through a tunnel (CONNECT host:port, with the
// proxy's Proxy-Authorization if any and nothing else), then TLS to the endpoint itself, so the
// proxy relays bytes it cannot read; an http endpoint gets its requests in absolute form
// ("POST http://host:port/ HTTP/1.1") with the proxy's Proxy-Authorization added. A proxy that
// refuses the tunnel is reported with its status (407: the proxy wants credentials).
//
// Thread safety: an HttpClient is used by one thread at a time (it owns its own io_context and
// connection). TlsContext may be shared by clients on any threads.
#ifndef HITCOUNTER_AWS_HTTP_CLIENT_H_
#define HITCOUNTER_AWS_HTTP_CLIENT_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/aws_config.h"
#include "aws/proxy.h"
#include "aws/sigv4.h"
#include "hitcounter/status.h"

namespace hitcounter::aws {

using Deadline = std::chrono::steady_clock::time_point;

// Resolving, connecting and the TLS handshake together. An in-region endpoint connects in about
// a millisecond; 3 s still covers a lost SYN's first retransmission (1 s).
inline constexpr std::chrono::milliseconds kConnectTimeout{3'000};

// Writing one request and reading its response. DynamoDB answers single-item calls in a few
// milliseconds and a 1 MB Scan page in well under a second; past 5 s the connection is presumed
// broken (and dropped).
inline constexpr std::chrono::milliseconds kRequestTimeout{5'000};

// Largest response body accepted. A Scan page carries at most 1 MB of items; its JSON is
// somewhat larger.
inline constexpr std::size_t kMaxResponseBytes = 8 * 1024 * 1024;

struct HttpRequest {
  std::string target = "/";     // origin form: "/path?query"
  std::vector<Header> headers;  // sent as given (Host included); Content-Length is added
  std::string body;
  std::string method = "POST";  // GET, PUT or POST
};

struct HttpResponse {
  unsigned status = 0;
  std::string body;
};

struct HttpOutcome {
  // OK when a response arrived, whatever its HTTP status; kUnavailable when none did.
  Status status;
  // On failure: whether the whole request had been written, so the server may have acted on it.
  bool request_sent = false;
  HttpResponse response;
};

// Sends requests to one endpoint. An interface so that tests can replace the network.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends `request` (request.method, POST by default: hence the name) and waits for the
  // response until `deadline` at the latest.
  virtual HttpOutcome Post(const HttpRequest& request, Deadline deadline) = 0;

  // Opens the connection the next Post will use, if it is not open already (TCP and, for
  // https, the proxy's tunnel if any and TLS), by `deadline`; sends no request. OK at once for
  // a transport with no connection to open (test fakes); kUnavailable naming the endpoint when
  // it cannot be reached.
  virtual Status Connect(Deadline /*deadline*/) { return Status::Ok(); }
};

// Trusted CAs for verifying servers. Opaque; shared by the clients of one store.
class TlsContext;

// Loads the trusted CAs at `ca_bundle`: a PEM file, or a directory of hashed certificates (read
// lazily). kInvalidArgument naming the path when it cannot be loaded.
Result<std::shared_ptr<TlsContext>> LoadTlsContext(const std::string& ca_bundle);

// Trusts exactly the certificates in `pem` (one or more, text between them allowed).
// kInvalidArgument naming `what` when it holds none or one that does not parse.
Result<std::shared_ptr<TlsContext>> LoadTlsContextFromPem(std::string_view pem,
                                                          std::string_view what);

// Trusts exactly the Amazon Trust Services roots compiled into the binary (amazon_roots.h).
Result<std::shared_ptr<TlsContext>> AmazonRootsTlsContext();

// Makes a new transport each call (one per thread that needs a connection).
using TransportFactory = std::function<std::unique_ptr<HttpTransport>()>;

class HttpClient final : public HttpTransport {
 public:
  // A client of `endpoint`, through `proxy` when given; `tls` must be non-null when
  // endpoint.tls. Connects lazily.
  HttpClient(Endpoint endpoint, std::shared_ptr<TlsContext> tls,
             std::optional<HttpProxy> proxy = std::nullopt);
  ~HttpClient() override;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpOutcome Post(const HttpRequest& request, Deadline deadline) override;
  Status Connect(Deadline deadline) override;

  // How many connections this client opened so far (1 while the first one is reused).
  std::size_t connections_opened() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A factory of HttpClients of settings.endpoint, through settings.proxy when set. For https it
// loads the trusted CAs once and shares them: settings.ca_bundle now (kInvalidArgument naming
// the file when it cannot be loaded), or with settings.amazon_roots the compiled-in roots when
// the first client is made (they cannot fail to load, and this keeps OpenSSL's work off the
// caller's path).
Result<TransportFactory> HttpClientFactory(const ServiceSettings& settings);

}  // namespace hitcounter::aws

#endif  // HITCOUNTER_AWS_HTTP_CLIENT_H_

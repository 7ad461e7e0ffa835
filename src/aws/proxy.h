// Outbound HTTP proxies, as HTTPS_PROXY, HTTP_PROXY and NO_PROXY configure them for curl, the
// AWS CLI (botocore, through Python's urllib) and the Go SDK (net/http's ProxyFromEnvironment).
//
//   https_proxy, HTTPS_PROXY  the proxy for https:// endpoints: the client opens a tunnel with
//                             CONNECT host:port and speaks TLS to the endpoint through it, so
//                             the proxy sees neither the request nor its signature;
//   http_proxy, HTTP_PROXY    the proxy for http:// endpoints (DynamoDB Local...): the request
//                             goes to the proxy in absolute form (POST http://host:port/ ...);
//   no_proxy, NO_PROXY        endpoints reached directly: comma-separated entries, each "*"
//                             (everything), a domain ("example.com", ".example.com" or
//                             "*.example.com": that name and every name under it), an IP address
//                             or a CIDR block ("10.0.0.0/8", "fd00::/8"), optionally with ":port"
//                             (then only that port, as in Go).
// The lowercase form wins when both are set, as in curl. An empty value is unset. ALL_PROXY is
// not read (neither the AWS SDKs nor botocore's request path use it). A proxy URL is
// "http://[user:password@]host[:port]"; without a scheme http:// is assumed and without a port,
// 80 (Go and urllib; curl would assume 1080). A proxy spoken to over TLS (https://) is refused.
// The user-info, percent-decoded, goes to the proxy only, as Proxy-Authorization: Basic; it is
// never sent to the endpoint nor printed.
//
// The instance metadata and container credentials endpoints never use a proxy (see
// credentials_chain.h): they are link-local or loopback addresses no proxy can reach on our
// behalf, and their tokens must not leave the host.
//
// Pure functions of their arguments; safe from any thread.
#ifndef HITCOUNTER_AWS_PROXY_H_
#define HITCOUNTER_AWS_PROXY_H_

#include <optional>
#include <string>
#include <string_view>

#include "aws/aws_config.h"
#include "hitcounter/status.h"

namespace hitcounter::aws {

// The proxy for requests to `endpoint`, or nullopt to connect directly (no proxy variable is
// set for its scheme, or NO_PROXY matches it). kInvalidArgument naming the variable when its
// URL cannot be used.
Result<std::optional<HttpProxy>> ProxyFor(const Endpoint& endpoint, const Environment& env);

// True when the NO_PROXY list `no_proxy` (syntax above) covers `host` (a name or an IP
// literal, IPv6 without brackets) on `port`.
bool NoProxyMatches(std::string_view no_proxy, std::string_view host, std::uint16_t port);

}  // namespace hitcounter::aws

#endif  // HITCOUNTER_AWS_PROXY_H_

// TrustedProxies: which peers may say who the client is (`serve --trusted-proxy CIDR`), and the
// client address a request gets from them.
//
// A request's client is the peer that connected, unless that peer is inside one of the trusted
// networks: then the forwarding headers it passed on name the client. The chain of addresses
// they hold (left to right: the original client first, each proxy appending the peer it saw) is
// walked from the right, skipping trusted addresses; the first untrusted one is the client, as
// nginx's realip (recursive) and other proxies take it. Everything left of it may have been
// written by the client itself and is never believed. Without trusted networks the headers are
// ignored.
//
// Headers: X-Forwarded-For when the request has it, else Forwarded's for= parameters (RFC
// 7239). Only one is read, never a mix: a proxy that sets one passes the other on as the client
// sent it. Let the proxy in front set the one it uses and drop the other when it can.
//
// IPv4 peers of a dual-stack socket (::ffff:a.b.c.d) are taken as the IPv4 addresses they are,
// both for matching and in what is returned.
//
// Thread safety: const methods may be called from any thread.
#ifndef HITCOUNTER_SERVER_TRUSTED_PROXIES_H_
#define HITCOUNTER_SERVER_TRUSTED_PROXIES_H_

#include <string>
#include <string_view>
#include <vector>

#include "hitcounter/status.h"
#include "server/asio.h"

namespace hitcounter::server {

class TrustedProxies {
 public:
  // Trusts nobody: the peer is always the client.
  TrustedProxies() = default;

  // Each of `cidrs` is "ADDRESS/PREFIX-LENGTH" or a lone address (a /32 or /128), IPv4 or IPv6
  // ("10.0.0.0/8", "::1", "fd00::/8"). kInvalidArgument naming the first that is not one.
  static Result<TrustedProxies> Parse(const std::vector<std::string>& cidrs);

  bool empty() const { return networks_.empty(); }

  // Whether `address` is inside one of the networks.
  bool Contains(const asio::ip::address& address) const;

  // The client of a request from `peer` whose X-Forwarded-For and Forwarded field values (each
  // header line a value, in order; empty when absent) are given; see above. A chain that holds
  // something other than an address (Forwarded's "unknown" or "_hidden", garbage) ends the walk
  // there: the client is the last address walked, a trusted proxy.
  asio::ip::address ClientOf(const asio::ip::address& peer,
                             const std::vector<std::string_view>& x_forwarded_for,
                             const std::vector<std::string_view>& forwarded) const;

 private:
  struct Network {
    asio::ip::address_v6 base;  // IPv4 as IPv4-mapped
    unsigned prefix_length;     // of the 128 bits
  };
  std::vector<Network> networks_;
};

// `address` with an IPv4-mapped IPv6 address (::ffff:a.b.c.d) turned into the IPv4 it is.
asio::ip::address Unmapped(const asio::ip::address& address);

}  // namespace hitcounter::server

#endif  // HITCOUNTER_SERVER_TRUSTED_PROXIES_H_

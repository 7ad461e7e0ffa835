#include "server/trusted_proxies.h"

#include <charconv>
#include <optional>

#include "core/text.h"

namespace hitcounter::server {
namespace {

constexpr unsigned kV4InV6Bits = 96;  // an IPv4-mapped address's bits before the IPv4 ones

asio::ip::address_v6 AsV6(const asio::ip::address& address) {
  return address.is_v4() ? asio::ip::make_address_v6(asio::ip::v4_mapped, address.to_v4())
                         : address.to_v6();
}

bool SamePrefix(const asio::ip::address_v6& a, const asio::ip::address_v6& b, unsigned bits) {
  const auto x = a.to_bytes();
  const auto y = b.to_bytes();
  for (unsigned i = 0; i < 16 && bits > 0; ++i) {
    const unsigned take = bits >= 8 ? 8 : bits;
    const auto mask = static_cast<unsigned char>(0xFF << (8 - take));
    if ((x[i] & mask) != (y[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

std::optional<asio::ip::address> AddressOf(std::string_view text) {
  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  return Unmapped(address);
}

// One node of a forwarding header: "1.2.3.4", "1.2.3.4:80", "::1", "[::1]", "[::1]:80"; quotes
// already removed. Anything else (Forwarded's "unknown", an obfuscated "_id"): nullopt.
std::optional<asio::ip::address> NodeAddress(std::string_view node) {
  node = TrimBlanks(node);
  if (node.starts_with('[')) {
    const std::size_t close = node.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view rest = node.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return std::nullopt;
    return AddressOf(node.substr(1, close - 1));
  }
  if (std::optional<asio::ip::address> address = AddressOf(node)) return address;
  const std::size_t colon = node.find(':');
  if (colon != std::string_view::npos && node.find(':', colon + 1) == std::string_view::npos) {
    std::optional<asio::ip::address> v4 = AddressOf(node.substr(0, colon));  // IPv4:port
    if (v4 && v4->is_v4()) return v4;
  }
  return std::nullopt;
}

// Splits every value at commas, in order. Each piece is one node (X-Forwarded-For) or one
// forwarded-element (Forwarded).
std::vector<std::string_view> Elements(const std::vector<std::string_view>& values) {
  std::vector<std::string_view> out;
  for (std::string_view value : values) {
    while (true) {
      const std::size_t comma = value.find(',');
      out.push_back(TrimBlanks(value.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      value.remove_prefix(comma + 1);
    }
  }
  return out;
}

// The for= node of one forwarded-element ("for=192.0.2.60;proto=http", "For=\"[::1]:80\""),
// unquoted; empty when it has none. (Quoted strings here hold no ';' or ',': a node cannot.)
std::string_view ForNode(std::string_view element) {
  while (!element.empty()) {
    const std::size_t semicolon = element.find(';');
    const std::string_view pair = TrimBlanks(element.substr(0, semicolon));
    element =
        semicolon == std::string_view::npos ? std::string_view() : element.substr(semicolon + 1);
    const std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos) continue;
    if (AsciiLower(TrimBlanks(pair.substr(0, equals))) != "for") continue;
    std::string_view value = TrimBlanks(pair.substr(equals + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return {};
}

}  // namespace

asio::ip::address Unmapped(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  }
  return address;
}

Result<TrustedProxies> TrustedProxies::Parse(const std::vector<std::string>& cidrs) {
  TrustedProxies out;
  for (const std::string& cidr : cidrs) {
    const auto refuse = [&cidr](std::string_view why) {
      return Status::InvalidArgument("--trusted-proxy \"" + cidr + "\" " + std::string(why) +
                                     ": give ADDRESS/PREFIX-LENGTH (10.0.0.0/8, fd00::/8) or "
                                     "one address");
    };
    const std::string_view text = TrimBlanks(cidr);
    const std::size_t slash = text.find('/');
    boost::system::error_code ec;
    const asio::ip::address address =
        asio::ip::make_address(std::string(text.substr(0, slash)), ec);
    if (ec) return refuse("is not an IP address");
    const unsigned max_bits = address.is_v4() ? 32 : 128;
    unsigned bits = max_bits;
    if (slash != std::string_view::npos) {
      const std::string_view length = text.substr(slash + 1);
      auto [end, parse_ec] = std::from_chars(length.data(), length.data() + length.size(), bits);
      if (parse_ec != std::errc() || end != length.data() + length.size() || length.empty() ||
          bits > max_bits) {
        return refuse("has a bad prefix length");
      }
    }
    out.networks_.push_back(Network{AsV6(address), address.is_v4() ? kV4InV6Bits + bits : bits});
  }
  return out;
}

bool TrustedProxies::Contains(const asio::ip::address& address) const {
  const asio::ip::address_v6 v6 = AsV6(Unmapped(address));
  for (const Network& network : networks_) {
    if (SamePrefix(v6, network.base, network.prefix_length)) return true;
  }
  return false;
}

asio::ip::address TrustedProxies::ClientOf(const asio::ip::address& peer,
                                           const std::vector<std::string_view>& x_forwarded_for,
                                           const std::vector<std::string_view>& forwarded) const {
  asio::ip::address client = Unmapped(peer);
  if (!Contains(client)) return client;
  const bool use_xff = !x_forwarded_for.empty();
  const std::vector<std::string_view> chain = Elements(use_xff ? x_forwarded_for : forwarded);
  for (auto element = chain.rbegin(); element != chain.rend(); ++element) {
    std::optional<asio::ip::address> node = NodeAddress(use_xff ? *element : ForNode(*element));
    if (!node) return client;  // not an address: nothing left of it can be checked
    client = *node;
    if (!Contains(client)) return client;
  }
  return client;  // every hop trusted: the left-most is as far as the chain goes
}

}  // namespace hitcounter::server

#include "aws/proxy.h"

#include <arpa/inet.h>
#include <openssl/evp.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cstring>

#include "aws/url.h"
#include "core/text.h"

namespace hitcounter::aws {
namespace {

// The first of `names` set to a non-empty value, with its name.
std::optional<std::pair<std::string, std::string>> FirstSet(
    const Environment& env, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    auto it = env.find(name);
    if (it != env.end() && !it->second.empty()) return std::make_pair(it->first, it->second);
  }
  return std::nullopt;
}

// An IP address in network byte order: 4 bytes for IPv4, 16 for IPv6.
struct IpAddress {
  std::array<unsigned char, 16> bytes{};
  int size = 0;
};

std::optional<IpAddress> ParseIp(std::string_view text) {
  const std::string copy(text);
  IpAddress ip;
  if (inet_pton(AF_INET, copy.c_str(), ip.bytes.data()) == 1) {
    ip.size = 4;
    return ip;
  }
  if (inet_pton(AF_INET6, copy.c_str(), ip.bytes.data()) == 1) {
    ip.size = 16;
    return ip;
  }
  return std::nullopt;
}

bool PrefixMatches(const IpAddress& network, const IpAddress& ip, int bits) {
  if (network.size != ip.size || bits < 0 || bits > network.size * 8) return false;
  const int whole = bits / 8;
  if (std::memcmp(network.bytes.data(), ip.bytes.data(), static_cast<std::size_t>(whole)) != 0) {
    return false;
  }
  const int rest = bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (network.bytes[static_cast<std::size_t>(whole)] & mask) ==
         (ip.bytes[static_cast<std::size_t>(whole)] & mask);
}

// Splits "host:port", "[v6]:port", "[v6]" or a bare IPv6 literal into host and port (0: any).
std::pair<std::string_view, std::uint16_t> SplitPort(std::string_view entry) {
  auto port_of = [](std::string_view text) -> std::optional<std::uint16_t> {
    unsigned value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
      return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
  };
  if (!entry.empty() && entry.front() == '[') {
    const std::size_t close = entry.find(']');
    if (close == std::string_view::npos) return {entry, 0};
    std::string_view host = entry.substr(1, close - 1);
    std::string_view after = entry.substr(close + 1);
    if (after.size() > 1 && after.front() == ':') {
      if (auto port = port_of(after.substr(1))) return {host, *port};
    }
    return {host, 0};
  }
  const std::size_t colon = entry.find(':');
  if (colon != std::string_view::npos && entry.find(':', colon + 1) == std::string_view::npos) {
    if (auto port = port_of(entry.substr(colon + 1))) return {entry.substr(0, colon), *port};
  }
  return {entry, 0};
}

bool EntryMatches(std::string_view entry, std::string_view host, std::uint16_t port) {
  auto [pattern, entry_port] = SplitPort(entry);
  if (entry_port != 0 && entry_port != port) return false;
  const std::optional<IpAddress> host_ip = ParseIp(host);
  if (const std::size_t slash = pattern.find('/'); slash != std::string_view::npos) {
    std::optional<IpAddress> network = ParseIp(pattern.substr(0, slash));
    int bits = -1;
    std::string_view digits = pattern.substr(slash + 1);
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (!network || !host_ip || error != std::errc() || end != digits.data() + digits.size()) {
      return false;
    }
    return PrefixMatches(*network, *host_ip, bits);
  }
  if (std::optional<IpAddress> entry_ip = ParseIp(pattern)) {
    return host_ip && PrefixMatches(*entry_ip, *host_ip, entry_ip->size * 8);
  }
  if (pattern.rfind("*.", 0) == 0) pattern.remove_prefix(2);
  while (!pattern.empty() && pattern.front() == '.') pattern.remove_prefix(1);
  if (pattern.empty() || host_ip) return false;
  if (host == pattern) return true;
  return host.size() > pattern.size() && host.substr(host.size() - pattern.size()) == pattern &&
         host[host.size() - pattern.size() - 1] == '.';
}

std::string Base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(data.data()),
                                      static_cast<int>(data.size()));
  out.resize(written < 0 ? 0 : static_cast<std::size_t>(written));
  return out;
}

}  // namespace

bool NoProxyMatches(std::string_view no_proxy, std::string_view host, std::uint16_t port) {
  std::string lower_host = AsciiLower(host);
  std::string_view wanted = lower_host;
  if (!wanted.empty() && wanted.back() == '.') wanted.remove_suffix(1);
  std::string lower_list = AsciiLower(no_proxy);
  std::string_view list = lower_list;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    std::string_view entry = TrimWhitespace(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (entry.empty()) continue;
    if (entry == "*") return true;
    if (EntryMatches(entry, wanted, port)) return true;
  }
  return false;
}

Result<std::optional<HttpProxy>> ProxyFor(const Endpoint& endpoint, const Environment& env) {
  auto proxy_variable = endpoint.tls ? FirstSet(env, {"https_proxy", "HTTPS_PROXY"})
                                     : FirstSet(env, {"http_proxy", "HTTP_PROXY"});
  if (!proxy_variable) return std::optional<HttpProxy>();
  if (auto no_proxy = FirstSet(env, {"no_proxy", "NO_PROXY"})) {
    if (NoProxyMatches(no_proxy->second, endpoint.host, endpoint.port)) {
      return std::optional<HttpProxy>();
    }
  }
  const auto& [name, value] = *proxy_variable;
  std::string text = value;
  if (text.find("://") == std::string::npos) text = "http://" + text;
  Result<Url> url = ParseUrl(text);
  if (!url.ok()) return Status::InvalidArgument(name + ": " + url.status().message());
  if (url->endpoint.tls) {
    return Status::InvalidArgument(name + ": a proxy reached over TLS (" + RedactUrl(text) +
                                   ") is not supported; give its http:// address");
  }
  if (url->path_and_query != "/") {
    return Status::InvalidArgument(name + ": a proxy URL has no path (" + RedactUrl(text) + ")");
  }
  HttpProxy proxy;
  proxy.endpoint = url->endpoint;
  proxy.url = url->endpoint.Url();
  if (!url->user_info.empty()) {
    const std::size_t colon = url->user_info.find(':');
    Result<std::string> user = PercentDecode(url->user_info.substr(0, colon));
    Result<std::string> password = PercentDecode(
        colon == std::string::npos ? std::string() : url->user_info.substr(colon + 1));
    if (!user.ok() || !password.ok()) {
      return Status::InvalidArgument(name + ": the user-info of " + RedactUrl(text) +
                                     " has a bad %-escape");
    }
    proxy.authorization = "Basic " + Base64(*user + ":" + *password);
  }
  return std::optional<HttpProxy>(std::move(proxy));
}

}  // namespace hitcounter::aws

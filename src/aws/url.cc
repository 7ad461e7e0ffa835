#include "aws/url.h"

#include <charconv>

namespace hitcounter::aws {
namespace {

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool HasSpaceOrControl(std::string_view text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return true;
  }
  return false;
}

}  // namespace

std::string RedactUrl(std::string_view text) {
  const std::size_t scheme_end = text.find("://");
  const std::size_t authority = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  const std::size_t authority_end = text.find_first_of("/?#", authority);
  const std::size_t at = text.substr(0, authority_end).rfind('@');
  if (at == std::string_view::npos || at < authority) return std::string(text);
  const std::size_t colon = text.substr(0, at).find(':', authority);
  if (colon == std::string_view::npos) return std::string(text);
  return std::string(text.substr(0, colon + 1)) + "***" + std::string(text.substr(at));
}

Result<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    const int high = i + 1 < text.size() ? HexValue(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
    if (high < 0 || low < 0) {
      return Status::InvalidArgument("a '%' is not followed by two hex digits");
    }
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

std::string FormEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (IsUnreserved(c)) {
      out.push_back(c);
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    out.push_back('%');
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0x0f]);
  }
  return out;
}

Result<Url> ParseUrl(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("bad URL '" + RedactUrl(text) + "': " + std::string(why));
  };
  if (HasSpaceOrControl(text)) return bad("it holds spaces or control characters");
  Url url;
  std::string_view rest = text;
  if (rest.rfind("https://", 0) == 0) {
    rest.remove_prefix(8);
  } else if (rest.rfind("http://", 0) == 0) {
    url.endpoint.tls = false;
    url.endpoint.port = 80;
    rest.remove_prefix(7);
  } else {
    return bad("it must start with http:// or https://");
  }
  if (rest.find('#') != std::string_view::npos) return bad("a fragment (#) is not allowed");
  const std::size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  if (path_start != std::string_view::npos) {
    url.path_and_query = std::string(rest.substr(path_start));
    if (url.path_and_query.front() == '?') url.path_and_query.insert(0, "/");
  }
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    url.user_info = std::string(authority.substr(0, at));
    authority.remove_prefix(at + 1);
  }
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("an IPv6 literal lacks its ']'");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("only a port may follow an IPv6 literal");
      port = after.substr(1);
      if (port.empty()) return bad("the port is empty");
    }
    if (host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos ||
        host.find(':') == std::string_view::npos) {
      return bad("the IPv6 literal is malformed");
    }
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return bad("the port is empty");
  }
  if (host.empty()) return bad("the host is missing");
  if (host.find_first_of("[]@:") != std::string_view::npos && authority.front() != '[') {
    return bad("the host is malformed");
  }
  if (!port.empty()) {
    unsigned value = 0;
    auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (error != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return bad("the port must be a number from 1 to 65535");
    }
    url.endpoint.port = static_cast<std::uint16_t>(value);
  }
  url.endpoint.host = std::string(host);
  return url;
}

}  // namespace hitcounter::aws

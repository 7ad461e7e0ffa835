#include "core/dashboard.h"

namespace hitcounter {
namespace {

// Bytes that stand for themselves in a URL path segment (RFC 3986 pchar), '%' included: the
// prefix is compared with routes whose "%2F" and "%25" stay encoded.
bool StaysAsIs(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("-._~!$&'()*+,;=:@%").find(c) != std::string_view::npos;
}

std::string EscapeHtmlAttribute(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string RelativeStatsUrl(std::string_view reserved_prefix) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string_view segment = reserved_prefix.substr(reserved_prefix.rfind('/') + 1);
  std::string url = "./";
  for (char c : segment) {
    if (StaysAsIs(c)) {
      url.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      url.push_back('%');
      url.push_back(kHex[byte >> 4]);
      url.push_back(kHex[byte & 0x0F]);
    }
  }
  return url + "stats";
}

std::string DashboardPage(std::string_view reserved_prefix) {
  std::string page(DashboardTemplate());
  std::size_t at = page.find(kStatsUrlPlaceholder);
  if (at != std::string::npos) {
    page.replace(at, kStatsUrlPlaceholder.size(),
                 EscapeHtmlAttribute(RelativeStatsUrl(reserved_prefix)));
  }
  return page;
}

}  // namespace hitcounter

#include "hitcounter/route.h"

#include <string>
#include <vector>

#include "core/utf8.h"

namespace hitcounter {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

// Rule 1: the path of an origin-form or absolute-form target, without query and fragment.
Result<std::string_view> PathOf(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (StartsWithNoCase(target, scheme)) {
      std::string_view rest = target.substr(scheme.size());
      std::size_t slash = rest.find_first_of("/?#");
      if (slash == std::string_view::npos || rest[slash] != '/') return std::string_view("/");
      target = rest.substr(slash);
      break;
    }
  }
  if (target.empty() || target.front() != '/') {
    return Status::InvalidArgument("the request target must be a path starting with '/'");
  }
  return target.substr(0, target.find_first_of("?#"));
}

// Rule 2: decodes escapes, keeping "%2F" and "%25" (and, for decoded input, spelling a
// literal '%' as "%25").
Result<std::string> DecodePath(std::string_view path, PathEncoding encoding) {
  std::string out;
  out.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c != '%') {
      out.push_back(c);
      continue;
    }
    if (encoding == PathEncoding::kDecoded) {
      out.append("%25");
      continue;
    }
    int high = i + 2 < path.size() ? HexValue(path[i + 1]) : -1;
    int low = high >= 0 ? HexValue(path[i + 2]) : -1;
    if (low < 0) {
      return Status::InvalidArgument("the path has a '%' that is not followed by two hex digits");
    }
    char decoded = static_cast<char>(high * 16 + low);
    if (decoded == '/') {
      out.append("%2F");
    } else if (decoded == '%') {
      out.append("%25");
    } else {
      out.push_back(decoded);
    }
    i += 2;
  }
  return out;
}

// Whether rules 4 and 5 leave `decoded` as it is: no empty, "." or ".." segment, no trailing
// slash. Most paths are so, and skip the segment list.
bool AlreadyJoined(std::string_view decoded) {
  if (decoded == "/") return true;
  if (decoded.empty() || decoded.back() == '/') return false;
  for (std::size_t slash = 0; slash != std::string_view::npos;
       slash = decoded.find('/', slash + 1)) {
    std::string_view segment = decoded.substr(slash + 1, decoded.find('/', slash + 1) - slash - 1);
    if (segment.empty() || segment == "." || segment == "..") return false;
  }
  return true;
}

// Rules 4 and 5: dot-segments, repeated and trailing slashes.
std::string JoinSegments(std::string_view decoded) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= decoded.size()) {
    std::size_t end = decoded.find('/', start);
    if (end == std::string_view::npos) end = decoded.size();
    std::string_view segment = decoded.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  if (segments.empty()) return "/";
  std::string route;
  for (std::string_view segment : segments) {
    route.push_back('/');
    route.append(segment);
  }
  return route;
}

}  // namespace

Result<std::string> NormalizeRoute(std::string_view target, PathEncoding encoding) {
  Result<std::string_view> path = PathOf(target);
  if (!path.ok()) return path.status();
  Result<std::string> decoded = DecodePath(*path, encoding);
  if (!decoded.ok()) return decoded.status();
  if (Status text = CheckReadableUtf8(*decoded); !text.ok()) return text;
  std::string route = AlreadyJoined(*decoded) ? std::move(decoded).value() : JoinSegments(*decoded);
  if (route.size() > kMaxRouteBytes) {
    return Status::TooLong("the route is longer than " + std::to_string(kMaxRouteBytes) + " bytes");
  }
  return route;
}

Result<std::string> DecodeQueryValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '+') {
      out.push_back(' ');  // application/x-www-form-urlencoded, as browsers send it
      continue;
    }
    if (value[i] != '%') {
      out.push_back(value[i]);
      continue;
    }
    int high = i + 2 < value.size() ? HexValue(value[i + 1]) : -1;
    int low = high >= 0 ? HexValue(value[i + 2]) : -1;
    if (low < 0) {
      return Status::InvalidArgument("a query value has a '%' not followed by two hex digits");
    }
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  if (Status text = CheckReadableUtf8(out); !text.ok()) return text;
  return out;
}

}  // namespace hitcounter

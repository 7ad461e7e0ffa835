// Route normalisation (include/hitcounter/route.h) on any bytes, as a request-target (percent-
// encoded) and as a decoded path, and query-value decoding.
//
// Invariants: an accepted route is readable UTF-8, starts with '/', has no empty, "." or ".."
// segment, no trailing slash (but the root), no '%' but in "%2F" and "%25", and fits
// kMaxRouteBytes; normalising it again (spelled as a target) gives it back; a decoded path
// normalises as the same path with every '%' written "%25"; a decoded query value is UTF-8.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/utf8.h"
#include "fuzz/fuzz_check.h"
#include "hitcounter/route.h"

namespace hitcounter {
namespace {

void CheckRouteShape(const std::string& route) {
  FUZZ_CHECK(!route.empty() && route.front() == '/');
  FUZZ_CHECK(route.size() <= kMaxRouteBytes);
  FUZZ_CHECK(CheckReadableUtf8(route).ok());
  FUZZ_CHECK(route == "/" || route.back() != '/');
  FUZZ_CHECK(route.find("//") == std::string::npos);
  FUZZ_CHECK(route.find("/./") == std::string::npos && !route.ends_with("/."));
  FUZZ_CHECK(route.find("/../") == std::string::npos && !route.ends_with("/.."));
  for (std::size_t i = route.find('%'); i != std::string::npos; i = route.find('%', i + 1)) {
    const std::string_view escape = std::string_view(route).substr(i, 3);
    FUZZ_CHECK(escape == "%2F" || escape == "%25");
  }
}

// The route as a request-target: '?' and '#' are data in a route but delimiters in a target.
std::string AsTarget(std::string_view route) {
  std::string target;
  for (char c : route) {
    if (c == '?') {
      target += "%3F";
    } else if (c == '#') {
      target += "%23";
    } else {
      target.push_back(c);
    }
  }
  return target;
}

std::string PercentSpelled(std::string_view decoded) {
  std::string out;
  for (char c : decoded) {
    if (c == '%') {
      out += "%25";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace
}  // namespace hitcounter

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hitcounter;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  Result<std::string> route = NormalizeRoute(input);
  if (route.ok()) {
    CheckRouteShape(*route);
    Result<std::string> again = NormalizeRoute(AsTarget(*route));
    FUZZ_CHECK(again.ok() && *again == *route);
  }

  Result<std::string> decoded = NormalizeRoute(input, PathEncoding::kDecoded);
  Result<std::string> spelled = NormalizeRoute(PercentSpelled(input));
  FUZZ_CHECK(decoded.ok() == spelled.ok());
  if (decoded.ok()) {
    CheckRouteShape(*decoded);
    FUZZ_CHECK(*decoded == *spelled);
  } else {
    FUZZ_CHECK(decoded.status().code() == spelled.status().code());
  }

  Result<std::string> value = DecodeQueryValue(input);
  if (value.ok()) FUZZ_CHECK(CheckReadableUtf8(*value).ok());
  return 0;
}

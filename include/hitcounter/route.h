// Route normalisation: which request paths count as the same route.
//
// This is the one place that decides. Every front end (HTTP server, Lambda) calls it, so a hit
// counts under the same route whichever door it came through. The rules, in order:
//
//  1. Only the path counts. The query string (after '?') and the fragment (after '#') are
//     dropped: "/a?x=1" is "/a". An absolute-form target ("http://host/a") keeps only "/a".
//  2. Percent-escapes are decoded, with hex digits in either case: "/abc", "/a%62c" and
//     "/%61%62%63" are one route, and "/caf%c3%a9" is "/caf%C3%A9" is "/café". Two escapes are
//     kept, in upper case, because decoding them would change the meaning of the route text:
//       - "%2F" (an encoded slash) stays "%2F": "/a%2Fb" is one segment, a different route
//         from "/a/b".
//       - "%25" (an encoded percent sign) stays "%25", so a '%' in a route always begins one
//         of these two escapes and a route's text can never be read two ways.
//  3. The decoded path must be UTF-8 text a person can read: invalid escapes ("/%zz", "/%"),
//     bytes that are not valid UTF-8 (overlong forms and surrogates included), and control
//     characters (U+0000-U+001F, U+007F-U+009F) are rejected with kInvalidArgument.
//  4. Dot-segments are resolved as RFC 3986 section 5.2.4 says, after decoding ("%2E" is a
//     dot): "/a/./b" is "/a/b", "/a/../b" is "/b"; ".." never climbs above the root.
//  5. Repeated slashes are one slash ("/a//b" is "/a/b"), and a trailing slash is dropped
//     ("/a/" is "/a"); the root "/" stays "/".
//  6. A route longer than kMaxRouteBytes after all of the above is rejected with kTooLong.
//
// The result is the route as stored and reported: "/café", "/my/path with space", "/a%2Fb".
#ifndef HITCOUNTER_ROUTE_H_
#define HITCOUNTER_ROUTE_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "hitcounter/status.h"

namespace hitcounter {

// Longest route, in bytes of UTF-8, after normalisation. DynamoDB limits a partition key to
// 2048 bytes; half of that leaves room and keeps hostile paths from becoming huge keys.
inline constexpr std::size_t kMaxRouteBytes = 1024;

// Longest request-target (path and query) either door accepts, in bytes: longer is 414. Far
// above any real route yet bounded, as nginx's and Node's defaults are, so that the work before
// normalisation is bounded too.
inline constexpr std::size_t kMaxTargetBytes = 8 * 1024;

// How the path given to NormalizeRoute was spelled.
enum class PathEncoding {
  kPercentEncoded,  // as on the wire: an HTTP request-target, API Gateway REST's `path`
  kDecoded,         // already decoded: API Gateway HTTP API's `rawPath`; '%' is a literal '%'
};

// Returns the route for a request-target or path, following the rules above.
Result<std::string> NormalizeRoute(std::string_view target,
                                   PathEncoding encoding = PathEncoding::kPercentEncoded);

// Decodes a percent-encoded query-string value (strictly: a bad escape or text that is not
// UTF-8 is kInvalidArgument). '+' stays '+'.
Result<std::string> DecodeQueryValue(std::string_view value);

}  // namespace hitcounter

#endif  // HITCOUNTER_ROUTE_H_

#include "hitcounter/route.h"

#include <gtest/gtest.h>

namespace hitcounter {
namespace {

struct RouteCase {
  const char* target;
  const char* route;  // expected route, or nullptr when the target is refused
  StatusCode refusal = StatusCode::kOk;
};

void PrintTo(const RouteCase& c, std::ostream* os) { *os << c.target; }

class NormalizeRouteTest : public ::testing::TestWithParam<RouteCase> {};

TEST_P(NormalizeRouteTest, GivesTheDocumentedRoute) {
  const RouteCase& c = GetParam();
  Result<std::string> route = NormalizeRoute(c.target);
  if (c.route != nullptr) {
    ASSERT_TRUE(route.ok()) << route.status().message();
    EXPECT_EQ(*route, c.route);
  } else {
    ASSERT_FALSE(route.ok()) << "accepted as " << *route;
    EXPECT_EQ(route.status().code(), c.refusal);
  }
}

const StatusCode kBad = StatusCode::kInvalidArgument;

INSTANTIATE_TEST_SUITE_P(
    Rules, NormalizeRouteTest,
    ::testing::Values(
        // 1. Only the path counts.
        RouteCase{"/", "/"}, RouteCase{"/hello/world", "/hello/world"}, RouteCase{"/a?x=1", "/a"},
        RouteCase{"/a#frag", "/a"}, RouteCase{"/a?x=1#f", "/a"}, RouteCase{"/?x", "/"},
        RouteCase{"http://example.com/a/b?q", "/a/b"}, RouteCase{"HTTPS://example.com", "/"},
        RouteCase{"http://example.com?q=1", "/"}, RouteCase{"", nullptr, kBad},
        RouteCase{"a/b", nullptr, kBad}, RouteCase{"*", nullptr, kBad},
        // 2. Escapes decode, hex in either case; %2F and %25 stay.
        RouteCase{"/abc", "/abc"}, RouteCase{"/a%62c", "/abc"}, RouteCase{"/%61%62%63", "/abc"},
        RouteCase{"/caf%c3%a9", "/café"}, RouteCase{"/caf%C3%A9", "/café"},
        RouteCase{"/my/path%20with%20space", "/my/path with space"}, RouteCase{"/a%2Fb", "/a%2Fb"},
        RouteCase{"/a%2fb", "/a%2Fb"}, RouteCase{"/100%25", "/100%25"},
        RouteCase{"/%252F", "/%252F"}, RouteCase{"/q%22uote%5Cback", "/q\"uote\\back"},
        RouteCase{"/a+b", "/a+b"},
        // 3. Invalid decodings, non-UTF-8 and control characters are refused.
        RouteCase{"/%zz", nullptr, kBad}, RouteCase{"/%", nullptr, kBad},
        RouteCase{"/%4", nullptr, kBad}, RouteCase{"/%4g", nullptr, kBad},
        RouteCase{"/%00", nullptr, kBad}, RouteCase{"/a%0Ab", nullptr, kBad},
        RouteCase{"/%7F", nullptr, kBad}, RouteCase{"/%C2%80", nullptr, kBad},
        RouteCase{"/%C3", nullptr, kBad}, RouteCase{"/%FF", nullptr, kBad},
        RouteCase{"/%C0%AF", nullptr, kBad},        // overlong '/'
        RouteCase{"/%ED%A0%80", nullptr, kBad},     // a surrogate
        RouteCase{"/%F4%90%80%80", nullptr, kBad},  // above U+10FFFF
        RouteCase{"/%F0%9F%98%80", "/😀"}, RouteCase{"/\xC3\xA9", "/é"},
        RouteCase{"/\xC3", nullptr, kBad},
        // 4. Dot-segments.
        RouteCase{"/a/./b", "/a/b"}, RouteCase{"/a/../b", "/b"}, RouteCase{"/../../a", "/a"},
        RouteCase{"/a/%2E%2E/b", "/b"}, RouteCase{"/a/%2e/b", "/a/b"}, RouteCase{"/a/..", "/"},
        RouteCase{"/a/.../b", "/a/.../b"}, RouteCase{"/a/..b", "/a/..b"},
        RouteCase{"/a%2F..%2Fb", "/a%2F..%2Fb"},
        // 5. Repeated and trailing slashes.
        RouteCase{"//", "/"}, RouteCase{"/a//b", "/a/b"}, RouteCase{"/a/", "/a"},
        RouteCase{"/my/path/", "/my/path"}, RouteCase{"///a///", "/a"}));

TEST(NormalizeRoute, AcceptsARouteOfExactlyTheLimit) {
  std::string target = "/" + std::string(kMaxRouteBytes - 1, 'a');
  Result<std::string> route = NormalizeRoute(target);
  ASSERT_TRUE(route.ok());
  EXPECT_EQ(route->size(), kMaxRouteBytes);
}

TEST(NormalizeRoute, RefusesARouteOneByteOverTheLimit) {
  Result<std::string> route = NormalizeRoute("/" + std::string(kMaxRouteBytes, 'a'));
  EXPECT_EQ(route.status().code(), StatusCode::kTooLong);
}

TEST(NormalizeRoute, MeasuresTheLimitAfterNormalisation) {
  // 3 bytes of escape per byte of route: long on the wire, short once decoded.
  std::string target = "/";
  for (std::size_t i = 0; i < kMaxRouteBytes - 1; ++i) target += "%61";
  EXPECT_TRUE(NormalizeRoute(target).ok());
  EXPECT_TRUE(NormalizeRoute("/" + std::string(4 * kMaxRouteBytes, 'a') + "/..").status().code() ==
              StatusCode::kOk);
}

TEST(NormalizeRoute, TakesDecodedPathsLiterally) {
  EXPECT_EQ(*NormalizeRoute("/café/x y", PathEncoding::kDecoded), "/café/x y");
  EXPECT_EQ(*NormalizeRoute("/100%", PathEncoding::kDecoded), "/100%25");
  EXPECT_EQ(*NormalizeRoute("/100%25", PathEncoding::kPercentEncoded), "/100%25");
  EXPECT_EQ(*NormalizeRoute("/a/./b/", PathEncoding::kDecoded), "/a/b");
}

TEST(DecodeQueryValue, DecodesEveryEscape) {
  EXPECT_EQ(*DecodeQueryValue("%2Fapi%2F"), "/api/");
  EXPECT_EQ(*DecodeQueryValue("/a%252Fb"), "/a%2Fb");
  EXPECT_EQ(*DecodeQueryValue("a%2Bb"), "a+b");
  EXPECT_FALSE(DecodeQueryValue("%zz").ok());
  EXPECT_FALSE(DecodeQueryValue("%FF").ok());
}

// Regression: the dashboard's filter "/my path" (sent by URLSearchParams as %2Fmy+path) found
// nothing, as '+' stayed '+'.
TEST(DecodeQueryValue, ReadsAPlusAsASpaceAsFormsAndUrlSearchParamsSendIt) {
  EXPECT_EQ(*DecodeQueryValue("%2Fmy+path"), "/my path");
  EXPECT_EQ(*DecodeQueryValue("+a++b+"), " a  b ");
  EXPECT_EQ(*DecodeQueryValue("%2Fmy%20path"), "/my path");
}

}  // namespace
}  // namespace hitcounter

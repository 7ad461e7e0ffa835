#include "aws/url.h"

#include <gtest/gtest.h>

namespace hitcounter::aws {
namespace {

TEST(ParseUrl, ReadsSchemeHostPortPathAndUserInfo) {
  Result<Url> url = ParseUrl("http://user:p%40ss@127.0.0.1:8080/v2/credentials?id=1");
  ASSERT_TRUE(url.ok()) << url.status().message();
  EXPECT_FALSE(url->endpoint.tls);
  EXPECT_EQ(url->endpoint.host, "127.0.0.1");
  EXPECT_EQ(url->endpoint.port, 8080);
  EXPECT_EQ(url->user_info, "user:p%40ss");
  EXPECT_EQ(url->path_and_query, "/v2/credentials?id=1");
  EXPECT_EQ(ParseUrl("https://example.com")->endpoint.port, 443);
  EXPECT_EQ(ParseUrl("https://example.com")->path_and_query, "/");
  EXPECT_EQ(ParseUrl("http://h?x=1")->path_and_query, "/?x=1");
}

TEST(ParseUrl, ReadsBracketedIpv6Literals) {
  Result<Url> url = ParseUrl("http://[fd00:ec2::254]");
  ASSERT_TRUE(url.ok()) << url.status().message();
  EXPECT_EQ(url->endpoint.host, "fd00:ec2::254");
  EXPECT_EQ(url->endpoint.port, 80);
  EXPECT_EQ(url->endpoint.HostHeader(), "[fd00:ec2::254]");
  EXPECT_EQ(ParseUrl("http://[::1]:8000/x")->endpoint.HostHeader(), "[::1]:8000");
}

TEST(ParseUrl, RefusesWhatIsNotAnHttpUrlWithoutQuotingThePassword) {
  for (const char* bad :
       {"ftp://h", "h:80", "http://", "http://h:0", "http://h:65536", "http://h:x", "http://h#frag",
        "http://h /x", "http://[::1", "http://[zz]", "http://h:", "http://a:b:c"}) {
    EXPECT_EQ(ParseUrl(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  Status bad = ParseUrl("http://user:hunter2@h:bad").status();
  EXPECT_EQ(bad.message().find("hunter2"), std::string::npos) << bad.message();
  EXPECT_NE(bad.message().find("user:***@h"), std::string::npos) << bad.message();
}

TEST(FormEncode, KeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(FormEncode("arn:aws:iam::1:role/a b+c~d"),
            "arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%20b%2Bc~d");
  EXPECT_EQ(FormEncode("\xc3\xa9"), "%C3%A9");
}

TEST(PercentDecode, DecodesEscapesAndRefusesBrokenOnes) {
  EXPECT_EQ(*PercentDecode("p%40ss%3a"), "p@ss:");
  EXPECT_FALSE(PercentDecode("50%").ok());
  EXPECT_FALSE(PercentDecode("%4").ok());
  EXPECT_FALSE(PercentDecode("%zz").ok());
}

}  // namespace
}  // namespace hitcounter::aws

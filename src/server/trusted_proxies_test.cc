#include "server/trusted_proxies.h"

#include <gtest/gtest.h>

namespace hitcounter::server {
namespace {

asio::ip::address Ip(const char* text) { return asio::ip::make_address(text); }

TrustedProxies Trust(std::vector<std::string> cidrs) {
  Result<TrustedProxies> proxies = TrustedProxies::Parse(cidrs);
  EXPECT_TRUE(proxies.ok()) << proxies.status().message();
  return proxies.ok() ? std::move(proxies).value() : TrustedProxies();
}

std::string ClientOf(const TrustedProxies& proxies, const char* peer,
                     std::vector<std::string_view> xff,
                     std::vector<std::string_view> forwarded = {}) {
  return proxies.ClientOf(Ip(peer), xff, forwarded).to_string();
}

TEST(TrustedProxies, MatchesIpv4AndIpv6NetworksAndLoneAddresses) {
  const TrustedProxies proxies =
      Trust({"10.0.0.0/8", "192.168.1.7", "fd00::/8", "2001:db8::1/128", "172.16.0.0/12"});
  EXPECT_TRUE(proxies.Contains(Ip("10.255.0.1")));
  EXPECT_FALSE(proxies.Contains(Ip("11.0.0.1")));
  EXPECT_TRUE(proxies.Contains(Ip("192.168.1.7")));
  EXPECT_FALSE(proxies.Contains(Ip("192.168.1.8")));
  EXPECT_TRUE(proxies.Contains(Ip("172.31.255.255")));
  EXPECT_FALSE(proxies.Contains(Ip("172.32.0.0")));
  EXPECT_TRUE(proxies.Contains(Ip("fdab::1")));
  EXPECT_FALSE(proxies.Contains(Ip("fe80::1")));
  EXPECT_TRUE(proxies.Contains(Ip("2001:db8::1")));
  EXPECT_FALSE(proxies.Contains(Ip("2001:db8::2")));
  EXPECT_TRUE(proxies.Contains(Ip("::ffff:10.1.2.3"))) << "an IPv4 peer of a dual-stack socket";
  EXPECT_TRUE(Trust({"0.0.0.0/0"}).Contains(Ip("203.0.113.1")));
  EXPECT_FALSE(Trust({"0.0.0.0/0"}).Contains(Ip("2001:db8::1")));
}

TEST(TrustedProxies, RefusesWhatIsNotANetworkNamingIt) {
  for (const char* bad :
       {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/8x", "localhost", "10.0.0/8", ""}) {
    Result<TrustedProxies> proxies = TrustedProxies::Parse({bad});
    ASSERT_FALSE(proxies.ok()) << bad;
    EXPECT_EQ(proxies.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(proxies.status().message().find(std::string("\"") + bad + "\""), std::string::npos)
        << proxies.status().message();
  }
}

TEST(TrustedProxies, WithoutTrustedNetworksTheHeadersAreIgnored) {
  const TrustedProxies nobody;
  EXPECT_EQ(ClientOf(nobody, "127.0.0.1", {"203.0.113.9"}, {"for=198.51.100.1"}), "127.0.0.1");
  EXPECT_EQ(ClientOf(nobody, "::ffff:127.0.0.1", {}), "127.0.0.1") << "shown as IPv4";
}

TEST(TrustedProxies, AnUntrustedPeerIsTheClientWhateverItClaims) {
  EXPECT_EQ(ClientOf(Trust({"10.0.0.0/8"}), "203.0.113.5", {"10.0.0.1", "1.2.3.4"}), "203.0.113.5");
}

TEST(TrustedProxies, TakesTheRightMostUntrustedAddressOfXForwardedFor) {
  const TrustedProxies proxies = Trust({"10.0.0.0/8"});
  EXPECT_EQ(ClientOf(proxies, "10.0.0.2", {"203.0.113.9"}), "203.0.113.9");
  // The client wrote "1.1.1.1" itself; the proxies appended the rest.
  EXPECT_EQ(ClientOf(proxies, "10.0.0.2", {"1.1.1.1, 198.51.100.7, 10.0.0.9"}), "198.51.100.7");
  EXPECT_EQ(ClientOf(proxies, "10.0.0.2", {"1.1.1.1", "198.51.100.7,10.0.0.9"}), "198.51.100.7")
      << "several header lines are one list";
  EXPECT_EQ(ClientOf(proxies, "10.0.0.2", {"10.0.0.5, 10.0.0.9"}), "10.0.0.5")
      << "every hop trusted: the left-most";
  EXPECT_EQ(ClientOf(proxies, "10.0.0.2", {"2001:db8::7"}), "2001:db8::7");
  EXPECT_EQ(ClientOf(proxies, "10.0.0.2", {"[2001:db8::7]:4711"}), "2001:db8::7");
  EXPECT_EQ(ClientOf(proxies, "10.0.0.2", {"198.51.100.7:55000"}), "198.51.100.7");
}

TEST(TrustedProxies, StopsAtWhatIsNotAnAddress) {
  const TrustedProxies proxies = Trust({"10.0.0.0/8"});
  EXPECT_EQ(ClientOf(proxies, "10.0.0.2", {"198.51.100.7, garbage, 10.0.0.9"}), "10.0.0.9");
  EXPECT_EQ(ClientOf(proxies, "10.0.0.2", {"<script>"}), "10.0.0.2");
  EXPECT_EQ(ClientOf(proxies, "10.0.0.2", {""}), "10.0.0.2");
}

TEST(TrustedProxies, ReadsForwardedForParametersWhenThereIsNoXForwardedFor) {
  const TrustedProxies proxies = Trust({"10.0.0.0/8", "fd00::/8"});
  EXPECT_EQ(ClientOf(proxies, "10.0.0.2", {},
                     {"for=192.0.2.60;proto=http;by=203.0.113.43", "For=\"[fd00::1]:4711\""}),
            "192.0.2.60");
  EXPECT_EQ(ClientOf(proxies, "10.0.0.2", {}, {"for=1.1.1.1, for=\"[2001:db8:cafe::17]:4711\""}),
            "2001:db8:cafe::17");
  EXPECT_EQ(ClientOf(proxies, "10.0.0.2", {}, {"for=198.51.100.1, for=unknown"}), "10.0.0.2")
      << "RFC 7239's unknown hides the rest";
  EXPECT_EQ(ClientOf(proxies, "10.0.0.2", {}, {"proto=https"}), "10.0.0.2");
  EXPECT_EQ(ClientOf(proxies, "10.0.0.2", {"198.51.100.9"}, {"for=192.0.2.60"}), "198.51.100.9")
      << "X-Forwarded-For when both are there, never a mix";
}

TEST(TrustedProxies, AMappedIpv4PeerMatchesIpv4Networks) {
  EXPECT_EQ(ClientOf(Trust({"127.0.0.0/8"}), "::ffff:127.0.0.1", {"203.0.113.9"}), "203.0.113.9");
}

}  // namespace
}  // namespace hitcounter::server

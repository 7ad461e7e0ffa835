// Which proxy an endpoint gets, and HttpClient through a proxy stand-in over loopback: a CONNECT
// tunnel for https, absolute form for http, Proxy-Authorization to the proxy only.
#include "aws/proxy.h"

#include <gtest/gtest.h>

#include <thread>

#include "aws/http_client.h"
#include "tests/support/http_stand_in.h"
#include "tests/support/test_ca.h"
#include "tests/support/tls_proxy.h"

namespace hitcounter::aws {
namespace {

using hitcounter::testing::HttpStandIn;
using hitcounter::testing::ProxyStandIn;
using hitcounter::testing::StandInRequest;
using hitcounter::testing::StandInResponse;
using hitcounter::testing::TestCa;
using hitcounter::testing::TlsProxy;
using std::chrono::milliseconds;

const Endpoint kHttps{true, "dynamodb.eu-west-1.amazonaws.com", 443};
const Endpoint kHttp{false, "127.0.0.1", 8000};

TEST(NoProxyMatches, MatchesDomainsAndTheirSubdomains) {
  for (const char* list :
       {"amazonaws.com", ".amazonaws.com", "*.amazonaws.com", "example.org, AMAZONAWS.COM"}) {
    EXPECT_TRUE(NoProxyMatches(list, "dynamodb.eu-west-1.amazonaws.com", 443)) << list;
    EXPECT_TRUE(NoProxyMatches(list, "amazonaws.com", 443)) << list;
  }
  EXPECT_FALSE(NoProxyMatches("amazonaws.com", "notamazonaws.com", 443));
  EXPECT_FALSE(NoProxyMatches("example.org", "dynamodb.eu-west-1.amazonaws.com", 443));
  EXPECT_TRUE(NoProxyMatches("*", "anything", 1));
  EXPECT_FALSE(NoProxyMatches("", "anything", 1));
}

TEST(NoProxyMatches, MatchesAddressesBlocksAndPorts) {
  EXPECT_TRUE(NoProxyMatches("127.0.0.1", "127.0.0.1", 8000));
  EXPECT_FALSE(NoProxyMatches("127.0.0.1", "127.0.0.2", 8000));
  EXPECT_TRUE(NoProxyMatches("10.0.0.0/8", "10.1.2.3", 80));
  EXPECT_FALSE(NoProxyMatches("10.0.0.0/8", "11.1.2.3", 80));
  EXPECT_TRUE(NoProxyMatches("fd00::/8", "fd00:ec2::254", 80));
  EXPECT_TRUE(NoProxyMatches("::1", "::1", 80));
  EXPECT_TRUE(NoProxyMatches("localhost:8000", "localhost", 8000));
  EXPECT_FALSE(NoProxyMatches("localhost:8000", "localhost", 8001));
  EXPECT_TRUE(NoProxyMatches("[::1]:8000", "::1", 8000));
  EXPECT_FALSE(NoProxyMatches("10.0.0.0/8", "ten.example", 80)) << "names are not resolved";
}

TEST(ProxyFor, PicksTheSchemesVariableLowercaseFirst) {
  Environment env = {{"HTTPS_PROXY", "http://upper:3128"},
                     {"https_proxy", "http://lower:3128"},
                     {"HTTP_PROXY", "plain:8080"}};
  Result<std::optional<HttpProxy>> https = ProxyFor(kHttps, env);
  ASSERT_TRUE(https.ok() && *https);
  EXPECT_EQ((*https)->endpoint.host, "lower");
  Result<std::optional<HttpProxy>> http = ProxyFor(kHttp, env);
  ASSERT_TRUE(http.ok() && *http);
  EXPECT_EQ((*http)->url, "http://plain:8080") << "no scheme means http://";
  env.erase("HTTP_PROXY");
  EXPECT_FALSE(*ProxyFor(kHttp, env)) << "https_proxy is not for http endpoints";
  EXPECT_EQ((*ProxyFor(kHttps, {{"HTTPS_PROXY", "http://p"}}))->endpoint.port, 80);
}

TEST(ProxyFor, NoProxyWinsAndAnEmptyValueIsUnset) {
  Environment env = {{"HTTPS_PROXY", "http://proxy:3128"}, {"NO_PROXY", ".amazonaws.com"}};
  EXPECT_FALSE(*ProxyFor(kHttps, env));
  env["no_proxy"] = "example.org";
  EXPECT_TRUE(*ProxyFor(kHttps, env)) << "no_proxy wins over NO_PROXY";
  EXPECT_FALSE(*ProxyFor(kHttps, {{"HTTPS_PROXY", ""}}));
}

TEST(ProxyFor, TurnsUserInfoIntoBasicProxyAuthorizationAndHidesThePassword) {
  Result<std::optional<HttpProxy>> proxy =
      ProxyFor(kHttps, {{"HTTPS_PROXY", "http://alice:s%40cret@proxy:3128"}});
  ASSERT_TRUE(proxy.ok() && *proxy) << proxy.status().message();
  EXPECT_EQ((*proxy)->authorization, "Basic YWxpY2U6c0BjcmV0");  // alice:s@cret
  EXPECT_EQ((*proxy)->url, "http://proxy:3128");
}

TEST(ProxyFor, RefusesUnusableProxiesNamingTheVariableNotThePassword) {
  for (const char* bad : {"https://alice:hunter2@proxy:3128", "http://alice:hunter2@proxy:x",
                          "http://alice:hunter2@proxy:3128/path", "socks5://alice:hunter2@p"}) {
    Status status = ProxyFor(kHttps, {{"HTTPS_PROXY", bad}}).status();
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(status.message().find("HTTPS_PROXY"), std::string::npos) << status.message();
    EXPECT_EQ(status.message().find("hunter2"), std::string::npos) << status.message();
  }
}

// An endpoint stand-in that echoes what it received.
StandInResponse Echo(const StandInRequest& request) {
  std::string seen = request.method + " " + request.target;
  if (auto authorization = request.Header("Authorization")) seen += " auth=" + *authorization;
  if (request.Header("Proxy-Authorization")) seen += " LEAKED-PROXY-AUTHORIZATION";
  return {200, seen, {}};
}

HttpRequest Signed() {
  return {"/", {{"Host", "placeholder"}, {"Authorization", "AWS4-HMAC-SHA256 sig"}}, "{}"};
}

Deadline Soon() { return std::chrono::steady_clock::now() + milliseconds(5'000); }

TEST(HttpClientThroughAProxy, SendsHttpRequestsInAbsoluteForm) {
  HttpStandIn endpoint(Echo);
  ProxyStandIn proxy("Basic YWxpY2U6czNjcmV0");
  Result<std::optional<HttpProxy>> via =
      ProxyFor({false, "127.0.0.1", endpoint.port()},
               {{"HTTP_PROXY", "http://alice:s3cret@127.0.0.1:" + std::to_string(proxy.port())}});
  ASSERT_TRUE(via.ok() && *via);
  HttpClient client({false, "127.0.0.1", endpoint.port()}, nullptr, *via);
  HttpRequest request = Signed();
  request.headers[0].second = "127.0.0.1:" + std::to_string(endpoint.port());
  for (int i = 0; i < 3; ++i) {
    HttpOutcome outcome = client.Post(request, Soon());
    ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
    EXPECT_EQ(outcome.response.body, "POST / auth=AWS4-HMAC-SHA256 sig");
  }
  EXPECT_EQ(proxy.forwarded(), 3u);
  EXPECT_EQ(proxy.tunnels(), 0u);
  ASSERT_FALSE(proxy.seen().empty());
  EXPECT_EQ(proxy.seen()[0].target, "http://127.0.0.1:" + std::to_string(endpoint.port()) + "/");
}

// https endpoints: the Echo stand-in behind a TlsProxy whose certificate for "localhost" a
// TestCa issued, trusted by the client through that CA alone.
class HttpsThroughAProxy : public ::testing::Test {
 protected:
  Endpoint Target() const { return {true, "localhost", front_.port()}; }
  std::shared_ptr<TlsContext> TrustTheTestCa() const {
    return LoadTlsContextFromPem(ca_.certificate_pem(), "the test CA").value();
  }

  TestCa ca_{"hitcounter test CA"};
  HttpStandIn endpoint_{Echo};
  TlsProxy front_{ca_.IssueServerCertificate("localhost"), endpoint_.port()};
};

TEST_F(HttpsThroughAProxy, TunnelsWithConnectAndKeepsTheRequestFromTheProxy) {
  ProxyStandIn proxy("Basic YWxpY2U6czNjcmV0");
  Result<std::optional<HttpProxy>> via = ProxyFor(
      Target(), {{"https_proxy", "alice:s3cret@127.0.0.1:" + std::to_string(proxy.port())}});
  ASSERT_TRUE(via.ok() && *via) << via.status().message();
  HttpClient client(Target(), TrustTheTestCa(), *via);
  HttpRequest request = Signed();
  request.headers[0].second = Target().HostHeader();
  for (int i = 0; i < 3; ++i) {
    HttpOutcome outcome = client.Post(request, Soon());
    ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
    EXPECT_EQ(outcome.response.body, "POST / auth=AWS4-HMAC-SHA256 sig");
  }
  EXPECT_EQ(proxy.tunnels(), 1u) << "one tunnel, kept alive";
  EXPECT_EQ(client.connections_opened(), 1u);
  EXPECT_EQ(front_.handshakes(), 1u) << "TLS runs end to end, with the endpoint";
  std::vector<StandInRequest> seen = proxy.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "CONNECT");
  EXPECT_EQ(seen[0].target, "localhost:" + std::to_string(front_.port()));
  EXPECT_FALSE(seen[0].Header("Authorization")) << "the request's signature stays in the tunnel";
  EXPECT_EQ(seen[0].body, "");
}

TEST_F(HttpsThroughAProxy, ConnectOpensTheTunnelAndTheTlsSessionAheadOfThePost) {
  ProxyStandIn proxy;
  Result<std::optional<HttpProxy>> via =
      ProxyFor(Target(), {{"HTTPS_PROXY", "127.0.0.1:" + std::to_string(proxy.port())}});
  ASSERT_TRUE(via.ok() && *via) << via.status().message();
  HttpClient client(Target(), TrustTheTestCa(), *via);
  ASSERT_TRUE(client.Connect(Soon()).ok());
  EXPECT_EQ(proxy.tunnels(), 1u);
  EXPECT_TRUE(front_.WaitForHandshakes(1, milliseconds(5'000)));
  EXPECT_EQ(endpoint_.requests(), 0u) << "Connect sends no request";
  std::this_thread::sleep_for(milliseconds(50));  // let TLS 1.3's session tickets arrive
  HttpRequest request = Signed();
  request.headers[0].second = Target().HostHeader();
  HttpOutcome outcome = client.Post(request, Soon());
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(client.connections_opened(), 1u) << "the pre-opened tunnel carried the request";
  EXPECT_EQ(proxy.tunnels(), 1u);
}

TEST_F(HttpsThroughAProxy, TheCompiledInAmazonRootsStillJudgeTheEndpointsCertificate) {
  ProxyStandIn proxy;
  ServiceSettings settings;
  settings.endpoint = Target();
  settings.amazon_roots = true;
  settings.proxy = ProxyFor(Target(), {{"HTTPS_PROXY", proxy.url()}}).value();
  ASSERT_TRUE(settings.proxy);
  Result<TransportFactory> factory = HttpClientFactory(settings);
  ASSERT_TRUE(factory.ok()) << factory.status().message();
  HttpOutcome outcome = (*factory)()->Post(Signed(), Soon());
  EXPECT_EQ(outcome.status.code(), StatusCode::kUnavailable);
  EXPECT_FALSE(outcome.request_sent);
  EXPECT_NE(outcome.status.message().find("certificate verify failed"), std::string::npos)
      << outcome.status.message();
  EXPECT_NE(outcome.status.message().find("through proxy " + proxy.url()), std::string::npos)
      << outcome.status.message();
  EXPECT_EQ(proxy.tunnels(), 1u) << "the factory's clients go through the proxy";
  EXPECT_EQ(endpoint_.requests(), 0u);
}

TEST_F(HttpsThroughAProxy, ReportsAProxyThatWantsCredentials) {
  ProxyStandIn proxy("Basic c29tZW9uZTplbHNl");
  Result<std::optional<HttpProxy>> via =
      ProxyFor(Target(), {{"HTTPS_PROXY", "127.0.0.1:" + std::to_string(proxy.port())}});
  ASSERT_TRUE(via.ok() && *via);
  HttpClient client(Target(), TrustTheTestCa(), *via);
  HttpOutcome outcome = client.Post(Signed(), Soon());
  EXPECT_EQ(outcome.status.code(), StatusCode::kUnavailable);
  EXPECT_FALSE(outcome.request_sent);
  EXPECT_NE(outcome.status.message().find("refused a tunnel"), std::string::npos)
      << outcome.status.message();
  EXPECT_NE(outcome.status.message().find("407"), std::string::npos) << outcome.status.message();
  EXPECT_EQ(front_.handshakes(), 0u);
  EXPECT_EQ(endpoint_.requests(), 0u);
}

}  // namespace
}  // namespace hitcounter::aws

#include <utility>  // Boost 1.74's Asio needs it before its own headers under C++20

#include "aws/http_client.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <cstdio>
#include <filesystem>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fstream>
#include <optional>
#include <thread>

#include "tests/support/temp_dir.h"
#include "tests/support/test_ca.h"

namespace hitcounter::aws {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;

enum class Behaviour {
  kAnswer,          // answers every request on a kept-alive connection
  kAnswerAndClose,  // answers one request, then closes (without saying so)
  kSilent,          // reads the request and never answers
  kCloseFirst,      // closes its first connection unread, then answers like kAnswer
};

// A one-thread HTTP(S) server on 127.0.0.1 serving `connections` connections, then stopping.
class TestServer {
 public:
  // Plain HTTP, or over TLS with `identity`'s certificate when set.
  TestServer(Behaviour behaviour, int connections,
             std::optional<testing::TestIdentity> identity = std::nullopt)
      : behaviour_(behaviour) {
    const bool tls = identity.has_value();
    if (tls) {
      tls_.use_certificate_chain(asio::buffer(identity->certificate_pem));
      tls_.use_private_key(asio::buffer(identity->key_pem), asio::ssl::context::pem);
    }
    thread_ = std::thread([this, connections, tls] {
      for (int i = 0; i < connections; ++i) {
        tcp::socket socket = acceptor_.accept();
        if (i == 0 && behaviour_ == Behaviour::kCloseFirst) {
          if (tls) {
            beast::ssl_stream<tcp::socket&> stream(socket, tls_);
            beast::error_code error;
            stream.handshake(asio::ssl::stream_base::server, error);
          }
          continue;  // the socket closes here
        }
        if (!tls) {
          Serve(socket);
          continue;
        }
        beast::ssl_stream<tcp::socket&> stream(socket, tls_);
        beast::error_code error;
        stream.handshake(asio::ssl::stream_base::server, error);
        if (!error) Serve(stream);
      }
    });
  }
  ~TestServer() { thread_.join(); }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  template <typename Stream>
  void Serve(Stream& stream) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> request;
      beast::error_code error;
      http::read(stream, buffer, request, error);
      if (error) return;
      if (behaviour_ == Behaviour::kSilent) continue;  // the next read ends when the client quits
      http::response<http::string_body> response{http::status::ok, 11};
      response.body() = "{\"echo\":" + std::to_string(request.body().size()) + "}";
      response.prepare_payload();
      http::write(stream, response, error);
      if (error || behaviour_ == Behaviour::kAnswerAndClose) return;
    }
  }

  Behaviour behaviour_;
  asio::io_context io_;
  tcp::acceptor acceptor_{io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  asio::ssl::context tls_{asio::ssl::context::tls_server};
  std::thread thread_;
};

HttpRequest Request() {
  return {"/", {{"Host", "localhost"}, {"Content-Type", "application/json"}}, "{}"};
}

Deadline In(milliseconds budget) { return std::chrono::steady_clock::now() + budget; }

TEST(HttpClient, KeepsOneConnectionForManyRequests) {
  TestServer server(Behaviour::kAnswer, 1);
  HttpClient client(Endpoint{false, "127.0.0.1", server.port()}, nullptr);
  for (int i = 0; i < 5; ++i) {
    HttpOutcome outcome = client.Post(Request(), In(milliseconds(5'000)));
    ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
    EXPECT_EQ(outcome.response.status, 200u);
    EXPECT_EQ(outcome.response.body, "{\"echo\":2}");
  }
  EXPECT_EQ(client.connections_opened(), 1u);
}

TEST(HttpClient, ReconnectsWhenThePeerClosedTheKeptConnection) {
  TestServer server(Behaviour::kAnswerAndClose, 3);
  HttpClient client(Endpoint{false, "127.0.0.1", server.port()}, nullptr);
  for (int i = 0; i < 3; ++i) {
    HttpOutcome outcome = client.Post(Request(), In(milliseconds(5'000)));
    ASSERT_TRUE(outcome.status.ok()) << "request " << i << ": " << outcome.status.message();
    std::this_thread::sleep_for(milliseconds(20));  // let the close arrive
  }
  EXPECT_EQ(client.connections_opened(), 3u);
}

TEST(HttpClient, GivesUpAtTheDeadlineWhenNoResponseComes) {
  TestServer server(Behaviour::kSilent, 1);
  HttpClient client(Endpoint{false, "127.0.0.1", server.port()}, nullptr);
  const auto start = std::chrono::steady_clock::now();
  HttpOutcome outcome = client.Post(Request(), In(milliseconds(300)));
  EXPECT_EQ(outcome.status.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(outcome.request_sent);
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(2'000));
}

TEST(HttpClient, ReportsARefusedConnectionAsNotSent) {
  std::uint16_t port;
  {
    TestServer server(Behaviour::kAnswer, 1);
    port = server.port();
    HttpClient once(Endpoint{false, "127.0.0.1", port}, nullptr);
    ASSERT_TRUE(once.Post(Request(), In(milliseconds(5'000))).status.ok());
  }
  HttpClient client(Endpoint{false, "127.0.0.1", port}, nullptr);
  HttpOutcome outcome = client.Post(Request(), In(milliseconds(5'000)));
  EXPECT_EQ(outcome.status.code(), StatusCode::kUnavailable);
  EXPECT_FALSE(outcome.request_sent);
}

TEST(HttpClient, ConnectOpensTheConnectionTheNextPostUses) {
  TestServer server(Behaviour::kAnswer, 1);
  HttpClient client(Endpoint{false, "127.0.0.1", server.port()}, nullptr);
  ASSERT_TRUE(client.Connect(In(milliseconds(5'000))).ok());
  EXPECT_EQ(client.connections_opened(), 1u);
  ASSERT_TRUE(client.Connect(In(milliseconds(5'000))).ok()) << "connected already: a no-op";
  HttpOutcome outcome = client.Post(Request(), In(milliseconds(5'000)));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  // The server serves one connection only: a second one would never be answered.
  EXPECT_EQ(client.connections_opened(), 1u);
}

TEST(HttpClient, APreOpenedConnectionThePeerClosedIsReplacedBeforeThePost) {
  TestServer server(Behaviour::kCloseFirst, 2);
  HttpClient client(Endpoint{false, "127.0.0.1", server.port()}, nullptr);
  ASSERT_TRUE(client.Connect(In(milliseconds(5'000))).ok());
  std::this_thread::sleep_for(milliseconds(50));  // let the close arrive
  HttpOutcome outcome = client.Post(Request(), In(milliseconds(5'000)));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(client.connections_opened(), 2u);
}

TEST(HttpClient, ConnectReportsAnEndpointThatCannotBeReached) {
  std::uint16_t port;
  {
    TestServer server(Behaviour::kAnswer, 1);
    port = server.port();
    HttpClient once(Endpoint{false, "127.0.0.1", port}, nullptr);
    ASSERT_TRUE(once.Post(Request(), In(milliseconds(5'000))).status.ok());
  }
  HttpClient client(Endpoint{false, "127.0.0.1", port}, nullptr);
  Status connected = client.Connect(In(milliseconds(5'000)));
  EXPECT_EQ(connected.code(), StatusCode::kUnavailable);
  EXPECT_NE(connected.message().find("127.0.0.1"), std::string::npos) << connected.message();
}

// Against a server whose certificate for "localhost" a CA this test makes signed: a bundle file
// or a hashed directory holding that CA is trusted, the host's CA store and another host name
// are not.
class HttpsClientTest : public ::testing::Test {
 protected:
  std::string WriteCa() {
    std::string path = dir_.path() + "/ca.pem";
    std::ofstream(path) << ca_.certificate_pem();
    return path;
  }
  testing::TestIdentity Localhost() const { return ca_.IssueServerCertificate("localhost"); }

  testing::TestCa ca_{"hitcounter test CA"};
  testing::TempDir dir_;
};

TEST_F(HttpsClientTest, TalksToAServerWhoseCertificateTheBundleTrusts) {
  TestServer server(Behaviour::kAnswer, 1, Localhost());
  HttpClient client(Endpoint{true, "localhost", server.port()},
                    std::move(LoadTlsContext(WriteCa())).value());
  for (int i = 0; i < 2; ++i) {
    HttpOutcome outcome = client.Post(Request(), In(milliseconds(5'000)));
    ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
    EXPECT_EQ(outcome.response.body, "{\"echo\":2}");
  }
  EXPECT_EQ(client.connections_opened(), 1u);
}

TEST_F(HttpsClientTest, TalksToAServerWhoseCertificateAHashedDirectoryTrusts) {
  // OpenSSL finds a CA in a directory by the hash of its subject name: <hash>.0.
  BIO* pem =
      BIO_new_mem_buf(ca_.certificate_pem().data(), static_cast<int>(ca_.certificate_pem().size()));
  X509* certificate = PEM_read_bio_X509(pem, nullptr, nullptr, nullptr);
  ASSERT_NE(certificate, nullptr);
  char name[32];
  std::snprintf(name, sizeof name, "%08lx.0", X509_subject_name_hash(certificate));
  X509_free(certificate);
  BIO_free(pem);
  std::string directory = dir_.path() + "/certs";
  std::filesystem::create_directory(directory);
  std::ofstream(directory + "/" + name) << ca_.certificate_pem();

  TestServer server(Behaviour::kAnswer, 1, Localhost());
  HttpClient client(Endpoint{true, "localhost", server.port()},
                    std::move(LoadTlsContext(directory)).value());
  HttpOutcome outcome = client.Post(Request(), In(milliseconds(5'000)));
  EXPECT_TRUE(outcome.status.ok()) << outcome.status.message();
}

TEST_F(HttpsClientTest, RefusesACertificateTheSystemBundleDoesNotTrust) {
  TestServer server(Behaviour::kAnswer, 1, Localhost());
  Result<std::string> system_bundle = FindCaBundle({});
  ASSERT_TRUE(system_bundle.ok()) << system_bundle.status().message();
  HttpClient client(Endpoint{true, "localhost", server.port()},
                    std::move(LoadTlsContext(*system_bundle)).value());
  HttpOutcome outcome = client.Post(Request(), In(milliseconds(5'000)));
  EXPECT_EQ(outcome.status.code(), StatusCode::kUnavailable);
  EXPECT_FALSE(outcome.request_sent);
  EXPECT_NE(outcome.status.message().find("TLS"), std::string::npos) << outcome.status.message();
}

TEST_F(HttpsClientTest, RefusesACertificateForAnotherHostName) {
  TestServer server(Behaviour::kAnswer, 1, Localhost());
  HttpClient client(Endpoint{true, "127.0.0.1", server.port()},
                    std::move(LoadTlsContext(WriteCa())).value());
  HttpOutcome outcome = client.Post(Request(), In(milliseconds(5'000)));
  EXPECT_EQ(outcome.status.code(), StatusCode::kUnavailable);
  EXPECT_FALSE(outcome.request_sent);
}

// Verification both ways against a CA this test makes: the right CA is accepted, another CA and
// the compiled-in Amazon roots are refused. The server presents a leaf signed by the CA (a real
// chain, not a self-signed certificate), for the IP address the client connects to.
class TestCaClientTest : public ::testing::Test {
 protected:
  HttpOutcome PostThrough(std::shared_ptr<TlsContext> trusted) {
    TestServer server(Behaviour::kAnswer, 1, ca_.IssueServerCertificate("127.0.0.1"));
    HttpClient client(Endpoint{true, "127.0.0.1", server.port()}, std::move(trusted));
    return client.Post(Request(), In(milliseconds(5'000)));
  }

  testing::TestCa ca_{"hitcounter test CA"};
};

TEST_F(TestCaClientTest, AcceptsAServerWhoseChainEndsAtTheTrustedCa) {
  HttpOutcome outcome = PostThrough(LoadTlsContextFromPem(ca_.certificate_pem(), "the CA").value());
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(outcome.response.body, "{\"echo\":2}");
}

TEST_F(TestCaClientTest, RefusesAServerSignedByAnotherCa) {
  testing::TestCa other("another test CA");
  HttpOutcome outcome =
      PostThrough(LoadTlsContextFromPem(other.certificate_pem(), "the other CA").value());
  EXPECT_EQ(outcome.status.code(), StatusCode::kUnavailable);
  EXPECT_FALSE(outcome.request_sent);
  EXPECT_NE(outcome.status.message().find("TLS handshake failed"), std::string::npos)
      << outcome.status.message();
  EXPECT_NE(outcome.status.message().find("(unable to get local issuer certificate)"),
            std::string::npos)
      << outcome.status.message();
}

TEST_F(TestCaClientTest, TheCompiledInAmazonRootsRefuseAnyOtherCa) {
  HttpOutcome outcome = PostThrough(AmazonRootsTlsContext().value());
  EXPECT_EQ(outcome.status.code(), StatusCode::kUnavailable);
  EXPECT_FALSE(outcome.request_sent);
  EXPECT_NE(outcome.status.message().find("certificate verify failed"), std::string::npos)
      << outcome.status.message();
}

TEST_F(TestCaClientTest, ConnectDoesTheTlsHandshakeAheadOfThePost) {
  TestServer server(Behaviour::kAnswer, 1, ca_.IssueServerCertificate("127.0.0.1"));
  HttpClient client(Endpoint{true, "127.0.0.1", server.port()},
                    LoadTlsContextFromPem(ca_.certificate_pem(), "the CA").value());
  ASSERT_TRUE(client.Connect(In(milliseconds(5'000))).ok());
  HttpOutcome outcome = client.Post(Request(), In(milliseconds(5'000)));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(client.connections_opened(), 1u);
}

TEST_F(TestCaClientTest, APreOpenedTlsConnectionThePeerClosedIsReplacedBeforeThePost) {
  TestServer server(Behaviour::kCloseFirst, 2, ca_.IssueServerCertificate("127.0.0.1"));
  HttpClient client(Endpoint{true, "127.0.0.1", server.port()},
                    LoadTlsContextFromPem(ca_.certificate_pem(), "the CA").value());
  ASSERT_TRUE(client.Connect(In(milliseconds(5'000))).ok());
  std::this_thread::sleep_for(milliseconds(50));  // let the close arrive behind the tickets
  HttpOutcome outcome = client.Post(Request(), In(milliseconds(5'000)));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.message();
  EXPECT_EQ(client.connections_opened(), 2u);
}

TEST(LoadTlsContext, NamesABundleThatCannotBeLoaded) {
  Result<std::shared_ptr<TlsContext>> tls = LoadTlsContext("/nonexistent/ca.pem");
  ASSERT_EQ(tls.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(tls.status().message().find("/nonexistent/ca.pem"), std::string::npos);
}

}  // namespace
}  // namespace hitcounter::aws

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
#include <thread>

#include "tests/support/localhost_tls.h"
#include "tests/support/temp_dir.h"

namespace hitcounter::aws {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using hitcounter::testing::kLocalhostCert;
using hitcounter::testing::kLocalhostKey;
using std::chrono::milliseconds;

enum class Behaviour {
  kAnswer,          // answers every request on a kept-alive connection
  kAnswerAndClose,  // answers one request, then closes (without saying so)
  kSilent,          // reads the request and never answers
};

// A one-thread HTTP(S) server on 127.0.0.1 serving `connections` connections, then stopping.
class TestServer {
 public:
  TestServer(Behaviour behaviour, int connections, bool tls) : behaviour_(behaviour) {
    if (tls) {
      tls_.use_certificate_chain(asio::buffer(std::string_view(kLocalhostCert)));
      tls_.use_private_key(asio::buffer(std::string_view(kLocalhostKey)), asio::ssl::context::pem);
    }
    thread_ = std::thread([this, connections, tls] {
      for (int i = 0; i < connections; ++i) {
        tcp::socket socket = acceptor_.accept();
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
  TestServer server(Behaviour::kAnswer, 1, /*tls=*/false);
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
  TestServer server(Behaviour::kAnswerAndClose, 3, /*tls=*/false);
  HttpClient client(Endpoint{false, "127.0.0.1", server.port()}, nullptr);
  for (int i = 0; i < 3; ++i) {
    HttpOutcome outcome = client.Post(Request(), In(milliseconds(5'000)));
    ASSERT_TRUE(outcome.status.ok()) << "request " << i << ": " << outcome.status.message();
    std::this_thread::sleep_for(milliseconds(20));  // let the close arrive
  }
  EXPECT_EQ(client.connections_opened(), 3u);
}

TEST(HttpClient, GivesUpAtTheDeadlineWhenNoResponseComes) {
  TestServer server(Behaviour::kSilent, 1, /*tls=*/false);
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
    TestServer server(Behaviour::kAnswer, 1, /*tls=*/false);
    port = server.port();
    HttpClient once(Endpoint{false, "127.0.0.1", port}, nullptr);
    ASSERT_TRUE(once.Post(Request(), In(milliseconds(5'000))).status.ok());
  }
  HttpClient client(Endpoint{false, "127.0.0.1", port}, nullptr);
  HttpOutcome outcome = client.Post(Request(), In(milliseconds(5'000)));
  EXPECT_EQ(outcome.status.code(), StatusCode::kUnavailable);
  EXPECT_FALSE(outcome.request_sent);
}

class HttpsClientTest : public ::testing::Test {
 protected:
  std::string WriteCa() {
    std::string path = dir_.path() + "/ca.pem";
    std::ofstream(path) << kLocalhostCert;
    return path;
  }
  testing::TempDir dir_;
};

TEST_F(HttpsClientTest, TalksToAServerWhoseCertificateTheBundleTrusts) {
  TestServer server(Behaviour::kAnswer, 1, /*tls=*/true);
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
  BIO* pem = BIO_new_mem_buf(kLocalhostCert, -1);
  X509* certificate = PEM_read_bio_X509(pem, nullptr, nullptr, nullptr);
  ASSERT_NE(certificate, nullptr);
  char name[32];
  std::snprintf(name, sizeof name, "%08lx.0", X509_subject_name_hash(certificate));
  X509_free(certificate);
  BIO_free(pem);
  std::string directory = dir_.path() + "/certs";
  std::filesystem::create_directory(directory);
  std::ofstream(directory + "/" + name) << kLocalhostCert;

  TestServer server(Behaviour::kAnswer, 1, /*tls=*/true);
  HttpClient client(Endpoint{true, "localhost", server.port()},
                    std::move(LoadTlsContext(directory)).value());
  HttpOutcome outcome = client.Post(Request(), In(milliseconds(5'000)));
  EXPECT_TRUE(outcome.status.ok()) << outcome.status.message();
}

TEST_F(HttpsClientTest, RefusesACertificateTheSystemBundleDoesNotTrust) {
  TestServer server(Behaviour::kAnswer, 1, /*tls=*/true);
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
  TestServer server(Behaviour::kAnswer, 1, /*tls=*/true);
  HttpClient client(Endpoint{true, "127.0.0.1", server.port()},
                    std::move(LoadTlsContext(WriteCa())).value());
  HttpOutcome outcome = client.Post(Request(), In(milliseconds(5'000)));
  EXPECT_EQ(outcome.status.code(), StatusCode::kUnavailable);
  EXPECT_FALSE(outcome.request_sent);
}

TEST(LoadTlsContext, NamesABundleThatCannotBeLoaded) {
  Result<std::shared_ptr<TlsContext>> tls = LoadTlsContext("/nonexistent/ca.pem");
  ASSERT_EQ(tls.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(tls.status().message().find("/nonexistent/ca.pem"), std::string::npos);
}

}  // namespace
}  // namespace hitcounter::aws

// What the error paths show a client and what they write to the logs: no internals in answers,
// no credentials in logs, every 5xx logged within a bound, lengths that match bodies.
#include <rapidjson/document.h>

#include <algorithm>
#include <sstream>
#include <thread>

#include "tests/blackbox/fixture.h"
#include "tests/support/raw_connection.h"

namespace hitcounter::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class LogsTest : public BlackBoxTest {
 protected:
  void SetUp() override {
    BlackBoxTest::SetUp();
    if (External()) GTEST_SKIP() << "reads the server's logs";
  }

  // A server on this test's store with `flags`, its stderr captured with its stdout.
  void RestartWith(const std::vector<std::string>& flags, std::string store = "") {
    std::vector<std::string> args = ServerArgs();
    args.insert(args.end(), flags.begin(), flags.end());
    server_.reset();
    server_ = std::make_unique<ServerProcess>(store.empty() ? store_ : store, args,
                                              ChildProcess::Stderr::kCapture);
    ASSERT_NE(server_->port(), 0);
    port_ = server_->port();
    client_ = std::make_unique<HttpClient>(host_, port_);
  }

  // The JSON lines of the server's output, parsed; a line that is not JSON fails the test.
  std::vector<rapidjson::Document> JsonLines() {
    std::vector<rapidjson::Document> lines;
    std::istringstream output(server_->process().Output());
    for (std::string line; std::getline(output, line);) {
      if (line.empty() || line.front() != '{') continue;
      rapidjson::Document doc;
      doc.Parse(line.c_str());
      EXPECT_FALSE(doc.HasParseError()) << "not JSON: " << line;
      if (!doc.HasParseError()) lines.push_back(std::move(doc));
    }
    return lines;
  }

  // The access log's client for each of `requests` (header lines to add), each sent on a new
  // connection, in order, as a hit on a route of its own.
  std::vector<std::string> LoggedClients(const std::vector<std::string>& requests) {
    std::vector<std::string> routes;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      routes.push_back(Route("/fwd-" + std::to_string(i)));
      SendRaw(port_, "GET " + routes.back() + " HTTP/1.1\r\nHost: h\r\n" + requests[i] +
                         "Connection: close\r\n\r\n");
    }
    std::vector<std::string> clients(requests.size());
    // The answer may reach the client before its log line is written.
    for (int tries = 0; tries < 100; ++tries) {
      for (const auto& line : JsonLines()) {
        if (!line.HasMember("route") || !line.HasMember("client")) continue;
        for (std::size_t i = 0; i < routes.size(); ++i) {
          if (line["route"].GetString() == routes[i]) clients[i] = line["client"].GetString();
        }
      }
      if (std::find(clients.begin(), clients.end(), "") == clients.end()) break;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return clients;
  }

  // The log lines of 5xx answers with `status`.
  int ErrorLines(int status) {
    int found = 0;
    for (const auto& line : JsonLines()) {
      if (line.HasMember("status") && line["status"].GetInt() == status &&
          std::string_view(line["level"].GetString()) == "error") {
        ++found;
      }
    }
    return found;
  }
};

// Regression: with an AccessDenied, DynamoDB's text (account, role, table, region) reached
// anonymous clients in the 503's body.
TEST_F(LogsTest, AStoreFailureShowsTheClientNoInternalsAndLogsThemUnderItsRequestId) {
  if (StoreUnderTest() == StoreKind::kSqlite) GTEST_SKIP() << "a missing DynamoDB table";
  const std::string table = "never-created-" + std::to_string(std::rand());
  ASSERT_NO_FATAL_FAILURE(RestartWith({}, "dynamodb:" + table));
  HttpReply reply = client_->Get(Route());
  ASSERT_EQ(reply.status, 503) << reply.body;
  rapidjson::Document body = Json(reply);
  EXPECT_STREQ(body["error"].GetString(), "store_unavailable");
  for (const std::string& secret : {table, std::string("127.0.0.1"), std::string("Resource")}) {
    EXPECT_EQ(reply.body.find(secret), std::string::npos) << reply.body;
  }
  const std::string request_id = body["requestId"].GetString();
  // The answer may reach the client before its log line is written.
  ASSERT_TRUE(server_->process().WaitForLine(request_id, seconds(10)));
  bool logged = false;
  for (const auto& line : JsonLines()) {
    if (line.HasMember("requestId") && line["requestId"].GetString() == request_id) {
      logged = true;
      EXPECT_EQ(line["status"].GetInt(), 503);
      EXPECT_NE(std::string(line["detail"].GetString()).find(table), std::string::npos);
    }
  }
  EXPECT_TRUE(logged) << server_->process().Output();
}

// Regression: the access log wrote the target as sent, user-info included, and a raw byte that
// is not UTF-8 made its line invalid JSON.
TEST_F(LogsTest, TheAccessLogNamesTheRouteNeverUserInfoOrQueryAndStaysJson) {
  ASSERT_NO_FATAL_FAILURE(RestartWith({"--access-log"}));
  const std::string route = Route("/leak");
  SendRaw(port_, "GET http://admin:s3cret@h" + route + "?token=abc HTTP/1.1\r\nHost: h\r\n\r\n");
  SendRaw(port_, "GET /bad\xff\xfe HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(server_->process().WaitForLine("\"status\":400", seconds(10)));
  const std::string output = server_->process().Output();
  // After the start line, which speaks of the admin token.
  const std::string logged = output.substr(output.find('\n') + 1);
  for (const char* secret : {"s3cret", "admin", "token", "abc"}) {
    EXPECT_EQ(logged.find(secret), std::string::npos) << secret << " in " << output;
  }
  bool hit_logged = false;
  for (const auto& line : JsonLines()) {
    if (!line.HasMember("route")) continue;
    if (line["route"].GetString() == route) {
      hit_logged = true;
      EXPECT_EQ(line["status"].GetInt(), 200);
      EXPECT_STREQ(line["client"].GetString(), "127.0.0.1");
    }
  }
  EXPECT_TRUE(hit_logged) << output;
}

// Issue 18, item 9: X-Forwarded-For and Forwarded name the client only when the peer is a
// proxy named by --trusted-proxy; without it they are ignored.
TEST_F(LogsTest, TheAccessLogBelievesForwardingHeadersOnlyFromTrustedProxies) {
  const std::vector<std::string> requests = {
      "X-Forwarded-For: 1.1.1.1, 203.0.113.9, 198.51.100.7\r\n",
      "Forwarded: for=192.0.2.60;proto=http, for=\"[2001:db8::17]:4711\"\r\n",
      "X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-For: 198.51.100.8\r\n", ""};
  ASSERT_NO_FATAL_FAILURE(RestartWith({"--access-log"}));
  EXPECT_EQ(LoggedClients(requests),
            (std::vector<std::string>{"127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1"}));
  ASSERT_NO_FATAL_FAILURE(RestartWith({"--access-log", "--trusted-proxy", "127.0.0.0/8",
                                       "--trusted-proxy", "198.51.100.0/24,fd00::/8"}));
  EXPECT_EQ(LoggedClients(requests),
            (std::vector<std::string>{"203.0.113.9", "2001:db8::17", "203.0.113.9", "127.0.0.1"}));
  ASSERT_NO_FATAL_FAILURE(RestartWith({"--access-log", "--trusted-proxy", "10.0.0.0/8"}));
  EXPECT_EQ(LoggedClients(requests),
            (std::vector<std::string>{"127.0.0.1", "127.0.0.1", "127.0.0.1", "127.0.0.1"}))
      << "the peer is not one of the trusted proxies";
}

TEST_F(LogsTest, ABadTrustedProxyIsRefusedAtStartFromTheFlagOrTheEnvironment) {
  std::string said;
  EXPECT_NE(
      RunToExit({"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", HitcounterBinary(), "serve",
                 "--listen", "127.0.0.1:0", "--store", store_, "--trusted-proxy", "10.0.0.0/40"},
                &said),
      0);
  EXPECT_NE(said.find("10.0.0.0/40"), std::string::npos) << said;
  EXPECT_NE(RunToExit({"/usr/bin/env", "HITCOUNTER_TRUSTED_PROXY=127.0.0.0/8,proxy.example",
                       "/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", HitcounterBinary(), "serve",
                       "--listen", "127.0.0.1:0", "--store", store_},
                      &said),
            0);
  EXPECT_NE(said.find("proxy.example"), std::string::npos) << said;
}

// Regression: the connection limit's 503 declared Content-Length: 78 for an 82-byte body.
TEST_F(LogsTest, TheConnectionLimitAnswers503WithTheLengthOfItsBodyAndLogsIt) {
  ASSERT_NO_FATAL_FAILURE(RestartWith({"--max-connections", "1"}));
  RawConnection holder(port_);
  ASSERT_TRUE(holder.Send("OPTIONS /x HTTP/1.1\r\nHost: h\r\n\r\n"));
  holder.ReadResponses(1);  // the one connection allowed is open and served
  RawConnection refused(port_);
  ASSERT_TRUE(refused.WaitForClose(seconds(5)));
  std::vector<RawResponse> responses = ParseResponses(refused.received());
  ASSERT_EQ(responses.size(), 1u) << refused.received();
  EXPECT_EQ(responses[0].status, 503);
  EXPECT_EQ(responses[0].headers["content-length"], std::to_string(responses[0].body.size()));
  EXPECT_NE(responses[0].body.find("\"too_many_connections\""), std::string::npos);
  EXPECT_TRUE(server_->process().WaitForLine("too_many_connections", seconds(5)));
}

// Regression: 501 and 505 were not logged although every 5xx is said to be.
TEST_F(LogsTest, RefusalsOfHttpItDoesNotSpeakAreLogged) {
  ASSERT_NO_FATAL_FAILURE(RestartWith({}));
  SendRaw(port_, "GET / HTTP/2.0\r\nHost: h\r\n\r\n");
  SendRaw(port_, std::string(40, 'M') + " / HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(server_->process().WaitForLine("\"status\":501", seconds(5)));
  EXPECT_EQ(ErrorLines(505), 1);
  EXPECT_EQ(ErrorLines(501), 1);
}

TEST_F(LogsTest, AFloodOfServerErrorsIsLoggedWithinTheBoundAndWhatIsLeftOutIsCounted) {
  ASSERT_NO_FATAL_FAILURE(RestartWith({}));
  constexpr int kFlood = 400;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < kFlood; ++i) SendRaw(port_, "GET / HTTP/2.0\r\nHost: h\r\n\r\n");
  const auto took = std::chrono::duration_cast<seconds>(std::chrono::steady_clock::now() - started);
  std::this_thread::sleep_for(milliseconds(1100));
  // A 501, the first line of a later second: it carries what the flood's last second left out.
  SendRaw(port_, std::string(40, 'M') + " / HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(server_->process().WaitForLine("\"status\":501", seconds(5)));
  int logged = 0, left_out = 0;
  for (const auto& line : JsonLines()) {
    if (line.HasMember("status") && line["status"].GetInt() == 505) ++logged;
    if (line.HasMember("linesLeftOut")) left_out += line["linesLeftOut"].GetInt();
  }
  // The flood touches at most took + 2 of the limit's one-second windows.
  EXPECT_LE(logged, 100 * (took.count() + 2)) << "lines in " << took.count() << " s";
  EXPECT_GT(left_out, 0);
  EXPECT_EQ(logged + left_out, kFlood);
}

}  // namespace
}  // namespace hitcounter::testing

// The admin token and the dashboard, against the real server.
#include <signal.h>

#include <filesystem>

#include "tests/blackbox/fixture.h"

namespace hitcounter::testing {
namespace {

constexpr char kToken[] = "blackbox-token-7f3a";

// The status line's code of a raw reply, 0 when there is none.
int StatusOf(const std::string& reply) {
  return reply.rfind("HTTP/1.1 ", 0) == 0 ? std::atoi(reply.c_str() + 9) : 0;
}

class AdminTokenTest : public BlackBoxTest {
 protected:
  void SetUp() override {
    BlackBoxTest::SetUp();
    if (External()) GTEST_SKIP() << "the token is set when the server starts";
    std::vector<std::string> args = ServerArgs();
    args.insert(args.end(), {"--admin-token", kToken, "--access-log"});
    std::filesystem::create_directory(dir_.path() + "/guarded");
    server_ = std::make_unique<ServerProcess>(FreshStore(dir_.path() + "/guarded"), args);
    ASSERT_NE(server_->port(), 0);
    port_ = server_->port();
    client_ = std::make_unique<HttpClient>(host_, port_);
  }

  // GET `target` with `authorization` (none when empty); the raw reply.
  std::string GetWith(const std::string& target, const std::string& authorization) {
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n";
    if (!authorization.empty()) request += "Authorization: " + authorization + "\r\n";
    return SendRaw(port_, request + "\r\n");
  }
};

TEST_F(AdminTokenTest, WithoutTheTokenTheReadEndpointsAnswer401WithAChallenge) {
  for (const char* target : {"/_stats", "/_dashboard", "/_metrics"}) {
    HttpReply reply = client_->Get(target);
    EXPECT_EQ(reply.status, 401) << target;
    EXPECT_EQ(reply.headers["www-authenticate"], R"(Basic realm="hitcounter", charset="UTF-8")");
    EXPECT_STREQ(Json(reply)["error"].GetString(), "unauthorized");
  }
}

TEST_F(AdminTokenTest, AWrongTokenIsRefused) {
  EXPECT_EQ(StatusOf(GetWith("/_stats", "Bearer wrong")), 401);
  EXPECT_EQ(StatusOf(GetWith("/_stats", std::string("Bearer ") + kToken + "x")), 401);
  EXPECT_EQ(StatusOf(GetWith("/_dashboard", "Basic YWRtaW46d3Jvbmc=")), 401);  // admin:wrong
}

TEST_F(AdminTokenTest, TheTokenAsBearerOrBasicPasswordOpensThem) {
  client_->Get(Route("/counted"));
  EXPECT_EQ(StatusOf(GetWith("/_stats", std::string("Bearer ") + kToken)), 200);
  EXPECT_EQ(StatusOf(GetWith("/_metrics", std::string("Bearer ") + kToken)), 200);
  // "admin:blackbox-token-7f3a" in base64.
  std::string reply = GetWith("/_dashboard", "Basic YWRtaW46YmxhY2tib3gtdG9rZW4tN2YzYQ==");
  EXPECT_EQ(StatusOf(reply), 200);
  EXPECT_NE(reply.find("<!doctype html>"), std::string::npos);
}

TEST_F(AdminTokenTest, HitsAndHealthNeedNoTokenAndTheTokenIsNeverLogged) {
  EXPECT_EQ(client_->Get(Route()).status, 200);
  EXPECT_EQ(client_->Get("/_health").status, 200);
  GetWith("/_stats", std::string("Bearer ") + kToken);
  GetWith("/_stats", "Bearer not-the-token");
  server_->process().Signal(SIGTERM);
  server_->process().WaitForExit(std::chrono::seconds(30));
  std::string output = server_->process().Output();
  EXPECT_NE(output.find("\"status\":401"), std::string::npos) << "the access log is on";
  EXPECT_EQ(output.find(kToken), std::string::npos);
  EXPECT_EQ(output.find("not-the-token"), std::string::npos);
}

using DashboardServedTest = BlackBoxTest;

TEST_F(DashboardServedTest, IsOneHtmlPageThatCountsNothing) {
  if (External()) GTEST_SKIP() << "other clients may count on an external server";
  HttpReply page = client_->Get("/_dashboard");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(page.body.find(R"(content="./_stats")"), std::string::npos);
  EXPECT_EQ(client_->Send("HEAD", "/_dashboard").status, 200);
  HttpReply stats = client_->Get("/_stats");
  EXPECT_EQ(Json(stats)["routes"].Size(), 0u);
}

TEST(AdminTokenStartTest, ATokenWithSpacesAroundItStopsTheServerWithoutPrintingIt) {
  TempDir dir;
  std::string said;
  EXPECT_NE(RunToExit({"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", HitcounterBinary(), "serve",
                       "--listen", "127.0.0.1:0", "--store", "sqlite:" + dir.path() + "/t.db",
                       "--admin-token", " my-token "},
                      &said),
            0);
  EXPECT_NE(said.find("admin token"), std::string::npos) << said;
  EXPECT_EQ(said.find("my-token"), std::string::npos) << said;
}

}  // namespace
}  // namespace hitcounter::testing

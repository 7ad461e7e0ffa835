// DELETE {prefix}stats against the real server, on the store under test: the admin token's
// rule, what a deletion answers, the place it frees under --max-routes, and (SQLite) that a
// deletion answered 200 survives kill -9.
#include <signal.h>

#include <fstream>
#include <optional>

#include "tests/blackbox/fixture.h"
#include "tests/blackbox/sqlite_file.h"
#include "tests/support/child_process.h"

namespace hitcounter::testing {
namespace {

constexpr char kToken[] = "delete-token-51c2";

struct RawReply {
  int status = 0;
  std::string body;
};

// Sends `method target` on a connection of its own, with the token when `with_token`.
RawReply SendWithToken(int port, const std::string& method, const std::string& target,
                       bool with_token = true) {
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n";
  if (with_token) request += std::string("Authorization: Bearer ") + kToken + "\r\n";
  const std::string reply = SendRaw(port, request + "\r\n");
  RawReply out;
  if (reply.rfind("HTTP/1.1 ", 0) == 0) out.status = std::atoi(reply.c_str() + 9);
  const std::size_t body = reply.find("\r\n\r\n");
  if (body != std::string::npos) out.body = reply.substr(body + 4);
  return out;
}

class DeleteCountsTest : public BlackBoxTest {
 protected:
  void SetUp() override {
    BlackBoxTest::SetUp();
    if (External()) GTEST_SKIP() << "the token and the bound are set when the server starts";
  }

  // The fixture's server, restarted with the admin token and `extra` flags (a SQLite file has
  // one owner: the old one stops first).
  void RestartGuarded(std::vector<std::string> extra = {}) {
    server_.reset();
    std::vector<std::string> args = ServerArgs();
    args.insert(args.end(), {"--admin-token", kToken});
    args.insert(args.end(), extra.begin(), extra.end());
    server_ = std::make_unique<ServerProcess>(store_, args);
    ASSERT_NE(server_->port(), 0);
    port_ = server_->port();
    client_ = std::make_unique<HttpClient>(host_, port_);
  }

  std::int64_t GuardedCountOf(const std::string& route) {
    RawReply reply = SendWithToken(port_, "GET", "/_stats?route=" + route);
    if (reply.status == 404) return 0;
    EXPECT_EQ(reply.status, 200) << reply.body;
    rapidjson::Document doc;
    doc.Parse(reply.body.c_str());
    return doc.IsObject() && doc.HasMember("count") ? doc["count"].GetInt64() : -1;
  }
};

TEST_F(DeleteCountsTest, WithoutAnAdminTokenDeletingIsForbidden) {
  ASSERT_EQ(client_->Get(Route()).status, 200);
  RawReply reply = SendWithToken(port_, "DELETE", "/_stats?route=" + Route(), false);
  EXPECT_EQ(reply.status, 403) << reply.body;
  EXPECT_NE(reply.body.find("\"forbidden\""), std::string::npos) << reply.body;
  EXPECT_EQ(CountOf(Route()), 1);
}

TEST_F(DeleteCountsTest, ADeletedRouteIsGoneAndItsPlaceUnderTheBoundIsFree) {
  RestartGuarded({"--max-routes", "2"});
  ASSERT_EQ(client_->Get(Route("/a")).status, 200);
  ASSERT_EQ(client_->Get(Route("/a")).status, 200);
  ASSERT_EQ(client_->Get(Route("/b")).status, 200);
  ASSERT_EQ(client_->Get(Route("/c")).status, 507);
  EXPECT_EQ(SendWithToken(port_, "DELETE", "/_stats?route=" + Route("/a"), false).status, 401);
  RawReply deleted = SendWithToken(port_, "DELETE", "/_stats?route=" + Route("/a"));
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.body,
            R"({"route":")" + Route("/a") + R"(","deletedRoutes":1,"deletedHits":2})");
  EXPECT_EQ(GuardedCountOf(Route("/a")), 0);
  EXPECT_EQ(client_->Get(Route("/c")).status, 200) << "the deleted route's place is free";
  EXPECT_EQ(SendWithToken(port_, "DELETE", "/_stats?route=" + Route("/a")).status, 404);
}

TEST_F(DeleteCountsTest, APrefixDeletionTakesOnlyTheRoutesUnderIt) {
  RestartGuarded();
  for (const char* suffix : {"/api/x", "/api/y", "/api/y", "/apix", "/web"}) {
    ASSERT_EQ(client_->Get(Route(suffix)).status, 200);
  }
  RawReply deleted = SendWithToken(port_, "DELETE", "/_stats?prefix=" + Route("/api/"));
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.body, R"({"prefix":")" + Route("/api/") +
                              R"(","deletedRoutes":2,"deletedHits":3,"more":false})");
  EXPECT_EQ(GuardedCountOf(Route("/api/x")), 0);
  EXPECT_EQ(GuardedCountOf(Route("/apix")), 1);
  EXPECT_EQ(GuardedCountOf(Route("/web")), 1);
  // A deleted route hit again starts from 1.
  ASSERT_EQ(client_->Get(Route("/api/y")).status, 200);
  EXPECT_EQ(GuardedCountOf(Route("/api/y")), 1);
}

// The server is killed right after each 200: the deletion must be in the file as the kill left
// it, and the restarted server must not resurrect the route.
TEST_F(DeleteCountsTest, ADeletionAnswered200SurvivesKillNine) {
  if (StoreUnderTest() != StoreKind::kSqlite) GTEST_SKIP() << "checks the SQLite file";
  constexpr int kRounds = 5;
  for (int round = 0; round < kRounds; ++round) {
    RestartGuarded();
    const std::string gone = Route("/gone" + std::to_string(round));
    const std::string kept = Route("/kept");
    for (int i = 0; i < 3; ++i) ASSERT_EQ(client_->Get(gone).status, 200);
    ASSERT_EQ(client_->Get(kept).status, 200);
    ASSERT_EQ(SendWithToken(port_, "DELETE", "/_stats?route=" + gone).status, 200);
    server_->process().Signal(SIGKILL);
    ASSERT_TRUE(server_->process().WaitForExit(std::chrono::seconds(10)));
    {
      SqliteFile file(DatabasePath());
      ASSERT_EQ(file.IntegrityCheck(), "ok") << "round " << round;
      EXPECT_EQ(file.CountOf(gone), 0) << "round " << round;
      EXPECT_EQ(file.CountOf(kept), round + 1) << "round " << round;
    }
    RestartGuarded();
    EXPECT_EQ(GuardedCountOf(gone), 0) << "round " << round;
    EXPECT_EQ(GuardedCountOf(kept), round + 1) << "round " << round;
  }
}

class ResetCommandTest : public DeleteCountsTest {
 protected:
  int Reset(const std::vector<std::string>& args, std::string* output) {
    std::vector<std::string> argv = {HitcounterBinary(), "reset", "--store", store_};
    for (const std::string& flag : StoreFlags()) argv.push_back(flag);
    argv.insert(argv.end(), args.begin(), args.end());
    // Its messages are on stderr: read with its stdout.
    std::unique_ptr<ChildProcess> process =
        ChildProcess::Start(argv, {}, "", ChildProcess::Stderr::kCapture);
    if (!process) return -1;
    std::optional<int> code = process->WaitForExit(std::chrono::seconds(120));
    *output = process->Output();
    return code.value_or(-1);
  }
};

TEST_F(ResetCommandTest, DeletesARouteAndThePrefixesRoutesFromTheStore) {
  for (const char* suffix : {"/a", "/a", "/p/1", "/p/2", "/q"}) {
    ASSERT_EQ(client_->Get(Route(suffix)).status, 200);
  }
  if (StoreUnderTest() == StoreKind::kSqlite) {
    // The running server owns the file: reset refuses and points to the endpoint.
    std::string refused;
    EXPECT_EQ(Reset({"--route", Route("/a")}, &refused), 1);
    EXPECT_NE(refused.find("DELETE"), std::string::npos) << refused;
    EXPECT_NE(refused.find("/_stats?route="), std::string::npos) << refused;
    server_.reset();
  }
  std::string output;
  EXPECT_EQ(Reset({"--route", Route("/a")}, &output), 0) << output;
  EXPECT_NE(output.find("deleted 1 route holding 2 hits"), std::string::npos) << output;
  EXPECT_EQ(Reset({"--prefix", Route("/p/")}, &output), 0) << output;
  EXPECT_NE(output.find("deleted 2 routes holding 2 hits"), std::string::npos) << output;
  EXPECT_EQ(Reset({"--route", Route("/a")}, &output), 1) << "never hit any more";
  EXPECT_NE(output.find("never hit"), std::string::npos) << output;
  RestartGuarded();
  EXPECT_EQ(GuardedCountOf(Route("/a")), 0);
  EXPECT_EQ(GuardedCountOf(Route("/p/1")), 0);
  EXPECT_EQ(GuardedCountOf(Route("/q")), 1);
}

class ImportCommandTest : public ResetCommandTest {
 protected:
  int Run(const std::string& command, const std::vector<std::string>& args, std::string* output) {
    std::vector<std::string> argv = {HitcounterBinary(), command, "--store", store_};
    for (const std::string& flag : StoreFlags()) argv.push_back(flag);
    argv.insert(argv.end(), args.begin(), args.end());
    std::unique_ptr<ChildProcess> process =
        ChildProcess::Start(argv, {}, "", ChildProcess::Stderr::kCapture);
    if (!process) return -1;
    std::optional<int> code = process->WaitForExit(std::chrono::seconds(120));
    *output = process->Output();
    return code.value_or(-1);
  }

  std::string Export(const std::string& format) {
    std::vector<std::string> argv = {HitcounterBinary(), "stats", "--store", store_};
    for (const std::string& flag : StoreFlags()) argv.push_back(flag);
    argv.insert(argv.end(), {"--prefix", Route("/"), "--sort", "route", "--limit", "1000", format});
    std::string output;
    EXPECT_EQ(RunToExit(argv, &output), 0);
    return output;
  }
};

// Export, delete, import, export again: the same bytes, firstSeen and lastAccess included; a
// second replacing import changes nothing; an adding one doubles the counts.
TEST_F(ImportCommandTest, WhatStatsExportsImportsBackExactly) {
  for (const char* suffix : {"/a", "/a", "/b%2Cc", "/q%22x", "/caf%C3%A9"}) {
    ASSERT_EQ(client_->Get(Route(suffix)).status, 200);
  }
  server_.reset();  // a SQLite file has one writer
  for (const std::string format : {"--json", "--csv"}) {
    const std::string exported = Export(format);
    const std::string file = dir_.path() + "/export." + format.substr(2);
    {
      std::ofstream out(file, std::ios::binary);
      out << exported;
    }
    std::string output;
    ASSERT_EQ(Run("reset", {"--prefix", Route("/")}, &output), 0) << output;
    ASSERT_EQ(Run("import", {file}, &output), 0) << output;
    EXPECT_NE(output.find("imported 4 records: 4 routes created, 0 updated"), std::string::npos)
        << output;
    EXPECT_EQ(Export(format), exported) << format;
    ASSERT_EQ(Run("import", {file, "--mode", "replace"}, &output), 0) << output;
    EXPECT_EQ(Export(format), exported) << "a second replacing import changes nothing";
  }
  std::string output;
  ASSERT_EQ(Run("import", {dir_.path() + "/export.json", "--mode", "add"}, &output), 0) << output;
  RestartGuarded();
  EXPECT_EQ(GuardedCountOf(Route("/a")), 4);
}

TEST_F(ImportCommandTest, AMalformedFileImportsNothingAndNamesItsLine) {
  server_.reset();
  const std::string file = dir_.path() + "/bad.csv";
  {
    std::ofstream out(file, std::ios::binary);
    out << "route,count,firstSeen,lastAccess\r\n"
        << Route("/ok") << ",1,2026-11-26T14:05:07.123Z,2026-11-26T14:05:07.123Z\r\n"
        << Route("/bad") << ",1,yesterday,2026-11-26T14:05:07.123Z\r\n";
  }
  std::string output;
  EXPECT_EQ(Run("import", {file}, &output), 1);
  EXPECT_NE(output.find("line 3: firstSeen"), std::string::npos) << output;
  EXPECT_NE(output.find("nothing was imported"), std::string::npos) << output;
  RestartGuarded();
  EXPECT_EQ(GuardedCountOf(Route("/ok")), 0);
}

TEST_F(ImportCommandTest, NewRoutesPastMaxRoutesAreRefused) {
  server_.reset();
  const std::string file = dir_.path() + "/two.csv";
  {
    std::ofstream out(file, std::ios::binary);
    out << "route,count,firstSeen,lastAccess\r\n";
    for (const char* suffix : {"/x", "/y"}) {
      out << Route(suffix) << ",1,2026-11-26T14:05:07.123Z,2026-11-26T14:05:07.123Z\r\n";
    }
  }
  std::string output;
  EXPECT_EQ(Run("import", {file, "--max-routes", "1"}, &output), 1);
  EXPECT_NE(output.find("routes"), std::string::npos) << output;
}

}  // namespace
}  // namespace hitcounter::testing

// Starting, configuring and stopping the binary.
#include <signal.h>

#include <atomic>
#include <thread>

#include "tests/blackbox/fixture.h"

namespace hitcounter::testing {
namespace {

TEST(Lifecycle, VersionAndHelpAnswerAndExitZero) {
  std::string output;
  EXPECT_EQ(RunToExit({HitcounterBinary(), "--version"}, &output), 0);
  EXPECT_EQ(output.rfind("hitcounter ", 0), 0u) << output;
  EXPECT_EQ(RunToExit({HitcounterBinary(), "--help"}, &output), 0);
  EXPECT_NE(output.find("serve"), std::string::npos);
  EXPECT_EQ(RunToExit({HitcounterBinary(), "serve", "--help"}, &output), 0);
  EXPECT_NE(output.find("HITCOUNTER_STORE"), std::string::npos);
}

TEST(Lifecycle, AnUnknownStoreOrBadAddressExitsNonZero) {
  EXPECT_NE(RunToExit({HitcounterBinary(), "serve", "--store", "mongo:x"}), 0);
  EXPECT_NE(RunToExit({HitcounterBinary(), "serve", "--listen", "nowhere"}), 0);
  EXPECT_NE(RunToExit({HitcounterBinary(), "serve", "--listen", "127.0.0.1:99999"}), 0);
}

TEST(Lifecycle, FlagsHaveEnvironmentEquivalents) {
  TempDir dir;
  std::unique_ptr<ChildProcess> process = ChildProcess::Start(
      {HitcounterBinary(), "serve"},
      {"HITCOUNTER_LISTEN=127.0.0.1:0", "HITCOUNTER_STORE=sqlite:" + dir.path() + "/env.db",
       "HITCOUNTER_RESERVED_PREFIX=/.hc/"});
  ASSERT_TRUE(process);
  std::optional<std::string> line = process->WaitForLine("listening on", std::chrono::seconds(30));
  ASSERT_TRUE(line);
  EXPECT_NE(line->find("env.db"), std::string::npos);
  const std::string marker = "http://127.0.0.1:";
  int port = std::atoi(line->c_str() + line->find(marker) + marker.size());
  HttpClient client("127.0.0.1", port);
  EXPECT_EQ(client.Get("/_stats").status, 200);  // counted: /_ is not reserved any more
  EXPECT_EQ(client.Get("/.hc/stats?route=/_stats").status, 200);
}

TEST(Lifecycle, SigtermFinishesInFlightHitsAndExitsZero) {
  TempDir dir;
  const std::string store = "sqlite:" + dir.path() + "/term.db";
  auto server = std::make_unique<ServerProcess>(store);
  ASSERT_NE(server->port(), 0);
  std::atomic<std::int64_t> acknowledged{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      HttpClient client("127.0.0.1", server->port());
      while (!stop && client.Get("/t").status == 200) ++acknowledged;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  server->process().Signal(SIGTERM);
  EXPECT_EQ(server->process().WaitForExit(std::chrono::seconds(20)), 0);
  stop = true;
  for (std::thread& client : clients) client.join();

  ServerProcess again(store);
  ASSERT_NE(again.port(), 0);
  HttpClient client("127.0.0.1", again.port());
  rapidjson::Document doc;
  doc.Parse(client.Get("/_stats?route=/t").body.c_str());
  EXPECT_GT(acknowledged.load(), 0);
  EXPECT_GE(doc["count"].GetInt64(), acknowledged.load());
}

TEST(Lifecycle, AccessLogWritesOneJsonLinePerRequest) {
  TempDir dir;
  ServerProcess server("sqlite:" + dir.path() + "/log.db", {"--access-log"});
  ASSERT_NE(server.port(), 0);
  HttpClient client("127.0.0.1", server.port());
  client.Get("/logged?secret=1");
  std::optional<std::string> line =
      server.process().WaitForLine("\"route\":\"/logged", std::chrono::seconds(10));
  ASSERT_TRUE(line);
  rapidjson::Document doc;
  doc.Parse(line->c_str());
  ASSERT_FALSE(doc.HasParseError()) << *line;
  EXPECT_EQ(doc["status"].GetInt(), 200);
  EXPECT_STREQ(doc["method"].GetString(), "GET");
  EXPECT_EQ(line->find("secret"), std::string::npos) << "the query string was logged";
}

}  // namespace
}  // namespace hitcounter::testing

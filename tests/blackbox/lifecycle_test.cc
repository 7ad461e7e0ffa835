// Starting, configuring and stopping the binary.
#include <signal.h>

#include <atomic>
#include <thread>

#include "tests/blackbox/fixture.h"
#include "tests/support/small_filesystem.h"

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

// `serve ARGS...` with stderr read: its exit code, and what it said.
int ServeToExit(const std::vector<std::string>& args, std::string* said) {
  std::vector<std::string> argv = {"/bin/sh",          "-c",    "exec \"$0\" \"$@\" 2>&1",
                                   HitcounterBinary(), "serve", "--listen",
                                   "127.0.0.1:0"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunToExit(argv, said);
}

// Regression: "/" was accepted (and then nothing counted), "/admin" put the endpoints at
// /adminstats and took /administrator too.
TEST(Lifecycle, AReservedPrefixThatIsNotWholeSegmentsStopsTheServerWithTheFix) {
  TempDir dir;
  const std::string store = "sqlite:" + dir.path() + "/p.db";
  for (auto [prefix, fix] :
       {std::pair{"/", "/admin/"}, std::pair{"/admin", "/admin/"}, std::pair{"/a//b/", "/a/b/"}}) {
    std::string said;
    EXPECT_NE(ServeToExit({"--store", store, "--reserved-prefix", prefix}, &said), 0) << prefix;
    EXPECT_NE(said.find(std::string("use ") + fix), std::string::npos) << said;
  }
}

// Regressions: a read-only file was accepted and then every hit was 503; another program's
// database got hitcounter's tables added; :memory: failed with "no such table"; a damaged file
// was served while health said 200.
TEST(Lifecycle, AnUnusableDatabaseStopsTheServerAtStartSayingWhy) {
  TempDir dir;
  const std::string theirs = dir.path() + "/theirs.db";
  ASSERT_EQ(RunToExit({"sqlite3", theirs, "CREATE TABLE invoices (id INTEGER PRIMARY KEY)"}), 0);
  const std::string damaged = dir.path() + "/damaged.db";
  {
    ServerProcess server("sqlite:" + damaged);
    ASSERT_NE(server.port(), 0);
    HttpClient client("127.0.0.1", server.port());
    for (int i = 0; i < 300; ++i) ASSERT_EQ(client.Get("/r/" + std::to_string(i)).status, 200);
    server.process().Signal(SIGTERM);
    ASSERT_EQ(server.process().WaitForExit(std::chrono::seconds(30)), 0);
  }
  ASSERT_EQ(RunToExit({"sh", "-c",
                       "dd if=/dev/urandom of=" + damaged +
                           " bs=4096 seek=2 count=8 conv=notrunc 2>/dev/null"}),
            0);
  for (auto [spec, why] : {std::pair{"sqlite:" + theirs, std::string("another program")},
                           std::pair{std::string("sqlite::memory:"), std::string("file path")},
                           std::pair{"sqlite:" + damaged, std::string("damaged")}}) {
    std::string said;
    EXPECT_EQ(ServeToExit({"--store", spec}, &said), 1) << spec;
    EXPECT_NE(said.find(why), std::string::npos) << said;
  }
  EXPECT_EQ(RunToExit({"sqlite3", theirs, "PRAGMA user_version"}), 0);

  SmallFilesystem disk(dir.path() + "/ro", 2);
  if (!disk.mounted()) GTEST_SKIP() << disk.error();
  const std::string read_only = disk.dir() + "/counts.db";
  {
    ServerProcess server("sqlite:" + read_only);
    ASSERT_NE(server.port(), 0);
    server.process().Signal(SIGTERM);
    ASSERT_EQ(server.process().WaitForExit(std::chrono::seconds(30)), 0);
  }
  ASSERT_TRUE(disk.SetReadOnly(true));
  std::string said;
  EXPECT_EQ(ServeToExit({"--store", "sqlite:" + read_only}, &said), 1);
  EXPECT_NE(said.find("read-only"), std::string::npos) << said;
  ASSERT_TRUE(disk.SetReadOnly(false));
}

}  // namespace
}  // namespace hitcounter::testing

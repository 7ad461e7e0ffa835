// Starting, configuring and stopping the binary.
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
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

// Regression: both answered "A subcommand is required" and exited 106.
TEST(Lifecycle, HelpAndVersionAreSubcommandsToo) {
  std::string output;
  EXPECT_EQ(RunToExit({HitcounterBinary(), "version"}, &output), 0);
  EXPECT_EQ(output, std::string("hitcounter ") + HITCOUNTER_TEST_VERSION + "\n");
  EXPECT_EQ(RunToExit({HitcounterBinary(), "help"}, &output), 0);
  EXPECT_NE(output.find("Subcommands:"), std::string::npos) << output;
  EXPECT_EQ(RunToExit({HitcounterBinary(), "help", "serve"}, &output), 0);
  EXPECT_NE(output.find("HITCOUNTER_LISTEN"), std::string::npos) << output;
  EXPECT_NE(RunToExit({HitcounterBinary(), "help", "nothing"}, &output), 0);
  for (const char* subcommand : {"help", "version"}) {
    EXPECT_EQ(RunToExit({HitcounterBinary(), subcommand, "--help"}, &output), 0) << "man page";
  }
}

// Regression: without flags it said `unknown store "sqlite:./hitcounter.db"`, and its help
// showed that SQLite default for a DynamoDB-only command.
TEST(Lifecycle, CreateTableAsksForATableAndHasNoSqliteDefault) {
  std::string output;
  EXPECT_EQ(RunToExit({HitcounterBinary(), "create-table", "--help"}, &output), 0);
  EXPECT_EQ(output.find("sqlite:./"), std::string::npos) << output;
  EXPECT_NE(output.find("dynamodb:TABLE"), std::string::npos) << output;
  std::vector<std::string> argv = {"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", HitcounterBinary(),
                                   "create-table"};
  EXPECT_NE(RunToExit(argv, &output), 0);
  EXPECT_NE(output.find("--store is required"), std::string::npos) << output;
  EXPECT_EQ(output.find("unknown store"), std::string::npos) << output;
  argv.insert(argv.end(), {"--store", "sqlite:x.db"});
  EXPECT_NE(RunToExit(argv, &output), 0);
  EXPECT_NE(output.find("create-table makes DynamoDB tables"), std::string::npos) << output;
}

// Regression: --region and --endpoint-url lacked the "(Env: ...)" note the other flags have.
TEST(Lifecycle, EveryStoreFlagNamesItsEnvironmentVariable) {
  for (const char* subcommand : {"serve", "stats", "create-table"}) {
    std::string output;
    EXPECT_EQ(RunToExit({HitcounterBinary(), subcommand, "--help"}, &output), 0);
    for (const char* variable :
         {"(Env:HITCOUNTER_STORE)", "(Env:AWS_REGION)", "(Env:AWS_ENDPOINT_URL_DYNAMODB)"}) {
      EXPECT_NE(output.find(variable), std::string::npos) << subcommand << " " << variable;
    }
  }
}

TEST(Lifecycle, AnUnknownStoreOrBadAddressExitsNonZero) {
  EXPECT_NE(RunToExit({HitcounterBinary(), "serve", "--store", "mongo:x"}), 0);
  EXPECT_NE(RunToExit({HitcounterBinary(), "serve", "--listen", "nowhere"}), 0);
  EXPECT_NE(RunToExit({HitcounterBinary(), "serve", "--listen", "127.0.0.1:99999"}), 0);
}

// The start line's URL and port, read as scripts read them.
std::optional<std::string> StartLine(ChildProcess& process) {
  return process.WaitForLine("listening on", std::chrono::seconds(30));
}

int PortAfter(const std::string& line, const std::string& marker) {
  const std::size_t at = line.find(marker);
  return at == std::string::npos ? 0 : std::atoi(line.c_str() + at + marker.size());
}

// Regression: --listen localhost:8080 said "not an IP address: localhost", and --listen :8080
// "not an IP address: ".
TEST(Lifecycle, ListenTakesAHostNameAndAPortAlone) {
  TempDir dir;
  auto named = ChildProcess::Start({HitcounterBinary(), "serve", "--listen", "localhost:0",
                                    "--store", "sqlite:" + dir.path() + "/named.db"});
  ASSERT_TRUE(named);
  std::optional<std::string> line = StartLine(*named);
  ASSERT_TRUE(line) << named->Output();
  EXPECT_NE(line->find(" (localhost) "), std::string::npos) << *line;
  const bool v4 = line->find("listening on http://127.0.0.1:") != std::string::npos;
  EXPECT_TRUE(v4 || line->find("listening on http://[::1]:") != std::string::npos) << *line;
  if (v4) {
    HttpClient client("127.0.0.1", PortAfter(*line, "http://127.0.0.1:"));
    EXPECT_EQ(client.Get("/named").status, 200);
  }

  // :PORT is every interface. Tests listen on 127.0.0.1 only (but see
  // APortAloneAnswersOnIpv4AndIpv6Loopback): on a port held there, the attempt shows where it
  // went, [::] (dual-stack) or 0.0.0.0 on a machine without IPv6.
  ServerProcess holder("sqlite:" + dir.path() + "/holder.db");
  ASSERT_NE(holder.port(), 0);
  const std::string port = std::to_string(holder.port());
  std::string said;
  EXPECT_NE(RunToExit({"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", HitcounterBinary(), "serve",
                       "--listen", ":" + port, "--store", "sqlite:" + dir.path() + "/any.db"},
                      &said),
            0);
  EXPECT_TRUE(said.find("cannot listen on [::]:" + port + ": ") != std::string::npos ||
              said.find("cannot listen on 0.0.0.0:" + port + ": ") != std::string::npos)
      << said;
}

// Moves the calling thread (only it: network namespaces are per thread) into a network
// namespace of its own whose one interface is its loopback, up. What it starts from then on
// (posix_spawn inherits the thread's namespace) may listen on every interface and still be
// reachable from nowhere but that thread. Returns why it could not, or "".
std::string EnterPrivateNetwork() {
  if (unshare(CLONE_NEWNET) != 0) {
    return std::string("no private network namespace for this test (") + std::strerror(errno) +
           "; it needs CAP_SYS_ADMIN): it would have to listen on this machine's interfaces";
  }
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq loopback{};
  std::strncpy(loopback.ifr_name, "lo", IFNAMSIZ - 1);
  bool up = fd >= 0 && ioctl(fd, SIOCGIFFLAGS, &loopback) == 0;
  loopback.ifr_flags = static_cast<short>(loopback.ifr_flags | IFF_UP);
  up = up && ioctl(fd, SIOCSIFFLAGS, &loopback) == 0;
  const int error = errno;
  if (fd >= 0) close(fd);
  return up ? "" : std::string("cannot bring up the loopback: ") + std::strerror(error);
}

// Whether ::1 can be bound here (IPv6 enabled, with a loopback address).
bool HasIpv6Loopback() {
  const int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_addr = in6addr_loopback;
  const bool bound = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return bound;
}

// Issue 18: --listen :PORT listened on IPv4 only. Now one dual-stack socket answers both, run in
// a private network namespace so that "every interface" is its loopback alone.
TEST(Lifecycle, APortAloneAnswersOnIpv4AndIpv6Loopback) {
  TempDir dir;
  std::string skip;
  std::thread private_network([&] {
    skip = EnterPrivateNetwork();
    if (!skip.empty()) return;
    if (!HasIpv6Loopback()) {
      skip = "this machine has no IPv6 loopback (::1): only IPv4 can be tried";
      return;
    }
    auto server = ChildProcess::Start({HitcounterBinary(), "serve", "--listen", ":0", "--store",
                                       "sqlite:" + dir.path() + "/dual.db"});
    ASSERT_TRUE(server);
    std::optional<std::string> line = StartLine(*server);
    ASSERT_TRUE(line) << server->Output();
    EXPECT_NE(line->find("listening on http://[::]:"), std::string::npos) << *line;
    EXPECT_NE(line->find(" (every interface, IPv4 and IPv6) "), std::string::npos) << *line;
    const int port = PortAfter(*line, "http://[::]:");
    ASSERT_NE(port, 0) << *line;
    HttpClient v4("127.0.0.1", port);
    EXPECT_EQ(v4.Get("/over-ipv4").status, 200);
    HttpClient v6("::1", port);
    EXPECT_EQ(v6.Get("/over-ipv6").status, 200);
    HttpReply stats = v6.Get("/_stats?totals=true");
    EXPECT_NE(stats.body.find("\"hits\":2"), std::string::npos) << stats.body;
  });
  private_network.join();
  if (!skip.empty()) GTEST_SKIP() << skip;
}

// Regression: the start line named the listen URL only.
TEST(Lifecycle, TheStartLineNamesTheDashboardStatsAndWhetherATokenGuardsThem) {
  TempDir dir;
  const std::string store = "sqlite:" + dir.path() + "/banner.db";
  auto open = ChildProcess::Start({HitcounterBinary(), "serve", "--listen", "127.0.0.1:0",
                                   "--store", store, "--reserved-prefix", "/admin/"});
  ASSERT_TRUE(open);
  std::optional<std::string> line = StartLine(*open);
  ASSERT_TRUE(line) << open->Output();
  const std::string url =
      "http://127.0.0.1:" + std::to_string(PortAfter(*line, "http://127.0.0.1:"));
  EXPECT_NE(line->find("dashboard " + url + "/admin/dashboard"), std::string::npos) << *line;
  EXPECT_NE(line->find("stats " + url + "/admin/stats"), std::string::npos) << *line;
  EXPECT_NE(line->find("no admin token"), std::string::npos) << *line;
  open.reset();

  auto guarded = ChildProcess::Start(
      {HitcounterBinary(), "serve", "--listen", "127.0.0.1:0", "--store", store},
      {"HITCOUNTER_ADMIN_TOKEN=banner-secret"});
  ASSERT_TRUE(guarded);
  line = StartLine(*guarded);
  ASSERT_TRUE(line) << guarded->Output();
  EXPECT_NE(line->find("admin token set"), std::string::npos) << *line;
  EXPECT_EQ(line->find("banner-secret"), std::string::npos) << "the token is never printed";
}

// Regression: a serve that could not listen (port in use) left a new, empty database behind.
TEST(Lifecycle, AServeThatCannotListenLeavesNoDatabaseItCreated) {
  TempDir dir;
  ServerProcess holder("sqlite:" + dir.path() + "/holder.db");
  ASSERT_NE(holder.port(), 0);
  const std::string listen = "127.0.0.1:" + std::to_string(holder.port());
  const std::string fresh = dir.path() + "/fresh.db";
  std::string said;
  EXPECT_NE(RunToExit({"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", HitcounterBinary(), "serve",
                       "--listen", listen, "--store", "sqlite:" + fresh},
                      &said),
            0);
  EXPECT_NE(said.find("cannot listen"), std::string::npos) << said;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    EXPECT_FALSE(std::filesystem::exists(fresh + suffix)) << fresh << suffix;
  }
  // A database that was there before stays, whatever happens.
  const std::string kept = dir.path() + "/kept.db";
  {
    ServerProcess once("sqlite:" + kept);
    ASSERT_NE(once.port(), 0);
  }
  EXPECT_NE(
      RunToExit({HitcounterBinary(), "serve", "--listen", listen, "--store", "sqlite:" + kept}), 0);
  EXPECT_TRUE(std::filesystem::exists(kept));
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

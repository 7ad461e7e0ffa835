// A full disk: the SQLite file on a small tmpfs, the rest of it taken by a filler file.
//
// While the disk is full every hit is either counted (200, when SQLite still has room in the WAL
// it already holds) or refused with a JSON 507 (or 503) that says why, and nothing refused is
// counted; the server neither crashes nor wedges; /_health answers 507 for as long as a commit
// cannot be made, and 200 again as soon as one can (no hit needed first: a load balancer that
// took the server out of rotation sends none). Once the filler is deleted, counting continues
// from exactly the acknowledged hits, and the file passes PRAGMA integrity_check.
//
// Mounting needs root (or CAP_SYS_ADMIN): without it the tests are skipped, saying so.
#include <sys/stat.h>

#include <cstdio>
#include <map>

#include <thread>

#include "tests/blackbox/fixture.h"
#include "tests/blackbox/sqlite_file.h"
#include "tests/support/small_filesystem.h"

namespace hitcounter::testing {
namespace {

// A SQLite page is 4 KiB and a WAL frame one page and 24 bytes; a WAL is checkpointed (copied
// into the database and started again from its beginning) once it holds 1000 frames, ~4 MiB.
constexpr std::int64_t kWalCheckpointBytes = 1000 * (4096 + 24);

// Hits sent while the disk is full; the test stops early after kErrorsEnough refusals.
constexpr int kMaxHitsWhileFull = 2'000;
constexpr int kErrorsEnough = 20;

std::int64_t FileSize(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 ? static_cast<std::int64_t>(info.st_size) : -1;
}

class DiskFullTest : public BlackBoxTest {
 protected:
  // A tmpfs of `megabytes` MiB in the test's directory, and the server on a file in it.
  void MountAndServe(int megabytes) {
    if (External()) GTEST_SKIP() << "needs to fill the server's disk";
    if (StoreUnderTest() != StoreKind::kSqlite) GTEST_SKIP() << "fills the SQLite file's disk";
    disk_ = std::make_unique<SmallFilesystem>(dir_.path() + "/small", megabytes);
    if (!disk_->mounted()) GTEST_SKIP() << disk_->error();
    server_ = std::make_unique<ServerProcess>("sqlite:" + DatabasePath(), ServerArgs());
    port_ = server_->port();
    ASSERT_NE(port_, 0) << "the server did not start on the tmpfs";
    client_ = std::make_unique<HttpClient>(host_, port_);
  }

  void TearDown() override {
    server_.reset();  // kills it: nothing may hold the filesystem open when it is unmounted
    disk_.reset();
  }

  std::string DatabasePath() { return disk_->dir() + "/hits.db"; }

  void FillTheDisk() {
    const std::int64_t filled = disk_->FillUp();
    ASSERT_GE(filled, 0) << "cannot make the filler file";
    std::printf("disk full: the filler took the last %lld bytes\n", static_cast<long long>(filled));
  }

  void FreeTheDisk() { ASSERT_TRUE(disk_->Free()); }

  // A refusal while the disk is full: 507 (or 503 for an I/O error SQLite does not call "full")
  // with a JSON error and a reason. Counts it by status.
  void ExpectRefusal(const HttpReply& reply) {
    ++refusals_[reply.status];
    EXPECT_TRUE(reply.status == 507 || reply.status == 503) << reply.status << " " << reply.body;
    auto type = reply.headers.find("content-type");
    EXPECT_TRUE(type != reply.headers.end() && type->second == "application/json");
    rapidjson::Document doc = Json(reply);
    ASSERT_TRUE(doc.IsObject() && doc.HasMember("error") && doc.HasMember("message"));
    EXPECT_STREQ(doc["error"].GetString(),
                 reply.status == 507 ? "insufficient_storage" : "store_unavailable");
    EXPECT_GT(doc["message"].GetStringLength(), 0u);
  }

  int Refusals() const {
    int total = 0;
    for (const auto& [status, count] : refusals_) total += count;
    return total;
  }

  std::string RefusalSummary() const {
    std::string text;
    for (const auto& [status, count] : refusals_) {
      text += std::to_string(count) + " x " + std::to_string(status) + " ";
    }
    return text.empty() ? "none" : text;
  }

  bool ServerIsRunning() { return !server_->process().WaitForExit(std::chrono::milliseconds(0)); }

  std::unique_ptr<SmallFilesystem> disk_;
  std::map<int, int> refusals_;
};

TEST_F(DiskFullTest, AFullDiskIs507AndCountingContinuesFromTheAcknowledgedHitsOnceSpaceIsFreed) {
  ASSERT_NO_FATAL_FAILURE(MountAndServe(4));
  if (IsSkipped()) return;
  const std::string route = Route("/a");
  std::int64_t acknowledged = 0;
  for (int i = 0; i < 5; ++i) {
    HttpReply reply = client_->Get(route);
    ASSERT_EQ(reply.status, 200) << reply.body;
    acknowledged = Json(reply)["count"].GetInt64();
  }

  ASSERT_NO_FATAL_FAILURE(FillTheDisk());
  int counted_while_full = 0;
  for (int i = 0; i < kMaxHitsWhileFull && Refusals() < kErrorsEnough; ++i) {
    HttpReply reply = client_->Get(route);
    if (reply.status == 200) {  // room left in the WAL: counted, and must stay counted
      ASSERT_EQ(Json(reply)["count"].GetInt64(), acknowledged + 1);
      ++acknowledged;
      ++counted_while_full;
      continue;
    }
    ASSERT_NO_FATAL_FAILURE(ExpectRefusal(reply));
  }
  std::printf("disk full: %d hits counted, refusals: %s\n", counted_while_full,
              RefusalSummary().c_str());
  EXPECT_GE(refusals_[507], 1) << "the disk never looked full to the server";
  ASSERT_TRUE(ServerIsRunning());

  // Reads still work; health says what is wrong.
  EXPECT_EQ(CountOf(route), acknowledged);
  HttpReply sick = client_->Get("/_health");
  EXPECT_EQ(sick.status, 507) << sick.body;
  EXPECT_EQ(SqliteFile(DatabasePath()).IntegrityCheck(), "ok");

  ASSERT_NO_FATAL_FAILURE(FreeTheDisk());
  // As a load balancer sees it, polling: the server probes the disk on its own, no hit needed.
  HttpReply healthy = client_->Get("/_health");
  for (int i = 0; i < 100 && healthy.status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    healthy = client_->Get("/_health");
  }
  EXPECT_EQ(healthy.status, 200) << "health must recover without a hit: " << healthy.body;
  for (int i = 1; i <= 5; ++i) {
    HttpReply reply = client_->Get(route);
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(Json(reply)["count"].GetInt64(), acknowledged + i);
  }
  EXPECT_EQ(CountOf(route), acknowledged + 5);
  EXPECT_EQ(SqliteFile(DatabasePath()).IntegrityCheck(), "ok");
}

// On a full disk the WAL still has the room of its previous cycle (~1000 frames), so hits keep
// committing into it; each hit here is a new route, and so adds pages to the database. The
// commits that reach the WAL's checkpoint size start a checkpoint, which cannot grow the database
// file and fails; the WAL cannot start over and, once its room is used up, hits are refused.
// Every hit answered 200 must be in the file, and no refused one; the database file grows only
// once space is freed (the first checkpoint that succeeds).
TEST_F(DiskFullTest, HitsCountedIntoTheWalsRoomOnAFullDiskAreKeptAndRefusedOnesAreNot) {
  ASSERT_NO_FATAL_FAILURE(MountAndServe(8));
  if (IsSkipped()) return;
  const std::string wal = DatabasePath() + "-wal";
  // Past the first checkpoint, then until the WAL file stops growing: a new WAL cycle has just
  // begun in the space the previous one left.
  int hits = 0;
  auto hit = [&](const std::string& route) { return client_->Get(route); };
  for (int unchanged = 0; FileSize(wal) < kWalCheckpointBytes || unchanged < 30; ++hits) {
    ASSERT_LT(hits, 10'000) << "the WAL never started over";
    const std::int64_t before = FileSize(wal);
    ASSERT_EQ(hit(Route("/c" + std::to_string(hits))).status, 200);
    unchanged = FileSize(wal) == before ? unchanged + 1 : 0;
  }
  std::printf("disk full: %d new routes before the filler, WAL %lld bytes\n", hits,
              static_cast<long long>(FileSize(wal)));

  const std::int64_t database_before = FileSize(DatabasePath());
  ASSERT_NO_FATAL_FAILURE(FillTheDisk());
  std::vector<std::string> counted, refused;
  for (int i = 0; i < kMaxHitsWhileFull && static_cast<int>(refused.size()) < kErrorsEnough; ++i) {
    const std::string route = Route("/d" + std::to_string(i));
    HttpReply reply = hit(route);
    if (reply.status == 200) {
      EXPECT_EQ(Json(reply)["count"].GetInt64(), 1);
      counted.push_back(route);
    } else {
      ASSERT_NO_FATAL_FAILURE(ExpectRefusal(reply));
      refused.push_back(route);
    }
  }
  std::printf("disk full: %zu new routes counted in the WAL's room, then refusals: %s\n",
              counted.size(), RefusalSummary().c_str());
  // Each hit here commits alone (its journal row, then its share of a fold): ~1000 frames of
  // room hold about a hundred of them, fewer when folds land between them (96 under TSan).
  EXPECT_GE(counted.size(), 50u) << "the WAL's room was not used";
  EXPECT_EQ(refused.size(), static_cast<std::size_t>(kErrorsEnough)) << "never refused";
  ASSERT_TRUE(ServerIsRunning());
  // Health probes with a commit of one page, which may still fit where a hit's two or three
  // did not: 507, or 200 if it fit (store/sqlite_store.h, CheckHealth).
  const HttpReply health = client_->Get("/_health");
  EXPECT_TRUE(health.status == 507 || health.status == 200) << health.status << health.body;
  std::printf("disk full: /_health after the refusals: %d\n", health.status);

  EXPECT_EQ(FileSize(DatabasePath()), database_before) << "a checkpoint grew it on a full disk";

  ASSERT_NO_FATAL_FAILURE(FreeTheDisk());
  for (int i = 0; i < 50; ++i) ASSERT_EQ(hit(Route("/e" + std::to_string(i))).status, 200);
  EXPECT_GT(FileSize(DatabasePath()), database_before) << "no checkpoint once space was free";
  EXPECT_EQ(client_->Get("/_health").status, 200);
  SqliteFile file(DatabasePath());
  EXPECT_EQ(file.IntegrityCheck(), "ok");
  for (const std::string& route : counted) EXPECT_EQ(file.CountOf(route), 1) << route;
  for (const std::string& route : refused) EXPECT_EQ(file.CountOf(route), 0) << route;
}

}  // namespace
}  // namespace hitcounter::testing

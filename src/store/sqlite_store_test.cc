#include "store/sqlite_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <limits>
#include <vector>

#include "store/sqlite_schema.h"
#include "tests/store_contract.h"
#include "tests/support/small_filesystem.h"
#include "tests/support/temp_dir.h"

namespace hitcounter {
namespace {

using testing::IncrementAndWait;
using testing::StoreContractTest;
using testing::StoreFactory;
using testing::TempDir;

TempDir& SharedTempDir() {
  static TempDir dir;
  return dir;
}

std::unique_ptr<Store> FreshSqliteStore(std::int64_t max_routes) {
  static int serial = 0;
  std::string path = SharedTempDir().path() + "/contract-" + std::to_string(++serial) + ".db";
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path, nullptr, max_routes);
  EXPECT_TRUE(store.ok()) << store.status().message();
  return store.ok() ? std::move(store).value() : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
                         ::testing::Values(StoreFactory{"sqlite", FreshSqliteStore}));

constexpr UnixMillis kT0 = 1'795'701'907'123;

void ExecOrFail(sqlite3* db, const char* sql) {
  char* error = nullptr;
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &error), SQLITE_OK) << error;
}

// Rows of rate_windows, read straight from the file.
std::vector<std::string> WindowRoutes(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::vector<std::string> routes;
  sqlite3_exec(
      db, "SELECT route FROM rate_windows ORDER BY route",
      [](void* out, int, char** values, char**) {
        static_cast<std::vector<std::string>*>(out)->push_back(values[0]);
        return 0;
      },
      &routes, nullptr);
  sqlite3_close(db);
  return routes;
}

TEST(SqliteStore, EndedRateLimitWindowsAreDeleted) {
  TempDir dir;
  std::string path = dir.path() + "/windows.db";
  auto store = std::move(SqliteStore::Open(path)).value();
  const RateLimit per_second{1, 1};
  ASSERT_TRUE(testing::IncrementWithin(*store, "/a", kT0, per_second).ok());
  EXPECT_EQ(WindowRoutes(path), std::vector<std::string>{"/a"});
  ASSERT_TRUE(
      testing::IncrementWithin(*store, "/b", kT0 + kRateWindowSweepMillis, per_second).ok());
  EXPECT_EQ(WindowRoutes(path), std::vector<std::string>{"/b"});  // /a's window ended long ago
  EXPECT_EQ(store->Get("/a")->count, 1);                          // its count stays
}

TEST(SqliteStore, CountsSurviveClosingAndReopening) {
  TempDir dir;
  std::string path = dir.path() + "/counts.db";
  {
    auto store = std::move(SqliteStore::Open(path)).value();
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(IncrementAndWait(*store, "/a", kT0).ok());
  }
  auto store = std::move(SqliteStore::Open(path)).value();
  EXPECT_EQ(store->Get("/a")->count, 5);
}

TEST(SqliteStore, OpensADatabaseWrittenBySchemaVersionOne) {
  TempDir dir;
  std::string path = dir.path() + "/v1.db";
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ExecOrFail(db,
               "CREATE TABLE counters (route TEXT PRIMARY KEY NOT NULL, count INTEGER NOT NULL,"
               " first_seen INTEGER NOT NULL, last_access INTEGER NOT NULL) WITHOUT ROWID;"
               "INSERT INTO counters VALUES ('/old', 41, 1, 2);"
               "PRAGMA user_version = 1;");
    sqlite3_close(db);
  }
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().message();
  Result<RouteStats> stats = IncrementAndWait(**store, "/old", kT0);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(*stats, (RouteStats{"/old", 42, 1, kT0}));
  EXPECT_EQ((*store)->List(StatsQuery{})->routes.size(), 1u);
}

TEST(SqliteStore, TheRouteBoundCountsTheRoutesOfAnOlderDatabase) {
  TempDir dir;
  std::string path = dir.path() + "/v3.db";
  {
    auto store = std::move(SqliteStore::Open(path)).value();
    ASSERT_TRUE(IncrementAndWait(*store, "/a", kT0).ok());
    ASSERT_TRUE(IncrementAndWait(*store, "/b", kT0).ok());
  }
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ExecOrFail(db,
               "DROP TRIGGER counters_insert_adds_a_route; DROP TRIGGER "
               "counters_delete_removes_a_route; DROP TABLE route_total; PRAGMA user_version = 3;");
    sqlite3_close(db);
  }
  auto store = std::move(SqliteStore::Open(path, nullptr, /*max_routes=*/3)).value();
  EXPECT_TRUE(IncrementAndWait(*store, "/c", kT0).ok());
  EXPECT_EQ(IncrementAndWait(*store, "/d", kT0).status().code(), StatusCode::kRouteLimitReached);
}

TEST(SqliteStore, RoutesDeletedByHandMakeRoomForNewOnes) {
  TempDir dir;
  std::string path = dir.path() + "/hits.db";
  auto store = std::move(SqliteStore::Open(path, nullptr, /*max_routes=*/2)).value();
  ASSERT_TRUE(IncrementAndWait(*store, "/a", kT0).ok());
  ASSERT_TRUE(IncrementAndWait(*store, "/b", kT0).ok());
  ASSERT_EQ(IncrementAndWait(*store, "/c", kT0).status().code(), StatusCode::kRouteLimitReached);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ExecOrFail(db, "DELETE FROM counters WHERE route = '/a'");
  sqlite3_close(db);
  EXPECT_TRUE(IncrementAndWait(*store, "/c", kT0).ok());
}

TEST(SqliteStore, ALimitedHitOnARefusedNewRouteLeavesNoRateWindow) {
  TempDir dir;
  std::string path = dir.path() + "/hits.db";
  {
    auto store = std::move(SqliteStore::Open(path, nullptr, /*max_routes=*/1)).value();
    ASSERT_TRUE(IncrementAndWait(*store, "/a", kT0).ok());
    Result<CountedHit> refused = testing::IncrementWithin(*store, "/b", kT0, RateLimit{5, 60});
    EXPECT_EQ(refused.status().code(), StatusCode::kRouteLimitReached);
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* count = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM rate_windows", -1, &count, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(count), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(count, 0), 0);
  sqlite3_finalize(count);
  sqlite3_close(db);
}

TEST(SqliteStore, RefusesANegativeRouteBound) {
  TempDir dir;
  EXPECT_EQ(SqliteStore::Open(dir.path() + "/x.db", nullptr, -1).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(SqliteStore, RefusesADatabaseFromANewerVersion) {
  TempDir dir;
  std::string path = dir.path() + "/future.db";
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    std::string pragma =
        "PRAGMA user_version = " + std::to_string(sqlite::LatestSchemaVersion() + 1);
    ExecOrFail(db, pragma.c_str());
    sqlite3_close(db);
  }
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("newer"), std::string::npos);
}

TEST(SqliteStore, RefusesAFileThatIsNotADatabase) {
  TempDir dir;
  std::string path = dir.path() + "/not.db";
  FILE* file = std::fopen(path.c_str(), "w");
  std::fputs("this is not an SQLite database, just some text that is long enough.", file);
  std::fclose(file);
  EXPECT_EQ(SqliteStore::Open(path).status().code(), StatusCode::kUnavailable);
}

TEST(SqliteStore, RefusesAPathItCannotCreate) {
  EXPECT_FALSE(SqliteStore::Open("/nonexistent-dir/for/sure/x.db").ok());
}

TEST(SqliteStore, ACountAtItsMaximumIsRefusedAndOtherHitsInTheBatchStillCount) {
  TempDir dir;
  std::string path = dir.path() + "/max.db";
  auto store = std::move(SqliteStore::Open(path)).value();
  ASSERT_TRUE(IncrementAndWait(*store, "/full", kT0).ok());
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ExecOrFail(db, "UPDATE counters SET count = 9223372036854775807 WHERE route = '/full'");
    sqlite3_close(db);
  }
  std::promise<Result<CountedHit>> full, other;
  store->Increment("/full", kT0, std::nullopt,
                   [&](Result<CountedHit> r) { full.set_value(std::move(r)); });
  store->Increment("/other", kT0, std::nullopt,
                   [&](Result<CountedHit> r) { other.set_value(std::move(r)); });
  EXPECT_EQ(full.get_future().get().status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(other.get_future().get()->stats.count, 1);
  EXPECT_EQ(store->Get("/full")->count, std::numeric_limits<std::int64_t>::max());
}

TEST(SqliteStore, HitsAfterCloseAreRefusedNotLost) {
  TempDir dir;
  auto store = std::move(SqliteStore::Open(dir.path() + "/closed.db")).value();
  store->Close();
  EXPECT_EQ(IncrementAndWait(*store, "/a", kT0).status().code(), StatusCode::kUnavailable);
}

TEST(SqliteStore, CloseCommitsEveryQueuedHit) {
  TempDir dir;
  std::string path = dir.path() + "/flush.db";
  std::atomic<int> acknowledged{0};
  {
    auto store = std::move(SqliteStore::Open(path)).value();
    for (int i = 0; i < 3000; ++i) {
      store->Increment("/q", kT0, std::nullopt,
                       [&](Result<CountedHit> r) { acknowledged += r.ok() ? 1 : 0; });
    }
  }
  EXPECT_EQ(acknowledged.load(), 3000);
  auto store = std::move(SqliteStore::Open(path)).value();
  EXPECT_EQ(store->Get("/q")->count, 3000);
}

TEST(SqliteStore, RecordsEachGroupCommitIntoTheMetrics) {
  TempDir dir;
  Metrics metrics;
  {
    auto store = std::move(SqliteStore::Open(dir.path() + "/metrics.db", &metrics)).value();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(IncrementAndWait(*store, "/m", kT0).ok());
  }
  std::string text = metrics.RenderPrometheus();
  EXPECT_NE(text.find("hitcounter_store_commit_batch_hits_sum 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hitcounter_store_commit_duration_seconds_count 3\n"), std::string::npos);
  EXPECT_NE(text.find("hitcounter_store_errors_total 0\n"), std::string::npos);
}

// A full disk refuses hits with kInsufficientSpace and makes CheckHealth fail; once space is
// free, CheckHealth is OK again before any hit comes (a load balancer that took the server out
// of rotation would send none), and counting continues from the last acknowledged count.
TEST(SqliteStore, AFullDiskRefusesHitsAndHealthRecoversWithoutAHitOnceSpaceIsFree) {
  TempDir dir;
  testing::SmallFilesystem disk(dir.path() + "/small", 2);
  if (!disk.mounted()) GTEST_SKIP() << disk.error();
  Metrics metrics;
  {
    auto store = std::move(SqliteStore::Open(disk.dir() + "/full.db", &metrics)).value();
    ASSERT_TRUE(IncrementAndWait(*store, "/f", kT0).ok());
    ASSERT_GT(disk.FillUp(), 0);
    Result<RouteStats> refused = IncrementAndWait(*store, "/f", kT0);
    EXPECT_EQ(refused.status().code(), StatusCode::kInsufficientSpace)
        << refused.status().message();
    EXPECT_EQ(store->CheckHealth().code(), StatusCode::kInsufficientSpace);
    EXPECT_EQ(store->CheckHealth().code(), StatusCode::kInsufficientSpace);  // still full
    EXPECT_EQ(store->Get("/f")->count, 1);

    ASSERT_TRUE(disk.Free());
    Status health = store->CheckHealth();
    EXPECT_TRUE(health.ok()) << health.message();
    Result<RouteStats> counted = IncrementAndWait(*store, "/f", kT0);
    ASSERT_TRUE(counted.ok()) << counted.status().message();
    EXPECT_EQ(counted->count, 2);
  }
  // The health probes are neither hits nor hit failures.
  std::string text = metrics.RenderPrometheus();
  EXPECT_NE(text.find("hitcounter_store_commit_batch_hits_sum 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hitcounter_store_errors_total 1\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace hitcounter

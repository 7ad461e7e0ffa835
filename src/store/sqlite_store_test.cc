#include "store/sqlite_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <limits>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "store/journal.h"
#include "store/sqlite_schema.h"
#include "tests/store_contract.h"
#include "tests/support/small_filesystem.h"
#include "tests/support/temp_dir.h"

namespace hitcounter {
namespace {

using testing::DeleteNow;
using testing::GetNow;
using testing::HealthNow;
using testing::ImportNow;
using testing::IncrementAndWait;
using testing::IncrementWithin;
using testing::ListNow;
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
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path, {.max_routes = max_routes});
  EXPECT_TRUE(store.ok()) << store.status().message();
  return store.ok() ? std::move(store).value() : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
                         ::testing::Values(StoreFactory{"sqlite", FreshSqliteStore}));

constexpr UnixMillis kT0 = 1'795'701'907'123;

std::unique_ptr<SqliteStore> OpenOrDie(const std::string& path, SqliteOptions options = {}) {
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path, options);
  if (!store.ok()) ADD_FAILURE() << store.status().message();
  return store.ok() ? std::move(store).value() : nullptr;
}

// Runs SQL on the file with a connection of its own, as the sqlite3 shell would.
void ExecOrFail(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &error), SQLITE_OK) << error;
  sqlite3_free(error);
  sqlite3_close(db);
}

// The first column of every row `sql` returns, read straight from the file.
std::vector<std::string> Column(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  std::vector<std::string> values;
  sqlite3_exec(
      db, sql,
      [](void* out, int, char** row, char**) {
        static_cast<std::vector<std::string>*>(out)->push_back(row[0] != nullptr ? row[0] : "");
        return 0;
      },
      &values, nullptr);
  sqlite3_close(db);
  return values;
}

// An Executor that runs work on a thread of its own and counts the Posts.
class CountingExecutor final : public Executor {
 public:
  CountingExecutor() : thread_([this] { Run(); }) {}
  ~CountingExecutor() override {
    Post({});
    thread_.join();
  }
  void Post(std::function<void()> work) override {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(work));
      ++posts_;
    }
    ready_.notify_one();
  }
  int posts() {
    std::lock_guard lock(mutex_);
    return posts_;
  }
  bool OnItsThread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  void Run() {
    for (;;) {
      std::function<void()> work;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return !queue_.empty(); });
        work = std::move(queue_.front());
        queue_.erase(queue_.begin());
      }
      if (!work) return;
      work();
    }
  }
  std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<std::function<void()>> queue_;
  int posts_ = 0;
  std::thread thread_;
};

TEST(SqliteStore, CountsSurviveClosingAndReopening) {
  TempDir dir;
  std::string path = dir.path() + "/counts.db";
  {
    auto store = OpenOrDie(path);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(IncrementAndWait(*store, "/a", kT0 + i).ok());
  }
  auto store = OpenOrDie(path);
  EXPECT_EQ(*GetNow(*store, "/a"), (RouteStats{"/a", 5, kT0, kT0 + 4}));
  EXPECT_EQ(IncrementAndWait(*store, "/a", kT0 + 9)->count, 6);
}

TEST(SqliteStore, EveryAcknowledgedHitIsInTheFileWhenItIsAnswered) {
  TempDir dir;
  std::string path = dir.path() + "/durable.db";
  auto store = OpenOrDie(path);
  auto file = std::move(ReadOnlySqliteStore::Open(path)).value();  // reads table and journal
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(IncrementAndWait(*store, "/d", kT0).ok());
    EXPECT_EQ(GetNow(*file, "/d")->count, i);
    EXPECT_EQ(ListNow(*file, StatsQuery{})->routes.at(0).count, i);
  }
}

TEST(SqliteStore, TheCountersTableCatchesUpWithinTheFoldDelay) {
  TempDir dir;
  std::string path = dir.path() + "/fold.db";
  auto store = OpenOrDie(path);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(IncrementAndWait(*store, "/f", kT0).ok());
  const auto until = std::chrono::steady_clock::now() + 5 * kFoldDelay;
  std::vector<std::string> count;
  while (std::chrono::steady_clock::now() < until) {
    count = Column(path, "SELECT count FROM counters WHERE route = '/f'");
    if (count == std::vector<std::string>{"5"}) break;
    std::this_thread::sleep_for(kFoldDelay / 10);
  }
  EXPECT_EQ(count, std::vector<std::string>{"5"});
  EXPECT_EQ(Column(path, "SELECT COUNT(*) FROM journal"), std::vector<std::string>{"0"});
}

TEST(SqliteStore, ACleanCloseFoldsTheWholeJournal) {
  TempDir dir;
  std::string path = dir.path() + "/close.db";
  {
    auto store = OpenOrDie(path);
    for (int i = 0; i < 50; ++i)
      ASSERT_TRUE(IncrementAndWait(*store, "/c/" + std::to_string(i % 7), kT0).ok());
  }
  EXPECT_EQ(Column(path, "SELECT COUNT(*) FROM journal"), std::vector<std::string>{"0"});
  EXPECT_EQ(Column(path, "SELECT SUM(count) FROM counters"), std::vector<std::string>{"50"});
}

// As a kill -9 leaves it: journal rows not folded yet. They are replayed at open, the later
// over the earlier, and folded before the first hit.
TEST(SqliteStore, AJournalLeftByACrashIsReplayedAndFoldedAtOpen) {
  TempDir dir;
  std::string path = dir.path() + "/crash.db";
  { ASSERT_TRUE(IncrementAndWait(*OpenOrDie(path), "/old", kT0).ok()); }
  std::string first, second;
  AppendJournalRecord(JournalRecord{"/old", 5, kT0, kT0 + 5}, first);
  const UnixMillis minute = RateLimit{1, 60}.WindowStart(kT0);
  AppendJournalRecord(JournalRecord{"/new", 1, kT0 + 1, kT0 + 1, minute, 1, 60}, first);
  AppendJournalRecord(JournalRecord{"/old", 6, kT0, kT0 + 6}, second);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* insert = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "INSERT INTO journal (seq, records) VALUES (?, ?)", -1, &insert,
                               nullptr),
            SQLITE_OK);
  for (auto [seq, blob] : {std::pair{7, &first}, std::pair{8, &second}}) {
    sqlite3_bind_int(insert, 1, seq);
    sqlite3_bind_blob(insert, 2, blob->data(), static_cast<int>(blob->size()), SQLITE_STATIC);
    ASSERT_EQ(sqlite3_step(insert), SQLITE_DONE);
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  sqlite3_close(db);

  auto store = OpenOrDie(path);
  EXPECT_EQ(Column(path, "SELECT COUNT(*) FROM journal"), std::vector<std::string>{"0"});
  EXPECT_EQ(Column(path, "SELECT count FROM counters WHERE route = '/old'"),
            std::vector<std::string>{"6"});
  EXPECT_EQ(IncrementAndWait(*store, "/old", kT0 + 9)->count, 7);
  EXPECT_EQ(*GetNow(*store, "/new"), (RouteStats{"/new", 1, kT0 + 1, kT0 + 1}));
  EXPECT_EQ(IncrementWithin(*store, "/new", kT0 + 2, RateLimit{1, 60}).status().code(),
            StatusCode::kResourceExhausted)
      << "the journaled rate window is kept";
}

TEST(SqliteStore, ADamagedJournalIsRefusedAtOpen) {
  TempDir dir;
  std::string path = dir.path() + "/damaged.db";
  { ASSERT_TRUE(IncrementAndWait(*OpenOrDie(path), "/a", kT0).ok()); }
  ExecOrFail(path, "INSERT INTO journal (seq, records) VALUES (1, x'0500616263')");
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("journal"), std::string::npos)
      << store.status().message();
}

TEST(SqliteStore, ASecondStoreOnTheSameFileIsRefusedAndPointsToDynamoDb) {
  TempDir dir;
  std::string path = dir.path() + "/owned.db";
  auto owner = OpenOrDie(path);
  Result<std::unique_ptr<SqliteStore>> second = SqliteStore::Open(path);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find(path), std::string::npos);
  EXPECT_NE(second.status().message().find("DynamoDB"), std::string::npos);
  owner.reset();
  EXPECT_TRUE(SqliteStore::Open(path).ok()) << "the lock is released with the store";
}

TEST(SqliteStore, AReadOnlyStoreReadsWhatTheOwnerCommitted) {
  TempDir dir;
  std::string path = dir.path() + "/shared.db";
  auto owner = OpenOrDie(path);
  ASSERT_TRUE(IncrementAndWait(*owner, "/a", kT0).ok());
  auto reader = std::move(ReadOnlySqliteStore::Open(path)).value();
  EXPECT_EQ(GetNow(*reader, "/a")->count, 1);
  ASSERT_TRUE(IncrementAndWait(*owner, "/a", kT0).ok());
  EXPECT_EQ(ListNow(*reader, StatsQuery{})->routes.at(0).count, 2);
  EXPECT_TRUE(HealthNow(*reader).ok());
  EXPECT_EQ(testing::IncrementNow(*reader, "/a", kT0).status().code(), StatusCode::kUnavailable);
}

// Totals come from the table with the journal over it: routes folded into `counters` (the first
// open's, folded at close) and routes only journaled (hit since) each count once.
TEST(SqliteStore, TotalsCountFoldedAndJournaledRoutesOnceAndReadOnlyStoresAgree) {
  TempDir dir;
  std::string path = dir.path() + "/totals.db";
  {
    auto store = OpenOrDie(path);
    for (const char* route : {"/a", "/a", "/b", "/c/1"}) {
      ASSERT_TRUE(IncrementAndWait(*store, route, kT0).ok());
    }
  }
  auto owner = OpenOrDie(path);
  for (const char* route : {"/a", "/d", "/c/2"}) {
    ASSERT_TRUE(IncrementAndWait(*owner, route, kT0).ok());
  }
  const StatsQuery all{StatsOrder::kByCount, "", 2, {}, /*with_totals=*/true};
  const StatsQuery under_c{StatsOrder::kByCount, "/c/", 1, {}, /*with_totals=*/true};
  EXPECT_EQ(ListNow(*owner, all)->totals, (RouteTotals{5, 7}));
  EXPECT_EQ(ListNow(*owner, under_c)->totals, (RouteTotals{2, 2}));
  auto reader = std::move(ReadOnlySqliteStore::Open(path)).value();
  EXPECT_EQ(ListNow(*reader, all)->totals, (RouteTotals{5, 7}));
  EXPECT_EQ(ListNow(*reader, under_c)->totals, (RouteTotals{2, 2}));
}

TEST(SqliteStore, TotalsPastTheLargestCountAreTheLargestCount) {
  TempDir dir;
  std::string path = dir.path() + "/big.db";
  {
    auto store = OpenOrDie(path);
    ASSERT_TRUE(IncrementAndWait(*store, "/full", kT0).ok());
    ASSERT_TRUE(IncrementAndWait(*store, "/also", kT0).ok());
  }
  ExecOrFail(path, "UPDATE counters SET count = 9223372036854775807 WHERE route = '/full'");
  auto store = OpenOrDie(path);
  ASSERT_TRUE(IncrementAndWait(*store, "/new", kT0).ok());
  Result<StatsPage> page = ListNow(*store, StatsQuery{StatsOrder::kByRoute, "", 1, {}, true});
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_EQ(page->totals, (RouteTotals{3, std::numeric_limits<std::int64_t>::max()}));
}

TEST(SqliteStore, OpensADatabaseWrittenBySchemaVersionOne) {
  TempDir dir;
  std::string path = dir.path() + "/v1.db";
  ExecOrFail(path,
             "CREATE TABLE counters (route TEXT PRIMARY KEY NOT NULL, count INTEGER NOT NULL,"
             " first_seen INTEGER NOT NULL, last_access INTEGER NOT NULL) WITHOUT ROWID;"
             "INSERT INTO counters VALUES ('/old', 41, 1, 2);"
             "PRAGMA user_version = 1;");
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  Result<RouteStats> stats = IncrementAndWait(*store, "/old", kT0);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(*stats, (RouteStats{"/old", 42, 1, kT0}));
  EXPECT_EQ(ListNow(*store, StatsQuery{})->routes.size(), 1u);
}

TEST(SqliteStore, TheRouteBoundCountsTheRoutesTheFileHolds) {
  TempDir dir;
  std::string path = dir.path() + "/bound.db";
  {
    auto store = OpenOrDie(path);
    ASSERT_TRUE(IncrementAndWait(*store, "/a", kT0).ok());
    ASSERT_TRUE(IncrementAndWait(*store, "/b", kT0).ok());
  }
  auto store = OpenOrDie(path, {.max_routes = 3});
  EXPECT_TRUE(IncrementAndWait(*store, "/c", kT0).ok());
  EXPECT_EQ(IncrementAndWait(*store, "/d", kT0).status().code(), StatusCode::kRouteLimitReached);
  EXPECT_TRUE(IncrementAndWait(*store, "/a", kT0).ok()) << "known routes keep counting";
}

TEST(SqliteStore, RoutesDeletedByHandWhileStoppedMakeRoomForNewOnes) {
  TempDir dir;
  std::string path = dir.path() + "/hits.db";
  {
    auto store = OpenOrDie(path, {.max_routes = 2});
    ASSERT_TRUE(IncrementAndWait(*store, "/a", kT0).ok());
    ASSERT_TRUE(IncrementAndWait(*store, "/b", kT0).ok());
    ASSERT_EQ(IncrementAndWait(*store, "/c", kT0).status().code(), StatusCode::kRouteLimitReached);
  }
  ExecOrFail(path, "DELETE FROM counters WHERE route = '/a'");
  auto store = OpenOrDie(path, {.max_routes = 2});
  EXPECT_TRUE(IncrementAndWait(*store, "/c", kT0).ok());
}

TEST(SqliteStore, ALimitedHitOnARefusedNewRouteLeavesNoRateWindow) {
  TempDir dir;
  std::string path = dir.path() + "/hits.db";
  {
    auto store = OpenOrDie(path, {.max_routes = 1});
    ASSERT_TRUE(IncrementAndWait(*store, "/a", kT0).ok());
    Result<CountedHit> refused = IncrementWithin(*store, "/b", kT0, RateLimit{5, 60});
    EXPECT_EQ(refused.status().code(), StatusCode::kRouteLimitReached);
  }
  EXPECT_TRUE(Column(path, "SELECT route FROM rate_windows").empty());
}

TEST(SqliteStore, RateLimitWindowsSurviveARestart) {
  TempDir dir;
  std::string path = dir.path() + "/windows.db";
  const RateLimit two_per_minute{2, 60};
  {
    auto store = OpenOrDie(path);
    ASSERT_TRUE(IncrementWithin(*store, "/login", kT0, two_per_minute).ok());
    ASSERT_TRUE(IncrementWithin(*store, "/login", kT0, two_per_minute).ok());
  }
  auto store = OpenOrDie(path);
  EXPECT_EQ(IncrementWithin(*store, "/login", kT0 + 1, two_per_minute).status().code(),
            StatusCode::kResourceExhausted);
}

TEST(SqliteStore, EndedRateLimitWindowsAreDeletedFromTheFile) {
  TempDir dir;
  std::string path = dir.path() + "/windows.db";
  const RateLimit per_second{1, 1};
  { ASSERT_TRUE(IncrementWithin(*OpenOrDie(path), "/a", kT0, per_second).ok()); }
  EXPECT_EQ(Column(path, "SELECT route FROM rate_windows"), std::vector<std::string>{"/a"});
  {
    auto store = OpenOrDie(path);
    ASSERT_TRUE(IncrementWithin(*store, "/b", kT0 + kRateWindowSweepMillis, per_second).ok());
    EXPECT_EQ(GetNow(*store, "/a")->count, 1);  // its count stays
  }
  EXPECT_EQ(Column(path, "SELECT route FROM rate_windows"), std::vector<std::string>{"/b"});
}

TEST(SqliteStore, RefusesANegativeRouteBound) {
  TempDir dir;
  EXPECT_EQ(SqliteStore::Open(dir.path() + "/x.db", {.max_routes = -1}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(SqliteStore, RefusesAnInMemoryDatabaseWhoseCountsWouldNotSurvive) {
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(":memory:");
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("file"), std::string::npos);
}

TEST(SqliteStore, RefusesADatabaseFromANewerVersion) {
  TempDir dir;
  std::string path = dir.path() + "/future.db";
  std::string pragma = "PRAGMA user_version = " + std::to_string(sqlite::LatestSchemaVersion() + 1);
  ExecOrFail(path, pragma.c_str());
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("newer"), std::string::npos);
}

TEST(SqliteStore, RefusesAnotherProgramsDatabaseAndLeavesItAsItWas) {
  TempDir dir;
  std::string path = dir.path() + "/theirs.db";
  ExecOrFail(path,
             "CREATE TABLE invoices (id INTEGER PRIMARY KEY); INSERT INTO invoices VALUES (7);");
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("another program"), std::string::npos);
  EXPECT_EQ(Column(path, "SELECT name FROM sqlite_schema WHERE type = 'table'"),
            std::vector<std::string>{"invoices"});
  EXPECT_EQ(Column(path, "PRAGMA user_version"), std::vector<std::string>{"0"});
}

// Overwrites every page of the file but the first (the header and the schema) with garbage.
void DamagePages(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "r+b");
  ASSERT_NE(file, nullptr);
  std::fseek(file, 0, SEEK_END);
  const long size = std::ftell(file);
  const std::string garbage(4096, '\x5a');
  for (long page = 4096; page + 4096 <= size; page += 4096) {
    std::fseek(file, page, SEEK_SET);
    std::fwrite(garbage.data(), 1, garbage.size(), file);
  }
  std::fclose(file);
}

// Seeds `path` with `routes` routes, closed (folded, checkpointed).
void SeedRoutes(const std::string& path, int routes) {
  ExecOrFail(path, "PRAGMA journal_mode = WAL");
  auto store = OpenOrDie(path);
  for (int i = 0; i < routes; ++i) {
    ASSERT_TRUE(IncrementAndWait(*store, "/seed/" + std::to_string(i), kT0).ok());
  }
}

// Regression: a damaged file was served; health said 200 while hits and listings failed.
TEST(SqliteStore, RefusesADamagedFileAtOpen) {
  TempDir dir;
  std::string path = dir.path() + "/damaged.db";
  SeedRoutes(path, 300);
  DamagePages(path);
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("damaged"), std::string::npos)
      << store.status().message();
}

TEST(SqliteStore, HealthFailsOnceAReadFindsTheFileDamaged) {
  TempDir dir;
  std::string path = dir.path() + "/damaged-later.db";
  SeedRoutes(path, 300);
  auto store = OpenOrDie(path);
  ASSERT_TRUE(HealthNow(*store).ok());
  DamagePages(path);  // behind the store's back, before its reader has read a page
  EXPECT_EQ(ListNow(*store, StatsQuery{StatsOrder::kByRoute, "", 1000, {}}).status().code(),
            StatusCode::kUnavailable);
  Status health = HealthNow(*store);
  EXPECT_EQ(health.code(), StatusCode::kUnavailable);
  EXPECT_NE(health.message().find("damaged"), std::string::npos) << health.message();
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

TEST(SqliteStore, RefusesAReadOnlyFileAtOpenInsteadOfFailingEveryHit) {
  TempDir dir;
  testing::SmallFilesystem disk(dir.path() + "/ro", 2);
  if (!disk.mounted()) GTEST_SKIP() << disk.error();
  const std::string path = disk.dir() + "/counts.db";
  { ASSERT_TRUE(IncrementAndWait(*OpenOrDie(path), "/a", kT0).ok()); }
  ASSERT_TRUE(disk.SetReadOnly(true));
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path);
  ASSERT_TRUE(disk.SetReadOnly(false));
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("read-only"), std::string::npos)
      << store.status().message();
}

TEST(SqliteStore, ACountAtItsMaximumIsRefusedAndOtherHitsStillCount) {
  TempDir dir;
  std::string path = dir.path() + "/max.db";
  { ASSERT_TRUE(IncrementAndWait(*OpenOrDie(path), "/full", kT0).ok()); }
  ExecOrFail(path, "UPDATE counters SET count = 9223372036854775807 WHERE route = '/full'");
  auto store = OpenOrDie(path);
  EXPECT_EQ(IncrementAndWait(*store, "/full", kT0).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(IncrementAndWait(*store, "/other", kT0)->count, 1);
  EXPECT_EQ(GetNow(*store, "/full")->count, std::numeric_limits<std::int64_t>::max());
}

TEST(SqliteStore, AHitRefusedAtItsMaximumCountTakesNoPlaceInItsRateWindow) {
  TempDir dir;
  std::string path = dir.path() + "/max.db";
  { ASSERT_TRUE(IncrementAndWait(*OpenOrDie(path), "/full", kT0).ok()); }
  ExecOrFail(path, "UPDATE counters SET count = 9223372036854775807 WHERE route = '/full'");
  {
    auto store = OpenOrDie(path);
    const RateLimit one_per_minute{1, 60};
    EXPECT_EQ(IncrementWithin(*store, "/full", kT0, one_per_minute).status().code(),
              StatusCode::kOutOfRange);
    ASSERT_TRUE(IncrementAndWait(*store, "/other", kT0).ok());
  }
  EXPECT_TRUE(Column(path, "SELECT route FROM rate_windows").empty());
}

TEST(SqliteStore, HitsAfterCloseAreRefusedNotLost) {
  TempDir dir;
  auto store = OpenOrDie(dir.path() + "/closed.db");
  store->Close();
  EXPECT_EQ(IncrementAndWait(*store, "/a", kT0).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(GetNow(*store, "/a").status().code(), StatusCode::kUnavailable);
}

TEST(SqliteStore, CloseCommitsEveryCountedHit) {
  TempDir dir;
  std::string path = dir.path() + "/flush.db";
  std::atomic<int> acknowledged{0};
  {
    auto store = OpenOrDie(path);
    for (int i = 0; i < 3000; ++i) {
      store->Increment(Hit{"/q", kT0, std::nullopt}, kNoDeadline,
                       [&](Result<CountedHit> r) { acknowledged += r.ok() ? 1 : 0; });
    }
  }
  EXPECT_EQ(acknowledged.load(), 3000);
  auto store = OpenOrDie(path);
  EXPECT_EQ(GetNow(*store, "/q")->count, 3000);
}

TEST(SqliteStore, ABatchOfHitsIsAnsweredInOnePostToTheExecutor) {
  TempDir dir;
  CountingExecutor executor;
  Metrics metrics;
  auto store = OpenOrDie(dir.path() + "/batch.db", {.metrics = &metrics, .executor = &executor});
  constexpr int kHits = 200;
  std::atomic<int> on_executor{0};
  std::vector<std::future<Result<CountedHit>>> answers;
  {
    // Counted in a burst, as hits arriving in one round of an event loop: the writer is woken
    // through the executor, after them.
    std::vector<std::promise<Result<CountedHit>>> promises(kHits);
    for (auto& promise : promises) answers.push_back(promise.get_future());
    executor.Post([&] {
      for (auto& promise : promises) {
        store->Increment(Hit{"/b", kT0, std::nullopt}, kNoDeadline,
                         [&promise, &executor, &on_executor](Result<CountedHit> hit) {
                           on_executor += executor.OnItsThread() ? 1 : 0;
                           promise.set_value(std::move(hit));
                         });
      }
    });
    for (auto& answer : answers) ASSERT_TRUE(answer.get().ok());
  }
  EXPECT_EQ(on_executor.load(), kHits);
  // One post ran the burst; each commit took at most one more to wake the writer and one to
  // answer all its hits. The writer wakes after the burst, so one commit usually holds it all.
  store.reset();
  const std::string text = metrics.RenderPrometheus();
  const std::size_t at = text.find("hitcounter_store_commit_batch_hits_count ");
  ASSERT_NE(at, std::string::npos);
  const int commits = std::stoi(text.substr(at + 41));
  EXPECT_LE(commits, 2);
  EXPECT_LE(executor.posts(), 1 + 2 * commits);
}

TEST(SqliteStore, ReadsAnswerWhileAnotherProgramHoldsTheWriteLock) {
  TempDir dir;
  std::string path = dir.path() + "/locked.db";
  auto store = OpenOrDie(path);
  ASSERT_TRUE(IncrementAndWait(*store, "/a", kT0).ok());
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  std::promise<Result<CountedHit>> waiting;
  store->Increment(Hit{"/a", kT0, std::nullopt}, kNoDeadline,
                   [&](Result<CountedHit> hit) { waiting.set_value(std::move(hit)); });
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(GetNow(*store, "/a")->count, 1) << "reads see committed hits only";
  EXPECT_EQ(ListNow(*store, StatsQuery{})->routes.size(), 1u);
  EXPECT_TRUE(HealthNow(*store).ok()) << "a commit waiting briefly is not a failure";
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));

  ASSERT_EQ(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  Result<CountedHit> hit = waiting.get_future().get();
  ASSERT_TRUE(hit.ok()) << hit.status().message();
  EXPECT_EQ(hit->stats.count, 2);
}

TEST(SqliteStore, ReadsPastTheirDeadlineAreRefusedNotLeftWaiting) {
  TempDir dir;
  auto store = OpenOrDie(dir.path() + "/late.db");
  const Deadline passed = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  EXPECT_EQ(GetNow(*store, "/a", passed).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(ListNow(*store, StatsQuery{}, passed).status().code(), StatusCode::kUnavailable);
}

TEST(SqliteStore, RecordsEachGroupCommitIntoTheMetrics) {
  TempDir dir;
  Metrics metrics;
  {
    auto store = OpenOrDie(dir.path() + "/metrics.db", {.metrics = &metrics});
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(IncrementAndWait(*store, "/m", kT0).ok());
  }
  std::string text = metrics.RenderPrometheus();
  EXPECT_NE(text.find("hitcounter_store_commit_batch_hits_sum 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("hitcounter_store_commit_duration_seconds_count 3\n"), std::string::npos);
  EXPECT_NE(text.find("hitcounter_store_errors_total 0\n"), std::string::npos);
}

TEST(SqliteStore, FiguresGiveTheRoutesHeldAndTheBoundsForTheMetrics) {
  TempDir dir;
  auto store = OpenOrDie(dir.path() + "/figures.db", {.max_routes = 5});
  for (const char* route : {"/a", "/b", "/a"})
    ASSERT_TRUE(IncrementAndWait(*store, route, kT0).ok());
  StoreFigures figures = store->Figures();
  EXPECT_EQ(figures.routes, 2);
  EXPECT_EQ(figures.max_routes, 5);
  EXPECT_EQ(figures.pending_hits, 0) << "every hit answered is on disk";
  EXPECT_EQ(figures.max_pending_hits, static_cast<std::int64_t>(kMaxQueuedHits));
  auto unbounded = OpenOrDie(dir.path() + "/unbounded.db");
  EXPECT_FALSE(unbounded->Figures().max_routes);
}

// Health as a load balancer polls it: OK within `limit`, or the last answer.
Status HealthWithin(Store& store, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  Status health = HealthNow(store);
  while (!health.ok() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    health = HealthNow(store);
  }
  return health;
}

// A full disk refuses hits with kInsufficientSpace and makes CheckHealth fail; once space is
// free, health turns OK again before any hit comes (a load balancer that took the server out
// of rotation would send none), and counting continues from the last acknowledged count.
TEST(SqliteStore, AFullDiskRefusesHitsAndHealthRecoversWithoutAHitOnceSpaceIsFree) {
  TempDir dir;
  testing::SmallFilesystem disk(dir.path() + "/small", 2);
  if (!disk.mounted()) GTEST_SKIP() << disk.error();
  Metrics metrics;
  {
    auto store = OpenOrDie(disk.dir() + "/full.db", {.metrics = &metrics});
    ASSERT_TRUE(IncrementAndWait(*store, "/f", kT0).ok());
    ASSERT_GT(disk.FillUp(), 0);
    Result<RouteStats> refused = IncrementAndWait(*store, "/f", kT0);
    EXPECT_EQ(refused.status().code(), StatusCode::kInsufficientSpace)
        << refused.status().message();
    EXPECT_EQ(HealthNow(*store).code(), StatusCode::kInsufficientSpace);
    EXPECT_EQ(GetNow(*store, "/f")->count, 1);

    ASSERT_TRUE(disk.Free());
    Status health = HealthWithin(*store, 5 * kProbeInterval);
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

// Many clients keep counting while the disk fills up: whatever was refused, every count that was
// acknowledged is at most what the file holds, and the highest acknowledged count of each route
// is exactly what it holds (a failed commit undoes the hits counted on top of it in memory).
TEST(SqliteStore, NoHitIsAcknowledgedWithACountTheFileDoesNotHold) {
  TempDir dir;
  testing::SmallFilesystem disk(dir.path() + "/small", 2);
  if (!disk.mounted()) GTEST_SKIP() << disk.error();
  const std::string path = disk.dir() + "/race.db";
  constexpr int kClients = 8;
  std::mutex mutex;
  std::map<std::string, std::int64_t> highest;
  int refused = 0;
  {
    auto store = OpenOrDie(path);
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        for (int i = 0; !stop; ++i) {
          std::string route = "/r/" + std::to_string((c * 7 + i) % 50) + std::string(200, 'x');
          Result<RouteStats> hit = IncrementAndWait(*store, route, kT0 + i);
          std::lock_guard lock(mutex);
          if (hit.ok()) {
            highest[route] = std::max(highest[route], hit->count);
          } else {
            ++refused;
          }
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    (void)disk.FillUp();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    stop = true;
    for (std::thread& client : clients) client.join();
  }
  EXPECT_GT(refused, 0) << "the disk never filled up";
  ASSERT_TRUE(disk.Free());
  auto reader = std::move(ReadOnlySqliteStore::Open(path)).value();
  for (const auto& [route, count] : highest) {
    EXPECT_EQ(GetNow(*reader, route)->count, count) << route;
  }
}

TEST(SqliteStore, ADeletionIsInTheFileWhenItIsAnsweredAndReadersSeeItBeforeTheFold) {
  TempDir dir;
  std::string path = dir.path() + "/delete.db";
  auto store = OpenOrDie(path);
  for (const char* route : {"/a", "/a", "/b"})
    ASSERT_TRUE(IncrementAndWait(*store, route, kT0).ok());
  ASSERT_EQ(*DeleteNow(*store, {"/a"}), (DeletedRoutes{1, 2}));
  // The tombstone is journaled, not folded yet: every reader must already miss the route.
  auto file = std::move(ReadOnlySqliteStore::Open(path)).value();
  EXPECT_EQ(GetNow(*file, "/a").status().code(), StatusCode::kNotFound);
  StatsQuery query;
  query.with_totals = true;
  Result<StatsPage> page = ListNow(*file, query);
  ASSERT_TRUE(page.ok()) << page.status().message();
  ASSERT_EQ(page->routes.size(), 1u);
  EXPECT_EQ(page->routes[0].route, "/b");
  EXPECT_EQ(*page->totals, (RouteTotals{1, 1}));
  EXPECT_EQ(*ListNow(*store, query)->totals, (RouteTotals{1, 1}));
  EXPECT_EQ(GetNow(*store, "/a").status().code(), StatusCode::kNotFound);
}

TEST(SqliteStore, AFoldedDeletionLeavesNoRowAndNoRecordBehind) {
  TempDir dir;
  std::string path = dir.path() + "/folded.db";
  auto store = OpenOrDie(path);
  ASSERT_TRUE(IncrementWithin(*store, "/gone", kT0, RateLimit{5, 60}).ok());
  ASSERT_TRUE(IncrementAndWait(*store, "/kept", kT0).ok());
  ASSERT_EQ(DeleteNow(*store, {"/gone"})->routes, 1);
  EXPECT_EQ(store->RouteCount(), 1u);
  const auto until = std::chrono::steady_clock::now() + 5 * kFoldDelay;
  std::vector<std::string> rows;
  while (std::chrono::steady_clock::now() < until) {
    rows = Column(path, "SELECT route FROM counters ORDER BY route");
    if (rows == std::vector<std::string>{"/kept"}) break;
    std::this_thread::sleep_for(kFoldDelay / 10);
  }
  EXPECT_EQ(rows, std::vector<std::string>{"/kept"});
  EXPECT_EQ(Column(path, "SELECT COUNT(*) FROM rate_windows WHERE route = '/gone'"),
            std::vector<std::string>{"0"});
  EXPECT_EQ(IncrementAndWait(*store, "/gone", kT0 + 1)->count, 1);
}

// A crash between the deletion's commit and its fold leaves the tombstone in the journal,
// after the records it deletes: the replay at open deletes the route.
TEST(SqliteStore, ATombstoneLeftInTheJournalByACrashDeletesTheRouteAtOpen) {
  TempDir dir;
  std::string path = dir.path() + "/tombstone.db";
  { ASSERT_TRUE(IncrementAndWait(*OpenOrDie(path), "/old", kT0).ok()); }
  std::string blob;
  AppendJournalRecord(JournalRecord{"/old", 5, kT0, kT0 + 5}, blob);
  AppendJournalRecord(JournalRecord{"/new", 2, kT0, kT0 + 5}, blob);
  AppendJournalRecord(JournalRecord{"/old", 0, 0, 0}, blob);
  AppendJournalRecord(JournalRecord{"/new", 0, 0, 0}, blob);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* insert = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "INSERT INTO journal (seq, records) VALUES (3, ?)", -1, &insert,
                               nullptr),
            SQLITE_OK);
  sqlite3_bind_blob(insert, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
  ASSERT_EQ(sqlite3_step(insert), SQLITE_DONE);
  sqlite3_finalize(insert);
  sqlite3_close(db);

  auto store = OpenOrDie(path, {.max_routes = 1});
  EXPECT_EQ(Column(path, "SELECT COUNT(*) FROM counters"), std::vector<std::string>{"0"});
  EXPECT_EQ(GetNow(*store, "/old").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->RouteCount(), 0u);
  EXPECT_EQ(IncrementAndWait(*store, "/other", kT0)->count, 1) << "the bound has room again";
}

TEST(SqliteStore, AReadOnlyStoreRefusesToDelete) {
  TempDir dir;
  std::string path = dir.path() + "/ro.db";
  { ASSERT_TRUE(IncrementAndWait(*OpenOrDie(path), "/a", kT0).ok()); }
  auto file = std::move(ReadOnlySqliteStore::Open(path)).value();
  EXPECT_EQ(DeleteNow(*file, {"/a"}).status().code(), StatusCode::kUnavailable);
}

TEST(SqliteStore, ADeletionThatCannotBeCommittedIsUndone) {
  TempDir dir;
  testing::SmallFilesystem disk(dir.path() + "/small", 2);
  if (!disk.mounted()) GTEST_SKIP() << disk.error();
  auto store = OpenOrDie(disk.dir() + "/full.db", {.max_routes = 1});
  ASSERT_TRUE(IncrementAndWait(*store, "/f", kT0).ok());
  ASSERT_GT(disk.FillUp(), 0);
  Result<DeletedRoutes> refused = DeleteNow(*store, {"/f"});
  EXPECT_EQ(refused.status().code(), StatusCode::kInsufficientSpace) << refused.status().message();
  EXPECT_EQ(GetNow(*store, "/f")->count, 1);
  ASSERT_TRUE(disk.Free());
  ASSERT_TRUE(HealthWithin(*store, 5 * kProbeInterval).ok());
  EXPECT_EQ(IncrementAndWait(*store, "/g", kT0).status().code(), StatusCode::kRouteLimitReached)
      << "the undone deletion holds its place again";
  EXPECT_EQ(IncrementAndWait(*store, "/f", kT0)->count, 2);
}

// First seen changes only by an import or a deletion: the folded row must follow it too.
TEST(SqliteStore, ImportedAndRecountedRecordsSurviveReopeningExactly) {
  TempDir dir;
  std::string path = dir.path() + "/import.db";
  {
    auto store = OpenOrDie(path);
    ASSERT_TRUE(IncrementAndWait(*store, "/i", kT0).ok());
    ASSERT_TRUE(IncrementAndWait(*store, "/r", kT0).ok());
    ASSERT_TRUE(ImportNow(*store, {{"/i", 9, kT0 - 5'000, kT0 - 1}}, ImportMode::kReplace).ok());
    ASSERT_TRUE(DeleteNow(*store, {"/r"}).ok());
    ASSERT_TRUE(IncrementAndWait(*store, "/r", kT0 + 3).ok());
  }
  EXPECT_EQ(Column(path, "SELECT first_seen FROM counters WHERE route = '/r'"),
            std::vector<std::string>{std::to_string(kT0 + 3)});
  auto store = OpenOrDie(path);
  EXPECT_EQ(*GetNow(*store, "/i"), (RouteStats{"/i", 9, kT0 - 5'000, kT0 - 1}));
  EXPECT_EQ(*GetNow(*store, "/r"), (RouteStats{"/r", 1, kT0 + 3, kT0 + 3}));
}

}  // namespace
}  // namespace hitcounter

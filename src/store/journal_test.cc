#include "store/journal.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hitcounter {
namespace {

std::vector<JournalRecord> ReadAll(std::string_view blob, Status* status) {
  std::vector<JournalRecord> records;
  *status = ReadJournalRecords(blob, [&](const JournalRecord& r) { records.push_back(r); });
  return records;
}

TEST(Journal, RecordsRoundTripInOrderWithEveryField) {
  std::string blob;
  const std::string long_route = "/" + std::string(1023, 'x');
  AppendJournalRecord(JournalRecord{"/a", 1, 2, 3}, blob);
  AppendJournalRecord(
      JournalRecord{long_route, INT64_MAX, -5, 1'795'701'907'123, 1'795'701'900'000, 9, 86'400},
      blob);
  Status status;
  std::vector<JournalRecord> records = ReadAll(blob, &status);
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].route, "/a");
  EXPECT_EQ(records[0].count, 1);
  EXPECT_EQ(records[0].last_access, 3);
  EXPECT_EQ(records[0].window_hits, 0);
  EXPECT_EQ(records[1].route, long_route);
  EXPECT_EQ(records[1].count, INT64_MAX);
  EXPECT_EQ(records[1].first_seen, -5);
  EXPECT_EQ(records[1].window_start, 1'795'701'900'000);
  EXPECT_EQ(records[1].window_hits, 9);
  EXPECT_EQ(records[1].window_seconds, 86'400);
}

TEST(Journal, AnEmptyRowHoldsNoRecord) {
  Status status;
  EXPECT_TRUE(ReadAll("", &status).empty());
  EXPECT_TRUE(status.ok());
}

TEST(Journal, EveryTruncationOfARowIsRefusedNotMisread) {
  std::string blob;
  AppendJournalRecord(JournalRecord{"/route", 4, 1, 2}, blob);
  for (std::size_t size = 1; size < blob.size(); ++size) {
    Status status;
    ReadAll(std::string_view(blob).substr(0, size), &status);
    EXPECT_EQ(status.code(), StatusCode::kInternal) << "cut at " << size;
  }
}

TEST(Journal, ATombstoneOfADeletedRouteIsAllZeros) {
  std::string blob;
  AppendJournalRecord(JournalRecord{"/deleted", 0, 0, 0}, blob);
  Status status;
  std::vector<JournalRecord> records = ReadAll(blob, &status);
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].count, 0);
}

TEST(Journal, ImpossibleRecordsAreRefused) {
  for (JournalRecord bad : {JournalRecord{"/zero", 0, 1, 1}, JournalRecord{"/neg", -3, 1, 1},
                            JournalRecord{"/w", 1, 1, 1, 0, -1, 60}}) {
    std::string blob;
    AppendJournalRecord(bad, blob);
    Status status;
    ReadAll(blob, &status);
    EXPECT_EQ(status.code(), StatusCode::kInternal) << bad.route;
  }
  Status status;
  ReadAll(std::string("\0\0", 2), &status);  // an empty route
  EXPECT_EQ(status.code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace hitcounter

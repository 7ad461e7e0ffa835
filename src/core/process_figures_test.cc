#include "hitcounter/process_figures.h"

#include <gtest/gtest.h>

#include <chrono>

#include "tests/support/fake_proc_fs.h"

namespace hitcounter {
namespace {

using testing::FakeProcFs;
using testing::TypicalProcFs;

TEST(ProcessFigures, ReadsCpuMemoryAndStartTimeFromStatAsPrometheusClientsDo) {
  const ProcessFigures figures = ReadProcessFigures(TypicalProcFs());
  EXPECT_EQ(figures.cpu_seconds, 4.0);  // (250 + 150) ticks at 100 per second
  EXPECT_EQ(figures.resident_bytes, 2560.0 * 4096);
  EXPECT_EQ(figures.virtual_bytes, 104857600.0);
  EXPECT_EQ(figures.start_time_seconds, 1764700000 + 123.45);  // btime + starttime / ticks
}

TEST(ProcessFigures, ReadsTheSoftLimitOnOpenFilesAndCountsTheOpenOnes) {
  const ProcessFigures figures = ReadProcessFigures(TypicalProcFs());
  EXPECT_EQ(figures.max_fds, 1024.0);
  EXPECT_EQ(figures.open_fds, 7.0);
}

TEST(ProcessFigures, FollowsTheClockTickAndPageSizeOfTheMachine) {
  FakeProcFs proc = TypicalProcFs();
  proc.ticks = 250;
  proc.page_size = 65536;
  const ProcessFigures figures = ReadProcessFigures(proc);
  EXPECT_EQ(figures.cpu_seconds, 1.6);
  EXPECT_EQ(figures.resident_bytes, 2560.0 * 65536);
  EXPECT_EQ(figures.start_time_seconds, 1764700000 + 49.38);
}

TEST(ProcessFigures, LeavesOutWhatItCannotReadOrParse) {
  EXPECT_FALSE(ReadProcessFigures(FakeProcFs()).cpu_seconds);
  FakeProcFs proc = TypicalProcFs();
  proc.files.erase("stat");  // no boot time: no start time, the rest stays
  proc.files["self/limits"] = "Max open files            unlimited            unlimited  files\n";
  proc.open_fds.reset();
  ProcessFigures figures = ReadProcessFigures(proc);
  EXPECT_FALSE(figures.start_time_seconds);
  EXPECT_FALSE(figures.max_fds);
  EXPECT_FALSE(figures.open_fds);
  EXPECT_EQ(figures.cpu_seconds, 4.0);
  proc.files["self/stat"] = "4242 (cut short) S 1 2 3";
  figures = ReadProcessFigures(proc);
  EXPECT_FALSE(figures.cpu_seconds);
  EXPECT_FALSE(figures.resident_bytes);
  proc.files["self/stat"] = "4242 (bad) S 1 4242 4242 0 -1 0 0 0 0 0 x5 150 0 0 20 0 3 0 1 2 3\n";
  EXPECT_FALSE(ReadProcessFigures(proc).cpu_seconds);
}

TEST(ProcessFigures, TheRealProcGivesPlausibleFiguresForThisProcess) {
  const ProcessFigures figures = ReadProcessFigures(SystemProcFs());
  ASSERT_TRUE(figures.cpu_seconds && figures.resident_bytes && figures.open_fds &&
              figures.start_time_seconds);
  EXPECT_GE(*figures.cpu_seconds, 0);
  EXPECT_GT(*figures.resident_bytes, 1 << 20);  // a test binary takes more than a MiB
  EXPECT_GE(*figures.open_fds, 3);              // stdin, stdout, stderr
  if (figures.max_fds) {
    EXPECT_GE(*figures.max_fds, *figures.open_fds);
  }
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(*figures.start_time_seconds, now + 1);
  EXPECT_GT(*figures.start_time_seconds, now - 24 * 60 * 60) << "started within the last day";
}

}  // namespace
}  // namespace hitcounter

// JobExecutor's stats and drill jobs against the real restic (0.14) on a
// real repository: what stats measures, and a drill that verifies, that
// leaves a changed live file uncompared, that catches a file whose bytes
// differ although size and mtime match, and that leaves no scratch
// directory behind when cancelled.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <thread>

#include "agent/executor/executor_test_support.h"
#include "agent/executor/job_executor.h"

namespace rmgr::agent::testing {
namespace {

using namespace std::chrono_literals;
using protocol::ErrorKind;
using protocol::JobKind;
using protocol::JobStatus;

class DrillTest : public ExecutorTest {
 protected:
  fs::path Scratch(const std::string& job_id) const { return root_ / "state" / "drill" / job_id; }

  protocol::JobResult Drill() {
    auto run = MakeRun(JobKind::kDrill);
    const std::string id = run.job_id;
    auto result = RunToEnd(std::move(run));
    EXPECT_FALSE(fs::exists(Scratch(id))) << "scratch directory left behind";
    return result;
  }

  // Rewrites `path` with other bytes of the same length and gives it back its mtime.
  static void CorruptInPlace(const fs::path& path) {
    struct stat before {};
    ASSERT_EQ(::stat(path.c_str(), &before), 0);
    std::string bytes = ReadFile(path);
    for (auto& c : bytes) c = static_cast<char>(c ^ 0x5a);
    WriteFile(path, bytes);
    const struct timespec times[2] = {before.st_atim, before.st_mtim};
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
    struct stat after {};
    ASSERT_EQ(::stat(path.c_str(), &after), 0);
    ASSERT_EQ(after.st_size, before.st_size);
    ASSERT_EQ(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
  }
};

TEST_F(DrillTest, StatsMeasuresRawDataAndTheLatestSnapshotsRestoreSize) {
  Init();
  Backup();
  Backup();  // two snapshots of the same host × paths: restore-size counts the latest only
  auto run = MakeRun(JobKind::kStats);
  run.source_group.reset();
  const auto result = MustSucceed(std::move(run));
  ASSERT_TRUE(result.stats.has_value());
  const auto direct =
      boost::json::parse(Restic({"stats", "--json", "--mode", "raw-data"}).front()).as_object();
  EXPECT_EQ(result.stats->raw_data_bytes, direct.at("total_size").to_number<uint64_t>());
  EXPECT_EQ(result.stats->blobs, direct.at("total_blob_count").to_number<uint64_t>());
  EXPECT_GT(result.stats->raw_data_bytes, 0u);
  EXPECT_EQ(result.stats->snapshots, 2u);
  EXPECT_EQ(result.stats->restore_snapshots, 1u);
  EXPECT_EQ(result.stats->restore_size_bytes, 13u + 10u) << "a.txt and sub/b.bin";
  EXPECT_GE(result.stats->restore_files, 2u);
  // 0.14 prints no compression figures; 0.16+ do for a format-2 repository.
  EXPECT_EQ(result.stats->uncompressed_bytes.has_value(), test_support::ResticAtLeast(0, 16));
  ASSERT_TRUE(result.snapshot_index.has_value());
  EXPECT_TRUE(result.snapshot_index->complete);
  EXPECT_EQ(result.snapshot_index->snapshots.size(), 2u);
}

TEST_F(DrillTest, StatsOfAnEmptyRepositoryIsZero) {
  Init();
  auto run = MakeRun(JobKind::kStats);
  const auto result = MustSucceed(std::move(run));
  ASSERT_TRUE(result.stats.has_value());
  EXPECT_EQ(result.stats->snapshots, 0u);
  EXPECT_EQ(result.stats->restore_size_bytes, 0u);
}

TEST_F(DrillTest, UnchangedTreeVerifiesEveryFile) {
  Init();
  const std::string snapshot = Backup();
  const auto result = Drill();
  EXPECT_EQ(result.status, JobStatus::kSucceeded) << result.error.value_or("");
  EXPECT_EQ(result.error_kind, ErrorKind::kNone);
  ASSERT_TRUE(result.drill.has_value());
  EXPECT_TRUE(result.drill->snapshot_id.starts_with(snapshot));
  EXPECT_EQ(result.drill->sampled, 2u);
  EXPECT_EQ(result.drill->verified, 2u);
  EXPECT_EQ(result.drill->mismatched, 0u);
  EXPECT_EQ(result.drill->unreadable, 0u);
  EXPECT_EQ(result.drill->bytes_restored, 23u);
}

TEST_F(DrillTest, LiveFileChangedSinceTheSnapshotIsCheckedBySizeOnly) {
  Init();
  Backup();
  WriteFile(src_ / "a.txt", "edited after the backup, longer\n");
  const auto result = Drill();
  EXPECT_EQ(result.status, JobStatus::kSucceeded) << result.error.value_or("");
  ASSERT_TRUE(result.drill.has_value());
  EXPECT_EQ(result.drill->sampled, 2u);
  EXPECT_EQ(result.drill->size_only, 1u);
  EXPECT_EQ(result.drill->verified, 1u);
  EXPECT_EQ(result.drill->mismatched, 0u);
}

TEST_F(DrillTest, SameSizeAndMtimeButOtherBytesIsAMismatchAndFailsTheDrill) {
  Init();
  Backup();
  CorruptInPlace(src_ / "sub" / "b.bin");
  const auto result = Drill();
  EXPECT_EQ(result.status, JobStatus::kFailed);
  EXPECT_EQ(result.error_kind, ErrorKind::kVerifyMismatch);
  ASSERT_TRUE(result.drill.has_value());
  EXPECT_EQ(result.drill->mismatched, 1u);
  EXPECT_EQ(result.drill->verified, 1u);
  EXPECT_EQ(result.drill->mismatched_paths, std::vector<std::string>{(src_ / "sub" / "b.bin").string()});
  EXPECT_NE(result.error.value_or("").find("b.bin"), std::string::npos);
}

TEST_F(DrillTest, SampleStaysWithinItsCountAndBytes) {
  Init();
  for (int i = 0; i < 30; ++i) WriteFile(src_ / "many" / ("f" + std::to_string(i)), std::string(100, 'x'));
  Backup();
  auto run = MakeRun(JobKind::kDrill);
  run.options.drill = protocol::DrillOptions{.sample_files = 5, .max_bytes = 350};
  const auto result = RunToEnd(std::move(run));
  EXPECT_EQ(result.status, JobStatus::kSucceeded) << result.error.value_or("");
  ASSERT_TRUE(result.drill.has_value());
  EXPECT_GE(result.drill->sampled, 3u);
  EXPECT_LE(result.drill->sampled, 5u);
  EXPECT_LE(result.drill->bytes_restored, 350u);
  EXPECT_EQ(result.drill->verified, result.drill->sampled);
}

TEST_F(DrillTest, NoSnapshotOfTheGroupFailsTheDrill) {
  Init();
  const auto result = Drill();
  EXPECT_EQ(result.status, JobStatus::kFailed);
  EXPECT_FALSE(result.drill.has_value());
}

TEST_F(DrillTest, CancelMidRestoreLeavesNoScratchDirectory) {
  // The repository is made with restic itself: the executor is created only after the fake is in place.
  Restic({"init"});
  Restic({"backup", src_.string()});
  // restic's restore is held (after it wrote into the scratch directory) until the cancel's SIGINT.
  const fs::path mark = root_ / "restoring";
  UseFakeRestic(
      "#!/bin/sh\n"
      "if [ \"$1\" = restore ]; then\n"
      "  prev=; for a in \"$@\"; do [ \"$prev\" = --target ] && t=\"$a\"; prev=\"$a\"; done\n"
      "  mkdir -p \"$t/partial\" && echo half > \"$t/partial/file\" && touch \"$DRILL_MARK\"\n"
      "  exec sleep 300\n"
      "fi\n"
      "exec " +
      kResticBinary + " \"$@\"\n");
  options_.restic.base_env.push_back("DRILL_MARK=" + mark.string());
  auto run = MakeRun(JobKind::kDrill);
  const std::string id = run.job_id;
  ASSERT_TRUE(executor().Run(std::move(run)));
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!fs::exists(mark) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(fs::exists(mark)) << "the restore never started";
  ASSERT_TRUE(fs::exists(Scratch(id) / "partial" / "file"));
  EXPECT_TRUE(executor().Cancel(id));
  const auto result = WaitResult(id);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status, JobStatus::kCancelled) << result->error.value_or("");
  EXPECT_FALSE(fs::exists(Scratch(id))) << "scratch directory left behind";
}

}  // namespace
}  // namespace rmgr::agent::testing

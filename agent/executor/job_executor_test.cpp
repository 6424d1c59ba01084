// JobExecutor against the real restic: job kinds, outcomes, the outbox,
// cancel, shutdown, browse, log sequencing.
#include "agent/executor/job_executor.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <random>

#include "agent/executor/executor_test_support.h"
#include "common/protocol/envelope.h"
#include "common/protocol/limits.h"
#include "common/util/ulid.h"

namespace rmgr::agent::testing {
namespace {

using namespace std::chrono_literals;
using protocol::ErrorKind;
using protocol::JobKind;
using protocol::JobStatus;

TEST_F(ExecutorTest, BackupReportsStartProgressAndResultWithItsSnapshot) {
  // restic 0.15+ prints status at RESTIC_PROGRESS_FPS only: a backup shorter
  // than one tick reports no progress at all. Ticks of 50 ms and 64 MiB of
  // noise (several ticks even on a fast disk) make one certain.
  options_.restic.progress_fps = 20;
  Init();
  std::string noise(64 << 20, '\0');
  std::mt19937_64 random(7);
  for (std::size_t i = 0; i + 8 <= noise.size(); i += 8) {
    const uint64_t word = random();
    std::memcpy(noise.data() + i, &word, 8);
  }
  test_support::WriteFile(src_ / "noise.bin", noise);
  auto run = MakeRun(JobKind::kBackup);
  const std::string id = run.job_id;
  const auto result = MustSucceed(std::move(run));

  const auto started = recorded_.All<protocol::JobStarted>();
  ASSERT_EQ(std::count_if(started.begin(), started.end(), [&](const auto& s) { return s.job_id == id; }), 1);
  EXPECT_TRUE(WaitProgress(id).has_value()) << "no job.progress";
  EXPECT_EQ(result.exit_code, 0);
  ASSERT_TRUE(result.summary.has_value());
  EXPECT_EQ(result.summary->files_new, 3u);
  ASSERT_TRUE(result.snapshot_id.has_value());

  const auto ids = SnapshotIds();
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_TRUE(ids[0].starts_with(*result.snapshot_id)) << ids[0] << " vs " << *result.snapshot_id;
  ASSERT_TRUE(result.snapshot_index.has_value());
  EXPECT_FALSE(result.snapshot_index->complete) << "one snapshot is not the repository's whole list";
  ASSERT_EQ(result.snapshot_index->snapshots.size(), 1u);
  const auto& snapshot = result.snapshot_index->snapshots[0];
  EXPECT_EQ(snapshot.id, ids[0]);
  EXPECT_EQ(snapshot.short_id, ids[0].substr(0, 8));
  EXPECT_EQ(snapshot.paths, std::vector<std::string>{src_.string()});
  EXPECT_GE(snapshot.time, result.started_at - 1min);
  EXPECT_LE(snapshot.time, result.finished_at + 1min);
}

TEST_F(ExecutorTest, ResultStaysInTheOutboxUntilAcked) {
  auto run = MakeRun(JobKind::kInit);
  const std::string id = run.job_id;
  const auto result = MustSucceed(std::move(run));
  const auto pending = outbox_->Pending();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0], result) << "the outbox holds exactly what was emitted";
  ASSERT_TRUE(outbox_->Ack(id).ok());
  EXPECT_EQ(outbox_->Size(), 0u);
}

TEST_F(ExecutorTest, SecondRunOfARunningJobIsIgnored) {
  auto run = MakeRun(JobKind::kInit);
  const std::string id = run.job_id;
  ASSERT_TRUE(executor().Run(run));
  EXPECT_FALSE(executor().Run(run));
  EXPECT_EQ(executor().RunningJobIds(), std::vector<std::string>{id});
  ASSERT_TRUE(WaitResult(id).has_value());
  executor().Shutdown(0ms);
  EXPECT_EQ(recorded_.All<protocol::JobStarted>().size(), 1u);
  EXPECT_EQ(recorded_.All<protocol::JobResult>().size(), 1u);
  EXPECT_EQ(executor().RunningCount(), 0u);
}

TEST_F(ExecutorTest, RunOfAFinishedJobReEmitsTheStoredResultWithoutRunningAgain) {
  Init();
  auto run = MakeRun(JobKind::kBackup);
  const auto first = MustSucceed(run);
  EXPECT_FALSE(executor().Run(run));
  executor().Shutdown(0ms);
  std::vector<protocol::JobResult> results = recorded_.All<protocol::JobResult>();
  std::erase_if(results, [&](const auto& r) { return r.job_id != run.job_id; });
  ASSERT_EQ(results.size(), 2u);
  // The resend is the outbox's copy: what the server reads from either frame.
  EXPECT_EQ(protocol::Decode(protocol::Encode({"", results[1]}))->payload,
            protocol::Decode(protocol::Encode({"", first}))->payload);
  EXPECT_EQ(SnapshotIds().size(), 1u) << "the backup ran again";
}

TEST_F(ExecutorTest, WrongPasswordFails) {
  Init();
  const auto result = RunToEnd(MakeRun(JobKind::kBackup, kWrongPassword));
  EXPECT_EQ(result.status, JobStatus::kFailed);
  EXPECT_EQ(result.error_kind, ErrorKind::kWrongPassword) << result.error.value_or("");
  EXPECT_EQ(result.exit_code, test_support::ResticAtLeast(0, 17) ? 12 : 1);
  EXPECT_FALSE(result.snapshot_index.has_value());
}

TEST_F(ExecutorTest, MissingRepositoryFails) {
  const auto result = RunToEnd(MakeRun(JobKind::kSnapshots));
  EXPECT_EQ(result.status, JobStatus::kFailed);
  EXPECT_EQ(result.error_kind, ErrorKind::kRepositoryMissing) << result.error.value_or("");
  EXPECT_FALSE(result.snapshot_index.has_value());
}

TEST_F(ExecutorTest, UnreadableFileIsPartialAndStillIndexed) {
  // chmod 000 does not stop root; this process's /proc/<pid>/mem fails to
  // read for anyone (see runner/restic_real_test.cpp).
  Init();
  auto run = MakeRun(JobKind::kBackup);
  run.source_group->paths.push_back("/proc/" + std::to_string(::getpid()) + "/mem");
  const auto result = RunToEnd(std::move(run));
  EXPECT_EQ(result.status, JobStatus::kPartial);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_EQ(result.error_kind, ErrorKind::kNone);
  ASSERT_TRUE(result.snapshot_index.has_value());
  const auto ids = SnapshotIds();
  ASSERT_EQ(ids.size(), 1u);
  ASSERT_EQ(result.snapshot_index->snapshots.size(), 1u);
  EXPECT_EQ(result.snapshot_index->snapshots[0].id, ids[0]);
}

TEST_F(ExecutorTest, CancelMidBackupEndsCancelledAndLeavesNoLock) {
  Init();
  WriteBigTree();
  auto run = MakeRun(JobKind::kBackup);
  const std::string id = run.job_id;
  ASSERT_TRUE(executor().Run(std::move(run)));
  ASSERT_TRUE(WaitProgress(id).has_value());
  EXPECT_TRUE(executor().Cancel(id));
  const auto result = WaitResult(id);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status, JobStatus::kCancelled) << result->error.value_or("");
  EXPECT_FALSE(result->snapshot_id.has_value());
  EXPECT_TRUE(Locks().empty()) << "stale lock left behind";
  EXPECT_TRUE(SnapshotIds().empty());
  EXPECT_FALSE(executor().Cancel(id)) << "the job is over";
}

TEST_F(ExecutorTest, ShutdownInterruptsARunningJobAndStoresItsResult) {
  Init();
  WriteBigTree();
  auto run = MakeRun(JobKind::kBackup);
  const std::string id = run.job_id;
  ASSERT_TRUE(executor().Run(std::move(run)));
  ASSERT_TRUE(WaitProgress(id).has_value());
  executor().Shutdown(0ms);
  EXPECT_EQ(executor().RunningCount(), 0u);
  const auto pending = outbox_->Pending();
  const auto stored =
      std::find_if(pending.begin(), pending.end(), [&](const auto& r) { return r.job_id == id; });
  ASSERT_NE(stored, pending.end());
  EXPECT_EQ(stored->status, JobStatus::kInterrupted);
  EXPECT_TRUE(Locks().empty());
  EXPECT_FALSE(executor().Run(MakeRun(JobKind::kInit))) << "no jobs after shutdown";
}

TEST_F(ExecutorTest, ForgetKeepLastIndexesTheWholeRepository) {
  Init();
  Backup();
  WriteFile(src_ / "c.txt", "second");
  Backup();
  WriteFile(src_ / "d.txt", "third");
  Backup();
  const auto before = SnapshotIds();
  ASSERT_EQ(before.size(), 3u);
  auto run = MakeRun(JobKind::kForget);
  run.retention = protocol::Retention{.keep_last = 1};
  const auto result = MustSucceed(std::move(run));
  EXPECT_EQ(SnapshotIds(), std::vector<std::string>{before[2]});
  ASSERT_TRUE(result.snapshot_index.has_value());
  EXPECT_TRUE(result.snapshot_index->complete);
  ASSERT_EQ(result.snapshot_index->snapshots.size(), 1u);
  EXPECT_EQ(result.snapshot_index->snapshots[0].id, before[2]);
}

TEST_F(ExecutorTest, SnapshotsKindIndexesEverySnapshot) {
  Init();
  Backup();
  WriteFile(src_ / "c.txt", "second");
  Backup();
  const auto result = MustSucceed(MakeRun(JobKind::kSnapshots));
  ASSERT_TRUE(result.snapshot_index.has_value());
  EXPECT_TRUE(result.snapshot_index->complete);
  std::vector<std::string> indexed;
  for (const auto& s : result.snapshot_index->snapshots) indexed.push_back(s.id);
  EXPECT_EQ(indexed, SnapshotIds());
}

TEST_F(ExecutorTest, MaintenanceKindsSucceed) {
  Init();
  Backup();
  for (const JobKind kind : {JobKind::kCheck, JobKind::kPrune, JobKind::kUnlock}) {
    const auto result = MustSucceed(MakeRun(kind));
    EXPECT_FALSE(result.snapshot_index.has_value()) << protocol::ToString(kind);
  }
  auto subset = MakeRun(JobKind::kCheck);
  subset.options.check = protocol::CheckOptions{std::string("1/2")};
  MustSucceed(std::move(subset));
  EXPECT_EQ(SnapshotIds().size(), 1u);
}

TEST_F(ExecutorTest, RestoreIsByteIdentical) {
  Init();
  const std::string snapshot = Backup();
  auto run = MakeRun(JobKind::kRestore);
  const fs::path target = root_ / "restored";
  const std::string file = (src_ / "sub" / "b.bin").string();
  run.options.restore = protocol::RestoreOptions{snapshot, {file}, target.string()};
  const std::string id = run.job_id;
  MustSucceed(std::move(run));
  const fs::path restored = target / fs::path(file).relative_path();
  ASSERT_TRUE(fs::exists(restored)) << restored;
  EXPECT_EQ(ReadFile(restored), ReadFile(file));
  // restic 0.16+ restores with --json: the job log says what it wrote (0.14 prints text of its own).
  if (test_support::ResticAtLeast(0, 16)) {
    EXPECT_TRUE(Logged(id, "restored ")) << "no restore summary from " << test_support::ResticVersionLine();
  }
}

// The agent enforces its restore root itself, whatever the server sent: a
// target outside it fails before restic runs (nothing is written), also
// through a symlink inside the root that points out of it.
TEST_F(ExecutorTest, RestoreOutsideTheRootWithoutConsentIsRefusedByTheAgent) {
  options_.policy.restore_root = root_ / "restore-root";
  fs::create_directories(options_.policy.restore_root);
  fs::create_directories(root_ / "elsewhere");
  fs::create_symlink(root_ / "elsewhere", options_.policy.restore_root / "link-out");
  Init();
  const std::string snapshot = Backup();
  const std::string file = (src_ / "sub" / "b.bin").string();
  for (const fs::path& target :
       {root_ / "elsewhere", options_.policy.restore_root / "link-out" / "x", fs::path("/")}) {
    auto run = MakeRun(JobKind::kRestore);
    run.options.restore = protocol::RestoreOptions{snapshot, {file}, target.string()};
    const auto result = RunToEnd(std::move(run));
    EXPECT_EQ(result.status, JobStatus::kFailed) << target;
    EXPECT_EQ(result.error_kind, ErrorKind::kRestoreRefused) << target;
    EXPECT_NE(result.error.value_or("").find("--allow-restore-anywhere"), std::string::npos)
        << result.error.value_or("");
    EXPECT_FALSE(result.exit_code.has_value()) << "restic did not run for " << target;
  }
  EXPECT_TRUE(fs::is_empty(root_ / "elsewhere"));
}

// With the host's consent the same target outside the root restores for real.
TEST_F(ExecutorTest, RestoreOutsideTheRootWithConsentRestoresTheBytes) {
  options_.policy.restore_root = root_ / "restore-root";
  options_.policy.restore_anywhere = true;
  Init();
  const std::string snapshot = Backup();
  const std::string file = (src_ / "sub" / "b.bin").string();
  const fs::path target = root_ / "elsewhere";
  auto run = MakeRun(JobKind::kRestore);
  run.options.restore = protocol::RestoreOptions{snapshot, {file}, target.string()};
  const std::string id = run.job_id;
  MustSucceed(std::move(run));
  const fs::path restored = target / fs::path(file).relative_path();
  ASSERT_TRUE(fs::exists(restored)) << restored;
  EXPECT_EQ(ReadFile(restored), ReadFile(file));
  // restic 0.16+ restores with --json: the job log says what it wrote (0.14 prints text of its own).
  if (test_support::ResticAtLeast(0, 16)) {
    EXPECT_TRUE(Logged(id, "restored ")) << "no restore summary from " << test_support::ResticVersionLine();
  }
}

TEST_F(ExecutorTest, CommandResticCannotRunFailsWithTheReason) {
  auto run = MakeRun(JobKind::kBackup);
  run.source_group->paths.clear();
  const auto result = RunToEnd(std::move(run));
  EXPECT_EQ(result.status, JobStatus::kFailed);
  EXPECT_EQ(result.error_kind, ErrorKind::kOther);
  EXPECT_FALSE(result.exit_code.has_value()) << "restic did not run";
  EXPECT_NE(result.error.value_or("").find("source group"), std::string::npos) << result.error.value_or("");
}

TEST_F(ExecutorTest, LogLinesAreBatchedWithAContinuousSequence) {
  options_.log_batch_lines = 3;
  Init();
  Backup();
  auto run = MakeRun(JobKind::kCheck);
  const std::string id = run.job_id;
  MustSucceed(std::move(run));
  const auto lines = LogLines(id);  // checks first_seq continuity from 0
  EXPECT_GE(lines.size(), 3u) << "restic check prints several lines";
  for (const auto& batch : recorded_.All<protocol::JobLog>()) EXPECT_LE(batch.lines.size(), 3u);
  EXPECT_TRUE(Logged(id, "no errors were found"));
}

TEST_F(ExecutorTest, BrowseListsTheDirectChildrenOfADirectory) {
  Init();
  Backup();
  const std::string snapshot = SnapshotIds().at(0);
  const std::string request_id = NewUlid();
  executor().Browse(protocol::BrowseRequest{.request_id = request_id,
                                            .repository = MakeRun(JobKind::kLs).repository,
                                            .snapshot_id = snapshot,
                                            .path = src_.string()});
  const auto result =
      recorded_.WaitFor<protocol::BrowseResult>([&](const auto& r) { return r.request_id == request_id; });
  ASSERT_TRUE(result.has_value());
  EXPECT_FALSE(result->error.has_value()) << *result->error;
  EXPECT_FALSE(result->truncated);
  ASSERT_EQ(result->entries.size(), 2u);
  EXPECT_EQ(result->entries[0].name, "a.txt");
  EXPECT_EQ(result->entries[0].type, protocol::NodeType::kFile);
  EXPECT_EQ(result->entries[0].size, 13u);
  EXPECT_EQ(result->entries[0].path, (src_ / "a.txt").string());
  EXPECT_TRUE(result->entries[0].mtime.has_value());
  EXPECT_EQ(result->entries[1].name, "sub");
  EXPECT_EQ(result->entries[1].type, protocol::NodeType::kDir);
}

TEST_F(ExecutorTest, BrowseOfAHugeDirectoryIsTruncatedToOneFrame) {
  const fs::path huge = src_ / "huge";
  fs::create_directories(huge);
  for (std::size_t i = 0; i <= protocol::limits::kMaxBrowseEntries; ++i) {
    WriteFile(huge / ("file-with-a-rather-long-name-" + std::to_string(100000 + i)), "");
  }
  Init();
  Backup();
  const std::string request_id = NewUlid();
  executor().Browse(protocol::BrowseRequest{.request_id = request_id,
                                            .repository = MakeRun(JobKind::kLs).repository,
                                            .snapshot_id = SnapshotIds().at(0),
                                            .path = huge.string()});
  const auto result =
      recorded_.WaitFor<protocol::BrowseResult>([&](const auto& r) { return r.request_id == request_id; });
  ASSERT_TRUE(result.has_value());
  EXPECT_FALSE(result->error.has_value()) << *result->error;
  EXPECT_TRUE(result->truncated);
  EXPECT_FALSE(result->entries.empty());
  EXPECT_LE(result->entries.size(), protocol::limits::kMaxBrowseEntries);
  EXPECT_EQ(result->entries.front().name, "file-with-a-rather-long-name-100000");
  const protocol::Envelope frame{request_id, *result};
  EXPECT_LE(protocol::Encode(frame).size(), protocol::limits::kMaxFrameBytes);
  EXPECT_TRUE(protocol::Validate(frame).ok());
}

TEST_F(ExecutorTest, BrowseWithAWrongPasswordReportsTheError) {
  Init();
  Backup();
  const std::string request_id = NewUlid();
  executor().Browse(protocol::BrowseRequest{.request_id = request_id,
                                            .repository = MakeRun(JobKind::kLs, kWrongPassword).repository,
                                            .snapshot_id = SnapshotIds().at(0),
                                            .path = "/"});
  const auto result =
      recorded_.WaitFor<protocol::BrowseResult>([&](const auto& r) { return r.request_id == request_id; });
  ASSERT_TRUE(result.has_value());
  ASSERT_TRUE(result->error.has_value());
  EXPECT_NE(result->error->find("wrong password"), std::string::npos) << *result->error;
  EXPECT_TRUE(result->entries.empty());
  EXPECT_EQ(recorded_.All<protocol::BrowseResult>().size(), 1u);
}

TEST_F(ExecutorTest, UnknownJobCannotBeCancelled) {
  EXPECT_FALSE(executor().Cancel(NewUlid()));
  EXPECT_EQ(executor().RunningCount(), 0u);
}

}  // namespace
}  // namespace rmgr::agent::testing

// JobExecutor against fake restic scripts, for what the real one cannot be
// made to do on cue: stay locked, ignore SIGINT.
#include <gtest/gtest.h>

#include <cstdio>

#include "agent/executor/executor_test_support.h"
#include "common/protocol/envelope.h"
#include "common/protocol/limits.h"

namespace rmgr::agent::testing {
namespace {

using namespace std::chrono_literals;
using protocol::ErrorKind;
using protocol::JobKind;
using protocol::JobStatus;

//! A restic whose first `locked_runs` calls fail as restic 0.14 does on a locked repository.
std::string LockedRestic(int locked_runs) {
  return "#!/bin/sh\n"
         "if [ \"$1\" = unlock ]; then echo unlock >> \"$FAKE_CALLS.unlock\"; exit 0; fi\n"
         "echo \"$1\" >> \"$FAKE_CALLS\"\n"
         "if [ \"$(grep -c . \"$FAKE_CALLS\")\" -le " +
         std::to_string(locked_runs) +
         " ]; then\n"
         "  echo 'unable to create lock in backend: repository is already locked exclusively by PID 4242 on "
         "otherhost by root (UID 0, GID 0)' >&2\n"
         "  exit 1\n"
         "fi\n"
         "echo done\n";
}

TEST_F(ExecutorTest, LockedRepositoryIsRetried) {
  options_.locked_retries = 3;
  UseFakeRestic(LockedRestic(2));
  auto run = MakeRun(JobKind::kPrune);
  const std::string id = run.job_id;
  const auto result = MustSucceed(std::move(run));
  EXPECT_EQ(ReadFile(root_ / "calls"), "prune\nprune\nprune\n");
  EXPECT_TRUE(Logged(id, "repository is already locked; retry 1 of 3"));
  EXPECT_TRUE(Logged(id, "repository is already locked; retry 2 of 3"));
  // Each retry first clears stale locks (of dead local restics) with restic unlock.
  EXPECT_TRUE(Logged(id, "the repository is locked; running restic unlock"));
  EXPECT_FALSE(Logged(id, "retry 3 of 3"));
  EXPECT_FALSE(result.error.has_value());
}

// restic 0.16+ waits for the lock itself (--retry-lock); the agent then
// retries at once instead of sleeping its own delay, and 0.17+'s exit code 11
// is what says "locked".
TEST_F(ExecutorTest, NewerResticWaitsForTheLockItself) {
  options_.locked_retries = 3;
  options_.locked_retry_delay = 1h;  // never slept: the job would not end in the test's time
  UseFakeRestic(
      "#!/bin/sh\n"
      "if [ \"$1\" = unlock ]; then exit 0; fi\n"
      "echo \"$*\" >> \"$FAKE_CALLS\"\n"
      "if [ \"$(grep -c . \"$FAKE_CALLS\")\" -le 1 ]; then echo 'Fatal: repository is already locked' >&2; "
      "exit 11; fi\n"
      "echo done\n");
  options_.restic.features = runner::FeaturesOf(runner::ResticVersion{0, 18, 0});
  options_.restic.retry_lock = 45s;
  auto run = MakeRun(JobKind::kPrune);
  const std::string id = run.job_id;
  MustSucceed(std::move(run));
  EXPECT_EQ(
      ReadFile(root_ / "calls"),
      "prune --password-file /dev/fd/3 --retry-lock 45s\nprune --password-file /dev/fd/3 --retry-lock 45s\n");
  EXPECT_TRUE(Logged(id, "repository is still locked after restic waited 45 s for it; retry 1 of 3 now"));
  EXPECT_TRUE(Logged(id, "the repository is locked; running restic unlock"));
}

TEST_F(ExecutorTest, LockedRepositoryFailsAfterTheLastRetry) {
  options_.locked_retries = 2;
  UseFakeRestic(LockedRestic(100));
  const auto result = RunToEnd(MakeRun(JobKind::kPrune));
  EXPECT_EQ(result.status, JobStatus::kFailed);
  EXPECT_EQ(result.error_kind, ErrorKind::kRepositoryLocked);
  EXPECT_EQ(ReadFile(root_ / "calls"), "prune\nprune\nprune\n");
}

TEST_F(ExecutorTest, CancelDuringTheRetryWaitEndsCancelled) {
  options_.locked_retry_delay = 60s;
  UseFakeRestic(LockedRestic(100));
  auto run = MakeRun(JobKind::kPrune);
  const std::string id = run.job_id;
  ASSERT_TRUE(executor().Run(std::move(run)));
  ASSERT_TRUE(recorded_.WaitFor<protocol::JobLog>([&](const auto& log) {
    return log.job_id == id && std::any_of(log.lines.begin(), log.lines.end(), [](const auto& l) {
             return l.text.find("retry 1 of") != std::string::npos;
           });
  }));
  EXPECT_TRUE(executor().Cancel(id));
  const auto result = WaitResult(id);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status, JobStatus::kCancelled);
}

TEST_F(ExecutorTest, ResticThatIgnoresSigintIsKilledAndUnlocked) {
  options_.cancel_grace = 300ms;
  UseFakeRestic(
      "#!/bin/sh\n"
      "echo \"$1\" >> \"$FAKE_CALLS\"\n"
      "if [ \"$1\" = unlock ]; then echo 'successfully removed 1 locks'; exit 0; fi\n"
      "trap '' INT\n"
      "echo '{\"message_type\":\"status\",\"percent_done\":0.25,\"total_files\":4}'\n"
      "while :; do sleep 0.1; done\n");
  auto run = MakeRun(JobKind::kBackup);
  const std::string id = run.job_id;
  ASSERT_TRUE(executor().Run(std::move(run)));
  const auto progress = WaitProgress(id);
  ASSERT_TRUE(progress.has_value());
  EXPECT_EQ(progress->percent_done, 0.25);
  EXPECT_EQ(progress->total_files, 4u);
  EXPECT_TRUE(executor().Cancel(id));
  const auto result = WaitResult(id);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status, JobStatus::kCancelled);
  EXPECT_EQ(ReadFile(root_ / "calls"), "backup\nunlock\n");
  EXPECT_TRUE(Logged(id, "restic was killed; running restic unlock"));
  EXPECT_TRUE(Logged(id, "successfully removed 1 locks"));
}

//! A restic that prints one progress line, then hangs silently (SIGINT ends it), and unlocks.
constexpr const char* kSilentHangingRestic =
    "#!/bin/sh\n"
    "echo \"$1\" >> \"$FAKE_CALLS\"\n"
    "if [ \"$1\" = unlock ]; then echo 'successfully removed 1 locks'; exit 0; fi\n"
    "echo '{\"message_type\":\"status\",\"percent_done\":0.1}'\n"
    "trap 'exit 130' INT\n"
    "while :; do sleep 0.05; done\n";

TEST_F(ExecutorTest, ASilentResticIsStoppedByTheStallWatchdogAndFailsWithTimeout) {
  options_.stall_timeout = 300ms;
  options_.watchdog_tick = 20ms;
  options_.cancel_grace = 200ms;
  UseFakeRestic(kSilentHangingRestic);
  auto run = MakeRun(JobKind::kBackup);
  const std::string id = run.job_id;
  const auto result = RunToEnd(std::move(run));
  EXPECT_EQ(result.status, JobStatus::kFailed);
  EXPECT_EQ(result.error_kind, ErrorKind::kTimeout);
  ASSERT_TRUE(result.error.has_value());
  EXPECT_NE(result.error->find("restic printed nothing for its stall timeout of"), std::string::npos)
      << *result.error;
  EXPECT_TRUE(Logged(id, "stopped: restic printed nothing for its stall timeout"));
  EXPECT_EQ(ReadFile(root_ / "calls").substr(0, 7), "backup\n");
}

TEST_F(ExecutorTest, TheCommandsMaxRuntimeStopsAJobThatKeepsPrintingAndIsUnlockedAfterAKill) {
  options_.watchdog_tick = 20ms;
  options_.cancel_grace = 200ms;
  UseFakeRestic(
      "#!/bin/sh\n"
      "echo \"$1\" >> \"$FAKE_CALLS\"\n"
      "if [ \"$1\" = unlock ]; then echo 'successfully removed 1 locks'; exit 0; fi\n"
      "trap '' INT\n"
      "while :; do echo still going; sleep 0.05; done\n");
  auto run = MakeRun(JobKind::kCheck);
  run.max_runtime_seconds = 1;
  const std::string id = run.job_id;
  const auto result = RunToEnd(std::move(run));
  EXPECT_EQ(result.status, JobStatus::kFailed);
  EXPECT_EQ(result.error_kind, ErrorKind::kTimeout);
  ASSERT_TRUE(result.error.has_value());
  EXPECT_EQ(*result.error, "stopped: the job ran longer than its max runtime of 1 s");
  EXPECT_EQ(ReadFile(root_ / "calls"), "check\nunlock\n") << "SIGINT ignored: killed, then unlocked";
  EXPECT_TRUE(Logged(id, "restic was killed; running restic unlock"));
}

TEST_F(ExecutorTest, TheDefaultMaxRuntimeDependsOnTheKindAndTheCommandsStallTimeoutWins) {
  EXPECT_EQ(DefaultMaxRuntime(JobKind::kBackup), 24h);
  EXPECT_EQ(DefaultMaxRuntime(JobKind::kRestore), 24h);
  EXPECT_EQ(DefaultMaxRuntime(JobKind::kForget), 12h);
  EXPECT_EQ(DefaultMaxRuntime(JobKind::kPrune), 12h);
  EXPECT_EQ(DefaultMaxRuntime(JobKind::kCheck), 12h);
  for (const auto kind : {JobKind::kInit, JobKind::kUnlock, JobKind::kSnapshots, JobKind::kLs}) {
    EXPECT_EQ(DefaultMaxRuntime(kind), 1h);
  }
  options_.stall_timeout = 10min;  // the command's 1 s wins
  options_.max_runtime = [](JobKind) { return std::chrono::milliseconds{10min}; };
  options_.watchdog_tick = 20ms;
  options_.cancel_grace = 200ms;
  UseFakeRestic(kSilentHangingRestic);
  auto run = MakeRun(JobKind::kPrune);
  run.stall_timeout_seconds = 1;
  const auto result = RunToEnd(std::move(run));
  EXPECT_EQ(result.error_kind, ErrorKind::kTimeout);
  EXPECT_EQ(result.error, "stopped: restic printed nothing for its stall timeout of 1 s");
}

TEST_F(ExecutorTest, HugeSnapshotListKeepsTheNewestThatFitOneFrame) {
  // 6000 snapshots with long paths: more than limits::kMaxSnapshots, and
  // even those would not fit one frame.
  std::string list = "[";
  for (int i = 0; i < 6000; ++i) {
    char id[65];
    std::snprintf(id, sizeof id, "%064x", i);
    char time[32];
    std::snprintf(time, sizeof time, "2024-01-01T%02d:%02d:%02d.5Z", i / 3600, i / 60 % 60, i % 60);
    list += std::string(i == 0 ? "" : ",") + R"({"time":")" + time + R"(","paths":["/srv/)" +
            std::string(200, 'p') + R"("],"hostname":"web1","id":")" + id + R"(","short_id":")" +
            std::string(id, 8) + R"("})";
  }
  list += "]";
  WriteFile(root_ / "list.json", list);
  UseFakeRestic("#!/bin/sh\ncat '" + (root_ / "list.json").string() + "'\n");
  auto run = MakeRun(JobKind::kSnapshots);
  const std::string id = run.job_id;
  const auto result = MustSucceed(std::move(run));
  ASSERT_TRUE(result.snapshot_index.has_value());
  const auto& index = *result.snapshot_index;
  EXPECT_FALSE(index.complete);
  EXPECT_LT(index.snapshots.size(), protocol::limits::kMaxSnapshots);
  ASSERT_FALSE(index.snapshots.empty());
  char newest[65];
  std::snprintf(newest, sizeof newest, "%064x", 5999);
  EXPECT_EQ(index.snapshots.back().id, newest);
  EXPECT_LE(protocol::Encode({"", result}).size(), protocol::limits::kMaxFrameBytes);
  EXPECT_TRUE(Logged(id, "snapshot index cut to the newest 5000 of 6000"));
  EXPECT_TRUE(Logged(id, "to fit one frame"));
}

}  // namespace
}  // namespace rmgr::agent::testing

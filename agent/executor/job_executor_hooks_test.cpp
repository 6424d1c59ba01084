// JobExecutor hooks around the real restic: pre-hook failure and timeout,
// the post-hook's environment and failure, the hook policy (refuse, allowlist), cancel in a hook.
#include <gtest/gtest.h>

#include <fstream>

#include "agent/executor/executor_test_support.h"

namespace rmgr::agent::testing {
namespace {

using namespace std::chrono_literals;
using protocol::ErrorKind;
using protocol::JobKind;
using protocol::JobStatus;
using protocol::LogStream;

protocol::CommandRun WithHooks(protocol::CommandRun run, std::optional<std::string> pre,
                               std::optional<std::string> post, uint32_t timeout_seconds = 60) {
  run.hooks =
      protocol::Hooks{.pre = std::move(pre), .post = std::move(post), .timeout_seconds = timeout_seconds};
  return run;
}

TEST_F(ExecutorTest, FailingPreHookFailsTheJobWithoutRunningRestic) {
  Init();
  const fs::path post_ran = root_ / "post-ran";
  auto run = WithHooks(MakeRun(JobKind::kBackup), "echo stopping the database; exit 3",
                       "echo \"$RESTIC_MANAGER_JOB_STATUS\" > " + post_ran.string());
  const std::string id = run.job_id;
  const auto result = RunToEnd(std::move(run));
  EXPECT_EQ(result.status, JobStatus::kFailed);
  EXPECT_EQ(result.error_kind, ErrorKind::kHookFailed);
  EXPECT_EQ(result.error.value_or(""), "pre-hook failed: exit code 3");
  EXPECT_FALSE(result.exit_code.has_value()) << "restic ran";
  EXPECT_TRUE(SnapshotIds().empty()) << "restic ran";
  EXPECT_EQ(ReadFile(post_ran), "failed\n") << "the post-hook still runs";
  const auto lines = LogLines(id);
  const auto echoed = std::find_if(lines.begin(), lines.end(),
                                   [](const auto& l) { return l.text == "pre-hook: stopping the database"; });
  ASSERT_NE(echoed, lines.end());
  EXPECT_EQ(echoed->stream, LogStream::kAgent);
}

TEST_F(ExecutorTest, PreHookTimeoutFailsTheJob) {
  Init();
  auto run = WithHooks(MakeRun(JobKind::kBackup), "sleep 60", std::nullopt, 1);
  const auto result = RunToEnd(std::move(run));
  EXPECT_EQ(result.status, JobStatus::kFailed);
  EXPECT_EQ(result.error_kind, ErrorKind::kHookFailed);
  EXPECT_EQ(result.error.value_or(""), "pre-hook failed: timed out after 1 s");
  EXPECT_TRUE(SnapshotIds().empty());
}

TEST_F(ExecutorTest, PostHookSeesTheOutcomeButNotThePassword) {
  Init();
  const fs::path seen = root_ / "post-env";
  auto run = WithHooks(MakeRun(JobKind::kBackup), "true", "env > " + seen.string());
  const std::string id = run.job_id;
  const auto result = MustSucceed(std::move(run));
  const std::string env = ReadFile(seen);
  EXPECT_NE(env.find("RESTIC_MANAGER_JOB_ID=" + id + "\n"), std::string::npos) << env;
  EXPECT_NE(env.find("RESTIC_MANAGER_JOB_KIND=backup\n"), std::string::npos) << env;
  EXPECT_NE(env.find("RESTIC_MANAGER_JOB_STATUS=succeeded\n"), std::string::npos) << env;
  EXPECT_NE(env.find("RESTIC_MANAGER_EXIT_CODE=0\n"), std::string::npos) << env;
  EXPECT_NE(env.find("RESTIC_MANAGER_SNAPSHOT_ID=" + result.snapshot_id.value_or("?") + "\n"),
            std::string::npos)
      << env;
  EXPECT_NE(env.find("RESTIC_MANAGER_ERROR=\n"), std::string::npos) << env;
  EXPECT_EQ(env.find(kPassword), std::string::npos) << "the password reached the hook";
  EXPECT_EQ(env.find("RESTIC_PASSWORD"), std::string::npos) << env;
}

TEST_F(ExecutorTest, FailingPostHookKeepsResticsStatusAndSaysSo) {
  Init();
  auto run = WithHooks(MakeRun(JobKind::kBackup), std::nullopt, "exit 4");
  const std::string id = run.job_id;
  const auto result = RunToEnd(std::move(run));
  EXPECT_EQ(result.status, JobStatus::kSucceeded);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_TRUE(result.snapshot_id.has_value());
  EXPECT_EQ(result.error_kind, ErrorKind::kHookFailed);
  EXPECT_EQ(result.error.value_or(""), "post-hook failed: exit code 4");
  EXPECT_TRUE(Logged(id, "post-hook failed: exit code 4"));
  ASSERT_EQ(outbox_->Size(), 2u) << "the wire accepts succeeded with a hook error";
}

TEST_F(ExecutorTest, HooksRefusedByTheHookPolicyFailTheJob) {
  options_.policy.hooks = protocol::HookPolicy::kRefuse;
  Init();
  const fs::path pre_ran = root_ / "pre-ran";
  auto run = WithHooks(MakeRun(JobKind::kBackup), "touch " + pre_ran.string(), std::nullopt);
  const auto result = RunToEnd(std::move(run));
  EXPECT_EQ(result.status, JobStatus::kFailed);
  EXPECT_EQ(result.error_kind, ErrorKind::kHookRefused);
  EXPECT_NE(result.error.value_or("").find("--hooks refuse"), std::string::npos) << result.error.value_or("");
  EXPECT_FALSE(fs::exists(pre_ran));
  EXPECT_TRUE(SnapshotIds().empty());
}

// A real script on the allowlist runs (with plain arguments) around a real
// backup; the same job with a program off the list, or with shell syntax
// after an allowed program, fails before restic or any hook runs.
TEST_F(ExecutorTest, AnAllowlistRunsOnlyListedProgramsWithPlainArguments) {
  const fs::path script = root_ / "allowed-hook.sh";
  const fs::path marks = root_ / "marks";
  {
    std::ofstream out(script);
    out << "#!/bin/sh\necho \"$1\" >> " << marks.string() << "\n";
  }
  fs::permissions(script, fs::perms::owner_all);
  options_.policy.hooks = protocol::HookPolicy::kAllowlist;
  options_.policy.hook_allow = {script.string()};
  Init();

  auto allowed = WithHooks(MakeRun(JobKind::kBackup), script.string() + " pre", script.string() + " post");
  const auto ok = RunToEnd(std::move(allowed));
  EXPECT_EQ(ok.status, JobStatus::kSucceeded) << ok.error.value_or("");
  EXPECT_EQ(ReadFile(marks), "pre\npost\n");
  EXPECT_EQ(SnapshotIds().size(), 1u);

  const fs::path touched = root_ / "touched";
  auto unlisted = WithHooks(MakeRun(JobKind::kBackup), "/usr/bin/touch " + touched.string(), std::nullopt);
  const auto refused = RunToEnd(std::move(unlisted));
  EXPECT_EQ(refused.status, JobStatus::kFailed);
  EXPECT_EQ(refused.error_kind, ErrorKind::kHookRefused);
  EXPECT_NE(refused.error.value_or("").find("not on this agent's allowlist"), std::string::npos)
      << refused.error.value_or("");
  EXPECT_FALSE(refused.exit_code.has_value()) << "restic did not run";

  auto smuggled = WithHooks(MakeRun(JobKind::kBackup), std::nullopt,
                            script.string() + " post; touch " + touched.string());
  const auto syntax = RunToEnd(std::move(smuggled));
  EXPECT_EQ(syntax.status, JobStatus::kFailed);
  EXPECT_EQ(syntax.error_kind, ErrorKind::kHookRefused);
  EXPECT_NE(syntax.error.value_or("").find("shell syntax"), std::string::npos) << syntax.error.value_or("");
  EXPECT_FALSE(fs::exists(touched));
  EXPECT_EQ(ReadFile(marks), "pre\npost\n") << "no hook of a refused job ran";
  EXPECT_EQ(SnapshotIds().size(), 1u) << "no backup ran for the refused jobs";
}

TEST_F(ExecutorTest, CancelDuringThePreHookEndsCancelledWithoutRestic) {
  Init();
  auto run = WithHooks(MakeRun(JobKind::kBackup), "echo waiting; sleep 60", std::nullopt);
  const std::string id = run.job_id;
  ASSERT_TRUE(executor().Run(std::move(run)));
  ASSERT_TRUE(recorded_.WaitFor<protocol::JobLog>([&](const auto& log) {
    return log.job_id == id && std::any_of(log.lines.begin(), log.lines.end(),
                                           [](const auto& l) { return l.text == "pre-hook: waiting"; });
  }));
  EXPECT_TRUE(executor().Cancel(id));
  const auto result = WaitResult(id);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status, JobStatus::kCancelled);
  EXPECT_FALSE(result->exit_code.has_value());
  EXPECT_TRUE(SnapshotIds().empty());
}

}  // namespace
}  // namespace rmgr::agent::testing

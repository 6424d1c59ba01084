// The loop when processes die: the server killed mid-backup, the agent
// killed mid-job (back again, or never), the agent told to stop. No result
// is lost or doubled, and no job stays `running`.
#include <boost/json/serialize.hpp>

#include "tests/loop/loop_fixture.h"

namespace rmgr::testing {
namespace {

namespace json = boost::json;

constexpr const char* kPassword = "resilience-password";

class LoopResilienceTest : public LoopTest {
 protected:
  // Server (with `server_flags`) and a throttled agent (with `agent_flags`) up,
  // a repository initialised, and a long backup running; its id in job_id_.
  void StartLongBackup(const std::vector<std::string>& server_flags, std::vector<std::string> agent_flags) {
    ASSERT_NO_FATAL_FAILURE(StartServer(server_flags));
    agent_ = EnrollAgent("victim");
    ASSERT_NE(agent_, nullptr);
    agent_flags.push_back("--restic");
    agent_flags.push_back(ThrottledRestic().string());
    ASSERT_NO_FATAL_FAILURE(StartAgent(*agent_, agent_flags));
    ASSERT_TRUE(WaitConnected(*agent_)) << Logs();
    repo_ = dir_ / "repo";
    ASSERT_NO_FATAL_FAILURE(ResticInit(repo_, kPassword));
    repo_id_ = CreateRepository("repo", repo_, kPassword);
    const std::string group = CreateGroup(agent_->host_id, "big", {BigTree().string()});
    ASSERT_FALSE(repo_id_.empty() || group.empty());
    const auto job = RunJob({{"host_id", agent_->host_id},
                             {"kind", "backup"},
                             {"repository_id", repo_id_},
                             {"source_group_id", group}});
    ASSERT_TRUE(job.is_object());
    job_id_ = Str(job, "id");
    ASSERT_FALSE(WaitRunning(job_id_).is_null()) << Logs();
    // restic's own progress: it is really reading and uploading now.
    ASSERT_TRUE(WaitUntil([&] { return GetJob(job_id_).at("progress").is_object(); })) << Logs();
  }

  bool NoLocksLeft() {
    const auto locks = Restic(repo_, kPassword, {"list", "locks", "--no-lock"});
    return locks.code == 0 && locks.out.empty();
  }

  LoopAgent* agent_ = nullptr;
  std::filesystem::path repo_;
  std::string repo_id_;
  std::string job_id_;
};

TEST_F(LoopResilienceTest, ServerKilledMidBackupGetsTheResultExactlyOnceAfterRestart) {
  ASSERT_NO_FATAL_FAILURE(StartLongBackup({}, {}));
  ASSERT_NO_FATAL_FAILURE(KillServer());

  // The backup goes on without the server; its result waits in the outbox.
  ASSERT_TRUE(WaitUntil([&] { return OutboxSize(*agent_) == 1; })) << Logs();
  ASSERT_NO_FATAL_FAILURE(StartServer());  // same port, same data dir
  ASSERT_TRUE(WaitConnected(*agent_)) << Logs();

  // On reconnect the server first guesses `interrupted` (the hello lists no
  // running job); the resent result then wins. The result is stored once the
  // agent has dropped it from its outbox (result.ack).
  ASSERT_TRUE(WaitUntil([&] { return OutboxSize(*agent_) == 0; }))
      << "the result was never acknowledged" << Logs();
  const auto job = WaitFinished(job_id_);
  EXPECT_EQ(Str(job, "status"), "succeeded")
      << "the agent's own result wins over a guess: " << json::serialize(job);
  const auto jobs = HostJobs(agent_->host_id);
  EXPECT_EQ(jobs.size(), 1U) << json::serialize(jobs);
  const auto snapshots = ResticSnapshots(repo_, kPassword);
  ASSERT_EQ(snapshots.size(), 1U);
  EXPECT_EQ(Str(snapshots.at(0), "short_id"), Str(job, "snapshot_id").substr(0, 8)) << json::serialize(job);
  EXPECT_EQ(ServerSnapshots(repo_id_).size(), 1U);
}

TEST_F(LoopResilienceTest, AgentKilledMidJobAndRestartedEndsTheJobInterrupted) {
  ASSERT_NO_FATAL_FAILURE(StartLongBackup({}, {}));
  ASSERT_NO_FATAL_FAILURE(KillAgent(*agent_));
  ASSERT_NO_FATAL_FAILURE(RestartAgent(*agent_));

  const auto job = WaitFinished(job_id_);
  EXPECT_EQ(Str(job, "status"), "interrupted") << json::serialize(job);
  EXPECT_EQ(Str(job, "error_kind"), "interrupted") << json::serialize(job);
  EXPECT_EQ(HostJobs(agent_->host_id).size(), 1U);
  // restic got SIGINT when its agent died (parent-death signal); it may still
  // die of SIGPIPE before removing its lock. Either way the repository stays
  // usable: a prune needs the exclusive lock, and the agent clears a stale
  // lock of a dead local restic (restic unlock) before retrying.
  const auto prune = RunToEnd({{"host_id", agent_->host_id}, {"kind", "prune"}, {"repository_id", repo_id_}});
  EXPECT_EQ(Str(prune, "status"), "succeeded") << json::serialize(prune) << Logs();
  EXPECT_TRUE(NoLocksLeft()) << Restic(repo_, kPassword, {"list", "locks", "--no-lock"}).out;
}

TEST_F(LoopResilienceTest, JobOfAnAgentThatNeverComesBackIsMarkedLost) {
  ASSERT_NO_FATAL_FAILURE(StartLongBackup({"--job-lost-after", "3"}, {}));
  ASSERT_NO_FATAL_FAILURE(KillAgent(*agent_));
  ASSERT_TRUE(WaitConnected(*agent_, false)) << Logs();

  const auto job = WaitFinished(job_id_, std::chrono::seconds(90));
  EXPECT_EQ(Str(job, "status"), "lost") << json::serialize(job);
  EXPECT_EQ(Str(job, "error_kind"), "lost") << json::serialize(job);
}

TEST_F(LoopResilienceTest, SigtermWithZeroGraceInterruptsTheBackupAndTheAgentExitsZero) {
  ASSERT_NO_FATAL_FAILURE(StartLongBackup({}, {"--shutdown-grace", "0"}));
  const int code = agent_->process->Stop(std::chrono::seconds(60));
  agent_->process.reset();
  EXPECT_EQ(code, 0) << "exit status after SIGTERM\n" << ReadText(agent_->log);

  // Whatever the server heard before the agent went, the job must end after it returns.
  ASSERT_NO_FATAL_FAILURE(RestartAgent(*agent_));
  ASSERT_TRUE(WaitConnected(*agent_)) << Logs();
  EXPECT_TRUE(WaitUntil([&] { return OutboxSize(*agent_) == 0; })) << "the result was never acknowledged";
  const auto job = WaitFinished(job_id_);
  const std::string status = Str(job, "status");
  EXPECT_TRUE(status == "interrupted" || status == "succeeded") << json::serialize(job);
  EXPECT_TRUE(WaitUntil([&] { return NoLocksLeft(); }, std::chrono::seconds(60)));
  EXPECT_EQ(HostJobs(agent_->host_id).size(), 1U);
}

}  // namespace
}  // namespace rmgr::testing

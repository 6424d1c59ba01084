// The fault matrix, environment rows: the network cut mid-job, the agent's
// state disk full when a job ends, and the server's SQLite write lock held by
// another process for longer than the server's busy timeout while a result
// arrives. Each needs root for one capability (a network namespace, a tmpfs
// mount); where the machine lacks it the row is skipped saying what is
// missing, never passed.
#include <sqlite3.h>

#include <boost/json/serialize.hpp>

#include "tests/faults/faults_fixture.h"

namespace rmgr::testing {
namespace {

namespace json = boost::json;

// Big enough for agent.json, the schedule set and restic's cache of two small repositories.
constexpr std::size_t kStateDiskBytes = std::size_t{4} << 20;

TEST_F(FaultMatrixTest, NetworkPartitionedMidJob) {
  // The whole test — server, agent and the API client — lives in a private
  // network namespace whose loopback the test takes down and up again. (tc
  // netem is not needed, and this kernel may not have it.)
  if (const std::string missing = EnterPrivateNetwork(); !missing.empty()) {
    GTEST_SKIP() << "no private network namespace for the partition: " << missing;
  }
  ASSERT_NO_FATAL_FAILURE(StartWorld());
  BeginFault();
  ASSERT_NO_FATAL_FAILURE(Freeze(agent_->process->pid()));
  const std::string job_id = RunWork();
  ASSERT_FALSE(job_id.empty());
  ASSERT_TRUE(WaitCommandInAgentSocket(job_id)) << json::serialize(GetJob(job_id));

  // Cut while the command is on its way: the job starts, runs and ends, and a
  // fire comes, with no way to tell the server.
  ASSERT_EQ(SetLoopback(false), "");
  ASSERT_NO_FATAL_FAILURE(Thaw(agent_->process->pid()));
  const bool held = WaitUntil([&] { return InOutbox(job_id) && FireCount() > 0; });
  ASSERT_EQ(SetLoopback(true), "");
  ASSERT_TRUE(held) << "the job did not end, or no fire came, during the partition" << Logs();

  ASSERT_NO_FATAL_FAILURE(EndFault(/*reconnects=*/false));  // the connection may outlive a short cut
  EXPECT_TRUE(WaitUntil([&] { return !InOutbox(job_id); })) << "never acknowledged" << Logs();
  const auto job = WaitFinished(job_id);
  EXPECT_EQ(Str(job, "status"), "succeeded") << json::serialize(job);
  ExpectNothingLost();
}

TEST_F(FaultMatrixTest, AgentStateDiskFullWhenAJobEnds) {
  // The agent's state dir (agent.json, fires/, outbox/, restic's cache) is a small tmpfs.
  if (const std::string missing = MountSmallDisk(dir_ / "agent-node", kStateDiskBytes); !missing.empty()) {
    GTEST_SKIP() << "no small disk for the agent's state: " << missing;
  }
  ASSERT_NO_FATAL_FAILURE(StartWorld());
  BeginFault();
  ASSERT_NO_FATAL_FAILURE(Freeze(agent_->process->pid()));
  const std::string job_id = RunWork();
  ASSERT_FALSE(job_id.empty());
  ASSERT_TRUE(WaitCommandInAgentSocket(job_id)) << json::serialize(GetJob(job_id));
  // The disk fills and the server freezes: the job ends with nowhere to keep its result.
  ASSERT_NO_FATAL_FAILURE(Freeze(ServerPid()));
  ASSERT_NO_FATAL_FAILURE(FillDisk());
  ASSERT_NO_FATAL_FAILURE(Thaw(agent_->process->pid()));
  ASSERT_TRUE(WaitUntil([&] { return AgentFinished(job_id); })) << Logs();
  EXPECT_TRUE(AgentSaid("No space left on device")) << "the agent names the full disk" << Logs();
  // The result frame sent to the frozen server dies with it.
  ASSERT_NO_FATAL_FAILURE(CutServer());
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_NO_FATAL_FAILURE(EndFault());
  RemoveFiller();  // space returns

  // The agent's own result arrives, whatever restic made of the full disk;
  // the server's guess (`interrupted`) would mean the result was lost.
  json::value job;
  const bool landed = WaitUntil([&] {
    job = GetJob(job_id);
    return Str(job, "status") == "succeeded" || Str(job, "status") == "failed";
  });
  EXPECT_TRUE(landed) << json::serialize(job) << Logs();
  ExpectNothingLost();
}

// A connection of this test process (not the server's) to the server's database.
class DatabaseLock {
 public:
  explicit DatabaseLock(const std::filesystem::path& db) {
    if (sqlite3_open_v2(db.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) return;
    sqlite3_busy_timeout(db_, 60'000);  // the server may be writing right now
    held_ = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  ~DatabaseLock() { sqlite3_close(db_); }
  DatabaseLock(const DatabaseLock&) = delete;
  DatabaseLock& operator=(const DatabaseLock&) = delete;

  bool held() const { return held_; }
  std::string error() const { return db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory"; }
  //! Ends the write transaction (nothing was written).
  bool Release() {
    held_ = false;
    return sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
  }

 private:
  sqlite3* db_ = nullptr;
  bool held_ = false;
};

TEST_F(FaultMatrixTest, DatabaseWriteLockHeldPastTheBusyTimeoutWhileAResultArrives) {
  ASSERT_NO_FATAL_FAILURE(StartWorld());
  BeginFault();
  ASSERT_NO_FATAL_FAILURE(Freeze(agent_->process->pid()));
  const std::string job_id = RunWork();
  ASSERT_FALSE(job_id.empty());
  ASSERT_TRUE(WaitCommandInAgentSocket(job_id)) << json::serialize(GetJob(job_id));

  DatabaseLock lock(dir_ / "data" / "restic-manager.db");
  ASSERT_TRUE(lock.held()) << lock.error();
  ASSERT_NO_FATAL_FAILURE(Thaw(agent_->process->pid()));
  // The result arrives while the lock is held; the server gives up on storing
  // it after its busy timeout and leaves it unacknowledged.
  ASSERT_TRUE(WaitUntil([&] { return ServerSaid("job.result " + job_id); })) << Logs();
  EXPECT_TRUE(InOutbox(job_id));
  ASSERT_TRUE(lock.Release()) << lock.error();

  // The agent sends it again: it lands, in its real final state ...
  EXPECT_TRUE(WaitUntil([&] { return !InOutbox(job_id); })) << "never acknowledged" << Logs();
  const auto job = WaitFinished(job_id);
  EXPECT_EQ(Str(job, "status"), "succeeded") << json::serialize(job);
  // ... and its repository is not left busy: the next job on it runs.
  const auto next =
      RunToEnd({{"host_id", agent_->host_id}, {"kind", "check"}, {"repository_id", work_repo_id_}});
  EXPECT_EQ(Str(next, "status"), "succeeded") << json::serialize(next);
  ASSERT_NO_FATAL_FAILURE(EndFault(/*reconnects=*/false));
  ExpectNothingLost();
}

}  // namespace
}  // namespace rmgr::testing

// The fault matrix, lifecycle rows: the server or the agent killed at each
// step of a job's life — after a fire, before its dispatch; after a dispatch,
// before the job started; mid-run; after the result, before its ack — while
// the heartbeat's fires keep coming. Each step is reached by freezing the
// other side (SIGSTOP: its frames wait in kernel buffers) and watching the
// job's status and the agent's fires/ and outbox/ directories, so the cut
// lands exactly between the two steps named. Plain kill -9 of either side
// mid-backup is tests/loop/loop_resilience_test.cpp.
#include <boost/json/serialize.hpp>

#include "tests/faults/faults_fixture.h"

namespace rmgr::testing {
namespace {

namespace json = boost::json;

constexpr std::chrono::seconds kFireWait{30};  // the heartbeat fires every 5 s

TEST_F(FaultMatrixTest, ServerKilledAfterAFireBeforeItsDispatch) {
  ASSERT_NO_FATAL_FAILURE(StartWorld());
  BeginFault();
  ASSERT_NO_FATAL_FAILURE(Freeze(ServerPid()));
  // The agent's next fire is on its disk and in the frozen server's socket, unanswered.
  ASSERT_TRUE(WaitUntil([&] { return FireCount() > 0; }, kFireWait)) << Logs();
  ASSERT_NO_FATAL_FAILURE(CutServer());
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_NO_FATAL_FAILURE(EndFault());
  ExpectNothingLost();
}

TEST_F(FaultMatrixTest, AgentKilledAfterAFireBeforeItsAnswer) {
  ASSERT_NO_FATAL_FAILURE(StartWorld());
  BeginFault();
  ASSERT_NO_FATAL_FAILURE(Freeze(ServerPid()));
  ASSERT_TRUE(WaitUntil([&] { return FireCount() > 0; }, kFireWait)) << Logs();
  ASSERT_NO_FATAL_FAILURE(CutAgent());
  // The server now reads the fire and answers a dead connection; the
  // restarted agent sends it again from its disk: the same job, not a second.
  ASSERT_NO_FATAL_FAILURE(Thaw(ServerPid()));
  ASSERT_NO_FATAL_FAILURE(RestartAgent(*agent_));
  ASSERT_NO_FATAL_FAILURE(EndFault());
  ExpectNothingLost();
}

TEST_F(FaultMatrixTest, AgentKilledAfterADispatchBeforeTheJobStarted) {
  ASSERT_NO_FATAL_FAILURE(StartWorld());
  BeginFault();
  ASSERT_NO_FATAL_FAILURE(Freeze(agent_->process->pid()));
  const std::string job_id = RunWork();
  ASSERT_FALSE(job_id.empty());
  // command.run is in the frozen agent's socket: dispatched, never started.
  ASSERT_TRUE(WaitCommandInAgentSocket(job_id)) << json::serialize(GetJob(job_id));
  ASSERT_NO_FATAL_FAILURE(CutAgent());
  ASSERT_NO_FATAL_FAILURE(RestartAgent(*agent_));
  ASSERT_NO_FATAL_FAILURE(EndFault());
  const auto job = WaitFinished(job_id);
  // The agent came back without it and no result of its own: it never
  // received it, so the server sends it again and the window runs after all.
  EXPECT_EQ(Str(job, "status"), "succeeded") << json::serialize(job);
  ExpectNothingLost();
}

TEST_F(FaultMatrixTest, ServerKilledAfterADispatchBeforeTheJobStarted) {
  ASSERT_NO_FATAL_FAILURE(StartWorld());
  BeginFault();
  ASSERT_NO_FATAL_FAILURE(Freeze(agent_->process->pid()));
  const std::string job_id = RunWork();
  ASSERT_FALSE(job_id.empty());
  ASSERT_TRUE(WaitCommandInAgentSocket(job_id)) << json::serialize(GetJob(job_id));
  ASSERT_NO_FATAL_FAILURE(CutServer());
  // The agent reads the command.run still in its socket, runs the job without
  // a server, keeps the result in its outbox and delivers it once it is back.
  ASSERT_NO_FATAL_FAILURE(Thaw(agent_->process->pid()));
  ASSERT_TRUE(WaitUntil([&] { return AgentFinished(job_id); })) << Logs();
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_NO_FATAL_FAILURE(EndFault());
  // The server's guess (`interrupted`) may show until the resent result lands.
  EXPECT_TRUE(WaitUntil([&] { return !InOutbox(job_id); })) << "never acknowledged" << Logs();
  const auto job = WaitFinished(job_id);
  EXPECT_EQ(Str(job, "status"), "succeeded") << json::serialize(job);
  ExpectNothingLost();
}

TEST_F(FaultMatrixTest, ServerRestartedMidRunWithFiresAndResultsInFlight) {
  ASSERT_NO_FATAL_FAILURE(StartWorld());
  const std::string job_id = RunWork(/*big=*/true);
  ASSERT_FALSE(job_id.empty());
  ASSERT_FALSE(WaitRunning(job_id).is_null()) << Logs();
  BeginFault();
  ASSERT_NO_FATAL_FAILURE(CutServer());
  // While the server is down the backup ends and the heartbeat fires: both wait on the agent's disk.
  ASSERT_TRUE(WaitUntil([&] { return InOutbox(job_id) && FireCount() > 0; })) << Logs();
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_NO_FATAL_FAILURE(EndFault());
  EXPECT_TRUE(WaitUntil([&] { return !InOutbox(job_id); })) << "never acknowledged" << Logs();
  const auto job = WaitFinished(job_id);
  EXPECT_EQ(Str(job, "status"), "succeeded") << json::serialize(job);
  ExpectNothingLost();
}

// Freezes the agent, dispatches a small backup and freezes the server; the
// agent then runs it, and its result waits in the outbox and in the frozen
// server's socket, unacknowledged.
class ResultInFlightTest : public FaultMatrixTest {
 protected:
  void ResultWaitsForItsAck() {
    ASSERT_NO_FATAL_FAILURE(StartWorld());
    BeginFault();
    ASSERT_NO_FATAL_FAILURE(Freeze(agent_->process->pid()));
    job_id_ = RunWork();
    ASSERT_FALSE(job_id_.empty());
    ASSERT_TRUE(WaitCommandInAgentSocket(job_id_)) << json::serialize(GetJob(job_id_));
    ASSERT_NO_FATAL_FAILURE(Freeze(ServerPid()));
    ASSERT_NO_FATAL_FAILURE(Thaw(agent_->process->pid()));
    ASSERT_TRUE(WaitUntil([&] { return InOutbox(job_id_) && AgentFinished(job_id_); })) << Logs();
  }

  // After the cut: the result is stored once, as the agent reported it, and acknowledged.
  void ResultLandsOnce() {
    ASSERT_NO_FATAL_FAILURE(EndFault());
    EXPECT_TRUE(WaitUntil([&] { return !InOutbox(job_id_); })) << "never acknowledged" << Logs();
    const auto job = WaitFinished(job_id_);
    EXPECT_EQ(Str(job, "status"), "succeeded") << json::serialize(job);
    EXPECT_EQ(Str(job, "snapshot_id").empty(), false) << json::serialize(job);
  }

  std::string job_id_;
};

TEST_F(ResultInFlightTest, AgentKilledAfterTheResultBeforeItsAck) {
  ASSERT_NO_FATAL_FAILURE(ResultWaitsForItsAck());
  ASSERT_NO_FATAL_FAILURE(CutAgent());
  // The server reads the result and acks into a dead connection; the
  // restarted agent sends it again from its outbox: stored idempotently.
  ASSERT_NO_FATAL_FAILURE(Thaw(ServerPid()));
  ASSERT_NO_FATAL_FAILURE(RestartAgent(*agent_));
  ASSERT_NO_FATAL_FAILURE(ResultLandsOnce());
  ExpectNothingLost();
}

TEST_F(ResultInFlightTest, ServerKilledAfterTheResultBeforeItsAck) {
  ASSERT_NO_FATAL_FAILURE(ResultWaitsForItsAck());
  ASSERT_NO_FATAL_FAILURE(CutServer());  // the result in its socket is gone with it
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_NO_FATAL_FAILURE(ResultLandsOnce());
  ExpectNothingLost();
}

}  // namespace
}  // namespace rmgr::testing

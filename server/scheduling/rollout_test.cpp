// The rollout engine at the protocol level: a failed rollout rolls back the
// hosts of its stopped wave that came up on the new version (agent.rollback),
// now when they are connected, at their next hello when they are not; later
// waves are left alone, each decision is audited.
#include "server/scheduling/scheduling_test_fixture.h"

namespace rmgr::server::scheduling {
namespace {

using store::RolloutHostState;
using store::RolloutState;

constexpr std::string_view kOld = "0.3.1";
constexpr std::string_view kNew = "9.0.0";

class RolloutEngineTest : public SchedulingTest {
 protected:
  //! Connects the host's agent, says hello reporting `version` and waits for hello.ok.
  Client ConnectOn(const TestHost& host, std::string_view version) {
    auto client = Connect(host);
    protocol::Hello hello = HelloWith();
    hello.agent_version = std::string(version);
    EXPECT_TRUE(client->Send(hello));
    EXPECT_TRUE(client->Expect<protocol::HelloOk>()) << "no hello.ok";
    return client;
  }

  //! Starts a rollout of kNew over `hosts` in waves of `wave_size`.
  std::string StartRollout(const std::vector<TestHost>& hosts, int64_t wave_size) {
    store::NewRollout rollout;
    rollout.version = std::string(kNew);
    rollout.bundle_path = "/api/v1/agent/releases/9.0.0/bundle";
    rollout.bundle_size = 1234;
    rollout.bundle_sha256 = std::string(64, 'a');
    rollout.signature = std::string(128, 'b');
    rollout.wave_size = wave_size;
    for (const auto& host : hosts) rollout.host_ids.push_back(host.id);
    auto made = Store().Write([&](store::WriteTx& tx) { return tx.CreateRollout(rollout); });
    EXPECT_TRUE(made.ok()) << made.error().Describe();
    Controller().RolloutsChanged();
    DrainPosts();
    return made ? made->id : std::string();
  }

  store::Rollout RolloutOf(const std::string& id) {
    auto rollout = Store().Read([&](store::ReadTx& tx) { return tx.GetRollout(id); });
    EXPECT_TRUE(rollout.ok()) << rollout.error().Describe();
    return rollout ? *rollout : store::Rollout{};
  }

  store::RolloutHost HostRow(const std::string& rollout_id, const TestHost& host) {
    for (const auto& row : RolloutOf(rollout_id).hosts) {
      if (row.host_id == host.id) return row;
    }
    ADD_FAILURE() << "host " << host.id << " is not in rollout " << rollout_id;
    return {};
  }

  //! The agent reports what became of the update (or rollback) of `rollout_id`.
  static void Report(ws::testing::FakeAgentClient& client, const std::string& rollout_id,
                     protocol::UpdateOutcome outcome, std::string reason) {
    ASSERT_TRUE(
        client.Send(protocol::AgentUpdateStatus{rollout_id, std::string(kNew), outcome, std::move(reason)}));
    ASSERT_TRUE(client.Sync());
  }

  bool HasWork(const std::string& rollout_id) {
    auto ids = Store().Read([](store::ReadTx& tx) { return tx.ListRunningRollouts(); });
    return ids && std::find(ids->begin(), ids->end(), rollout_id) != ids->end();
  }

  //! The host's agent restarts and says hello reporting `version`.
  void Restart(Client& client, const TestHost& host, std::string_view version) {
    client->Close();
    ASSERT_TRUE(WaitDisconnected(host.id));
    client = ConnectOn(host, version);
    ASSERT_TRUE(client->Sync());
  }

  //! a_ and b_ connected on kOld, a rollout of both in one wave (id_), both sent agent.update.
  void StartOneWave() {
    a_ = MakeHost("a");
    b_ = MakeHost("b");
    agent_a_ = ConnectOn(a_, kOld);
    agent_b_ = ConnectOn(b_, kOld);
    id_ = StartRollout({a_, b_}, 2);
    ASSERT_TRUE(agent_a_->Expect<protocol::AgentUpdate>());
    ASSERT_TRUE(agent_b_->Expect<protocol::AgentUpdate>());
  }

  TestHost a_;
  TestHost b_;
  Client agent_a_;
  Client agent_b_;
  std::string id_;
};

// Wave 0 = {a, b}: b comes up healthy, a's update is rolled back by its
// supervisor. The rollout fails, b is sent agent.rollback at once, c of wave
// 1 never hears of it.
TEST_F(RolloutEngineTest, AFailedWaveRollsBackItsHealthyHostAndLeavesLaterWavesAlone) {
  const TestHost a = MakeHost("a");
  const TestHost b = MakeHost("b");
  const TestHost c = MakeHost("c");
  auto agent_a = ConnectOn(a, kOld);
  auto agent_b = ConnectOn(b, kOld);
  auto agent_c = ConnectOn(c, kOld);
  const std::string id = StartRollout({a, b, c}, 2);
  ASSERT_TRUE(agent_a->Expect<protocol::AgentUpdate>());
  ASSERT_TRUE(agent_b->Expect<protocol::AgentUpdate>());

  ASSERT_NO_FATAL_FAILURE(Restart(agent_b, b, kNew));  // b restarts into the new version, healthy
  EXPECT_EQ(HostRow(id, b).state, RolloutHostState::kDone);
  EXPECT_TRUE(Audits("rollout.rollback").empty()) << "nothing failed yet";

  Report(*agent_a, id, protocol::UpdateOutcome::kRolledBack, "9.0.0 exited with status 1");
  const store::Rollout failed = RolloutOf(id);
  EXPECT_EQ(failed.state, RolloutState::kFailed);
  EXPECT_EQ(HostRow(id, a).state, RolloutHostState::kRolledBack);
  const auto rollback = agent_b->Expect<protocol::AgentRollback>();
  ASSERT_TRUE(rollback) << "b must be told to roll back";
  EXPECT_EQ(rollback->rollout_id, id);
  EXPECT_EQ(rollback->version, kNew);
  const store::RolloutHost going = HostRow(id, b);
  EXPECT_EQ(going.state, RolloutHostState::kRollingBack);
  EXPECT_TRUE(going.deadline_at.has_value()) << "sent: the deadline runs";
  EXPECT_EQ(going.from_version, kOld);
  EXPECT_EQ(HostRow(id, c).state, RolloutHostState::kSkipped);
  const auto audits = Audits("rollout.rollback");
  ASSERT_EQ(audits.size(), 1u);
  EXPECT_EQ(audits[0].target_id, id);
  EXPECT_NE(audits[0].detail_json.find(b.id), std::string::npos) << audits[0].detail_json;
  EXPECT_TRUE(HasWork(id)) << "a host still rolling back is followed";

  // b goes back and says so after its next hello.
  ASSERT_NO_FATAL_FAILURE(Restart(agent_b, b, kOld));
  Report(*agent_b, id, protocol::UpdateOutcome::kRolledBack, "rollout " + id + " failed: wave rolled back");
  const store::RolloutHost back = HostRow(id, b);
  EXPECT_EQ(back.state, RolloutHostState::kRolledBack);
  EXPECT_NE(back.error.find("wave rolled back"), std::string::npos) << back.error;
  EXPECT_FALSE(back.deadline_at.has_value());
  EXPECT_FALSE(HasWork(id));
  // The host of the later wave was never sent anything about it.
  const auto heard = agent_c->Sync();
  ASSERT_TRUE(heard);
  EXPECT_TRUE(Of<protocol::AgentUpdate>(*heard).empty());
  EXPECT_TRUE(Of<protocol::AgentRollback>(*heard).empty());
  for (const auto& frame : agent_c->Skipped()) {
    EXPECT_FALSE(std::holds_alternative<protocol::AgentUpdate>(frame.payload));
    EXPECT_FALSE(std::holds_alternative<protocol::AgentRollback>(frame.payload));
  }
}

// b is offline when the rollout fails: its rollback waits in the store (no
// deadline) and goes out at its next hello on the new version.
TEST_F(RolloutEngineTest, AnOfflineHostGetsTheRollbackAtItsNextHello) {
  ASSERT_NO_FATAL_FAILURE(StartOneWave());
  ASSERT_NO_FATAL_FAILURE(Restart(agent_b_, b_, kNew));
  agent_b_->Close();
  ASSERT_TRUE(WaitDisconnected(b_.id));

  Report(*agent_a_, id_, protocol::UpdateOutcome::kRefused, "signature does not verify");
  EXPECT_EQ(RolloutOf(id_).state, RolloutState::kFailed);
  const store::RolloutHost due = HostRow(id_, b_);
  EXPECT_EQ(due.state, RolloutHostState::kRollingBack);
  EXPECT_FALSE(due.deadline_at.has_value()) << "not sent: no deadline while it is offline";
  // A tick while it is away changes nothing, however late.
  AdvanceClock(std::chrono::hours(2));
  Controller().RolloutsChanged();
  DrainPosts();
  EXPECT_EQ(HostRow(id_, b_).state, RolloutHostState::kRollingBack);

  agent_b_ = ConnectOn(b_, kNew);
  const auto rollback = agent_b_->Expect<protocol::AgentRollback>();
  ASSERT_TRUE(rollback) << "the rollback goes out at its hello";
  EXPECT_EQ(rollback->version, kNew);
  EXPECT_TRUE(HostRow(id_, b_).deadline_at.has_value());
  EXPECT_EQ(Audits("rollout.rollback").size(), 1u) << "one decision, however often it is sent";
}

// b is still updating when a's failure stops the rollout; it comes up on the
// new version afterwards and is rolled back then. Its agent refuses (nothing
// to go back to): the host fails with the reason.
TEST_F(RolloutEngineTest, AHostThatComesUpAfterTheFailureIsRolledBackAndARefusalIsKept) {
  ASSERT_NO_FATAL_FAILURE(StartOneWave());
  Report(*agent_a_, id_, protocol::UpdateOutcome::kRolledBack, "9.0.0 exited with status 1");
  EXPECT_EQ(RolloutOf(id_).state, RolloutState::kFailed);
  EXPECT_EQ(HostRow(id_, b_).state, RolloutHostState::kUpdating);
  EXPECT_TRUE(Audits("rollout.rollback").empty());

  agent_b_->Close();
  ASSERT_TRUE(WaitDisconnected(b_.id));
  agent_b_ = ConnectOn(b_, kNew);
  ASSERT_TRUE(agent_b_->Expect<protocol::AgentRollback>()) << "came up after the failure: rolled back";
  EXPECT_EQ(HostRow(id_, b_).state, RolloutHostState::kRollingBack);
  EXPECT_EQ(Audits("rollout.rollback").size(), 1u);

  Report(*agent_b_, id_, protocol::UpdateOutcome::kRefused,
         "nothing to roll back to: no previous version is kept");
  const store::RolloutHost refused = HostRow(id_, b_);
  EXPECT_EQ(refused.state, RolloutHostState::kFailed);
  EXPECT_EQ(refused.error, "rollback refused: nothing to roll back to: no previous version is kept");
  EXPECT_FALSE(HasWork(id_));
}

// A host that was sent the rollback and never reports fails at its deadline;
// "waiting" (jobs run on it) starts the deadline again.
TEST_F(RolloutEngineTest, ARollbackThatIsNeverReportedFailsAtItsDeadline) {
  ASSERT_NO_FATAL_FAILURE(StartOneWave());
  ASSERT_NO_FATAL_FAILURE(Restart(agent_b_, b_, kNew));
  Report(*agent_a_, id_, protocol::UpdateOutcome::kRolledBack, "9.0.0 exited with status 1");
  ASSERT_TRUE(agent_b_->Expect<protocol::AgentRollback>());

  AdvanceClock(std::chrono::minutes(10));
  Report(*agent_b_, id_, protocol::UpdateOutcome::kWaiting, "waiting for running jobs to finish");
  AdvanceClock(std::chrono::minutes(10));
  Controller().RolloutsChanged();
  DrainPosts();
  EXPECT_EQ(HostRow(id_, b_).state, RolloutHostState::kRollingBack) << "waiting restarted its deadline";

  AdvanceClock(std::chrono::minutes(10));
  Controller().RolloutsChanged();
  DrainPosts();
  const store::RolloutHost late = HostRow(id_, b_);
  EXPECT_EQ(late.state, RolloutHostState::kFailed);
  EXPECT_EQ(late.error, "did not roll back from 9.0.0 in time");
  EXPECT_FALSE(HasWork(id_));
}

}  // namespace
}  // namespace rmgr::server::scheduling

// Store suite: agent rollouts (migration 0014) — hosts ordered into waves,
// state changes, and which rollouts still have work.
#include "server/store/store_test_fixture.h"

namespace rmgr::store::testing {
namespace {

class RolloutsTest : public StoreTest {
 protected:
  std::string MakeHost(const std::string& name) {
    return Must(store().Write([&](WriteTx& tx) { return tx.CreateHost(NewHost{name, "", true, ""}); })).id;
  }
  NewRollout Rollout3(const std::vector<std::string>& hosts) {
    NewRollout r;
    r.version = "0.2.0";
    r.bundle_path = "/api/v1/agent/releases/0.2.0/bundle";
    r.bundle_size = 1234;
    r.bundle_sha256 = std::string(64, 'a');
    r.signature = std::string(128, 'b');
    r.wave_size = 2;
    r.created_by = "admin-id";
    r.host_ids = hosts;
    return r;
  }
};

TEST_P(RolloutsTest, HostsAreOrderedIntoWavesAndStatesStick) {
  const std::vector<std::string> hosts{MakeHost("c"), MakeHost("a"), MakeHost("b")};
  const Rollout made = Must(store().Write([&](WriteTx& tx) { return tx.CreateRollout(Rollout3(hosts)); }));
  ASSERT_EQ(made.hosts.size(), 3u);
  EXPECT_EQ(made.state, RolloutState::kRunning);
  EXPECT_EQ(made.hosts[0].host_id, hosts[0]);  // the order given, not by name
  EXPECT_EQ(made.hosts[0].host_name, "c");
  EXPECT_EQ(made.hosts[1].wave, 0);
  EXPECT_EQ(made.hosts[2].wave, 1);
  EXPECT_EQ(made.hosts[2].state, RolloutHostState::kPending);

  const TimePoint deadline = Now() + std::chrono::minutes(15);
  MustOk(store().Write([&](WriteTx& tx) {
    return tx.SetRolloutHostState(made.id, hosts[0], RolloutHostState::kUpdating, "", deadline,
                                  std::string("0.1.0"));
  }));
  MustOk(store().Write(
      [&](WriteTx& tx) { return tx.SetRolloutState(made.id, RolloutState::kFailed, "host c: boom"); }));
  // A stopped rollout with a host still updating keeps being followed.
  auto open = Must(store().Read([](ReadTx& tx) { return tx.ListRunningRollouts(); }));
  EXPECT_EQ(open, std::vector<std::string>{made.id});
  MustOk(store().Write([&](WriteTx& tx) {
    return tx.SetRolloutHostState(made.id, hosts[0], RolloutHostState::kRolledBack, "rolled_back: exit 1",
                                  std::nullopt);
  }));
  open = Must(store().Read([](ReadTx& tx) { return tx.ListRunningRollouts(); }));
  EXPECT_TRUE(open.empty());

  const Rollout read = Must(store().Read([&](ReadTx& tx) { return tx.GetRollout(made.id); }));
  EXPECT_EQ(read.state, RolloutState::kFailed);
  EXPECT_EQ(read.error, "host c: boom");
  EXPECT_TRUE(read.finished_at.has_value());
  EXPECT_EQ(read.hosts[0].state, RolloutHostState::kRolledBack);
  EXPECT_EQ(read.hosts[0].from_version, "0.1.0");  // kept when not given again
  EXPECT_FALSE(read.hosts[0].deadline_at.has_value());
  EXPECT_EQ(Must(store().Read([](ReadTx& tx) { return tx.ListRollouts(10); })).size(), 1u);
}

TEST_P(RolloutsTest, AHostRollingBackKeepsAFailedRolloutFollowed) {
  const std::vector<std::string> hosts{MakeHost("a"), MakeHost("b")};
  const Rollout made = Must(store().Write([&](WriteTx& tx) { return tx.CreateRollout(Rollout3(hosts)); }));
  MustOk(store().Write([&](WriteTx& tx) {
    return tx.SetRolloutHostState(made.id, hosts[1], RolloutHostState::kRollingBack,
                                  "rollout failed: rolling back to 0.1.0", std::nullopt);
  }));
  MustOk(store().Write([&](WriteTx& tx) { return tx.SetRolloutState(made.id, RolloutState::kFailed, "x"); }));
  EXPECT_EQ(Must(store().Read([](ReadTx& tx) { return tx.ListRunningRollouts(); })),
            std::vector<std::string>{made.id});
  const Rollout read = Must(store().Read([&](ReadTx& tx) { return tx.GetRollout(made.id); }));
  EXPECT_EQ(read.hosts[1].state, RolloutHostState::kRollingBack);
  EXPECT_EQ(ToString(read.hosts[1].state), "rolling_back");
  EXPECT_EQ(ParseRolloutHostState("rolling_back"), RolloutHostState::kRollingBack);
  MustOk(store().Write([&](WriteTx& tx) {
    return tx.SetRolloutHostState(made.id, hosts[1], RolloutHostState::kRolledBack, "rolled_back: r",
                                  std::nullopt);
  }));
  EXPECT_TRUE(Must(store().Read([](ReadTx& tx) { return tx.ListRunningRollouts(); })).empty());
}

TEST_P(RolloutsTest, RefusesAnEmptyOrRepeatedHostListAndUnknownIds) {
  const std::string host = MakeHost("a");
  auto empty = store().Write([&](WriteTx& tx) { return tx.CreateRollout(Rollout3({})); });
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);
  auto twice = store().Write([&](WriteTx& tx) { return tx.CreateRollout(Rollout3({host, host})); });
  EXPECT_EQ(twice.error().code, ErrorCode::kInvalidArgument);
  auto unknown =
      store().Write([&](WriteTx& tx) { return tx.CreateRollout(Rollout3({"01HZX3P0000000000000000NOP"})); });
  EXPECT_FALSE(unknown.ok());
  EXPECT_EQ(store().Read([](ReadTx& tx) { return tx.GetRollout("nope"); }).error().code,
            ErrorCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(store, RolloutsTest, ::testing::ValuesIn(AllBackends()), BackendName);

}  // namespace
}  // namespace rmgr::store::testing

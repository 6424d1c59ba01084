// Repository leases across hosts (repository_leases.h) at the protocol
// level: one repository shared by several hosts' agents.
#include <vector>

#include "server/scheduling/scheduling_test_fixture.h"

namespace rmgr::server::scheduling {
namespace {

class LeasesTest : public SchedulingTest {
 protected:
  void SetUp() override {
    SchedulingTest::SetUp();
    a_ = MakeHost("host-a");
    b_ = MakeHost("host-b");
    c_ = MakeHost("host-c");
    repository_ = MakeRepository("nas");
    for (const auto* host : {&a_, &b_, &c_}) groups_.push_back(MakeGroup(host->id, "data", {"/data"}));
  }

  //! A queued job of `kind` on the host (a backup of its group).
  std::string Queue(const TestHost& host, store::JobKind kind) {
    store::NewJob job;
    job.host_id = host.id;
    job.kind = kind;
    job.actor_kind = store::ActorKind::kUser;
    job.actor_id = "test-operator";
    job.repository_id = repository_;
    if (kind == store::JobKind::kBackup)
      job.source_group_id = groups_[&host == &a_ ? 0 : &host == &b_ ? 1 : 2];
    auto created = Store().Write([&](store::WriteTx& tx) { return tx.CreateJob(job); });
    EXPECT_TRUE(created.ok()) << created.error().Describe();
    Controller().JobsQueued(host.id);
    DrainPosts();
    return created ? created->id : std::string{};
  }

  //! The job the agent is sent next, started.
  std::string RunNext(ws::testing::FakeAgentClient& client) {
    auto run = client.Expect<protocol::CommandRun>();
    EXPECT_TRUE(run) << "no command.run";
    if (!run) return {};
    EXPECT_TRUE(client.Send(Started(run->job_id)));
    EXPECT_TRUE(client.Sync());
    return run->job_id;
  }

  //! Nothing was dispatched to the agent (everything it was sent has arrived).
  static void NothingRuns(ws::testing::FakeAgentClient& client) {
    auto frames = client.Sync();
    ASSERT_TRUE(frames);
    EXPECT_TRUE(Of<protocol::CommandRun>(*frames).empty());
  }

  void Finish(ws::testing::FakeAgentClient& client, const std::string& job_id) {
    ASSERT_TRUE(client.Send(Succeeded(job_id)));
    ASSERT_TRUE(client.Expect<protocol::ResultAck>());
    DrainPosts();
  }

  void SetRepository(int max_backups, std::string cron, int minutes) {
    auto updated = Store().Write([&](store::WriteTx& tx) -> Result<void> {
      auto repository = tx.GetRepository(repository_);
      if (!repository) return repository.error();
      repository->max_concurrent_backups = max_backups;
      repository->maintenance_cron = std::move(cron);
      repository->maintenance_minutes = minutes;
      auto bumped = tx.UpdateRepository(*repository);
      if (!bumped) return bumped.error();
      return Ok();
    });
    ASSERT_TRUE(updated.ok()) << updated.error().Describe();
  }

  TestHost a_;
  TestHost b_;
  TestHost c_;
  std::string repository_;
  std::vector<std::string> groups_;
};

TEST_F(LeasesTest, APruneWaitsForAnotherHostsBackupAndStartsWhenItEnds) {
  auto a = ConnectAndGreet(a_);
  auto b = ConnectAndGreet(b_);
  ASSERT_TRUE(a && b);
  Queue(a_, store::JobKind::kBackup);
  const std::string backup = RunNext(*a);

  const std::string prune = Queue(b_, store::JobKind::kPrune);
  NothingRuns(*b);
  store::Job waiting = JobOf(prune);
  EXPECT_EQ(waiting.status, store::JobStatus::kQueued);
  EXPECT_EQ(waiting.wait_reason, "waiting for backup of repository nas on host host-a");
  ASSERT_EQ(Audits("job.waiting").size(), 1u);
  EXPECT_EQ(Audits("job.waiting")[0].target_id, prune);

  // Another pass changes nothing and audits nothing new.
  Controller().JobsQueued(b_.id);
  NothingRuns(*b);
  EXPECT_EQ(Audits("job.waiting").size(), 1u);

  Finish(*a, backup);
  auto run = b->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run);
  EXPECT_EQ(run->job_id, prune);
  EXPECT_EQ(JobOf(prune).status, store::JobStatus::kDispatched);
  EXPECT_EQ(JobOf(prune).wait_reason, "");
  const auto leases = Audits("job.lease");
  ASSERT_EQ(leases.size(), 1u);
  EXPECT_NE(leases[0].detail_json.find("waiting for backup of repository nas on host host-a"),
            std::string::npos);
  EXPECT_NE(leases[0].detail_json.find(R"("lease":"exclusive")"), std::string::npos);
}

TEST_F(LeasesTest, ABackupWaitsForAnotherHostsPruneAndStartsWhenItEnds) {
  auto a = ConnectAndGreet(a_);
  auto b = ConnectAndGreet(b_);
  ASSERT_TRUE(a && b);
  Queue(b_, store::JobKind::kPrune);
  const std::string prune = RunNext(*b);

  const std::string backup = Queue(a_, store::JobKind::kBackup);
  NothingRuns(*a);
  EXPECT_EQ(JobOf(backup).wait_reason, "waiting for prune of repository nas on host host-b");

  Finish(*b, prune);
  auto run = a->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run);
  EXPECT_EQ(run->job_id, backup);
}

TEST_F(LeasesTest, AQueuedPruneHoldsBackNewBackupsSoItIsNotStarved) {
  auto a = ConnectAndGreet(a_);
  auto b = ConnectAndGreet(b_);
  auto c = ConnectAndGreet(c_);
  ASSERT_TRUE(a && b && c);
  Queue(a_, store::JobKind::kBackup);
  const std::string first = RunNext(*a);
  const std::string prune = Queue(b_, store::JobKind::kPrune);
  NothingRuns(*b);

  const std::string late = Queue(c_, store::JobKind::kBackup);
  NothingRuns(*c);
  EXPECT_EQ(JobOf(late).wait_reason, "waiting for queued prune of repository nas on host host-b");

  Finish(*a, first);
  EXPECT_EQ(RunNext(*b), prune);
  NothingRuns(*c);
  EXPECT_EQ(JobOf(late).wait_reason, "waiting for prune of repository nas on host host-b");

  Finish(*b, prune);
  EXPECT_EQ(RunNext(*c), late);
}

TEST_F(LeasesTest, TheBackupLimitLetsTwoOfThreeHostsRun) {
  SetRepository(2, "", 0);
  auto a = ConnectAndGreet(a_);
  auto b = ConnectAndGreet(b_);
  auto c = ConnectAndGreet(c_);
  ASSERT_TRUE(a && b && c);
  Queue(a_, store::JobKind::kBackup);
  const std::string first = RunNext(*a);
  Queue(b_, store::JobKind::kBackup);
  RunNext(*b);
  const std::string third = Queue(c_, store::JobKind::kBackup);
  NothingRuns(*c);
  EXPECT_EQ(JobOf(third).wait_reason, "waiting for a backup slot of repository nas (2 of 2 running)");

  Finish(*a, first);
  EXPECT_EQ(RunNext(*c), third);
}

TEST_F(LeasesTest, MaintenanceOutsideTheWindowWaitsUntilItOpens) {
  // A daily one-hour window twelve hours from now.
  const auto now = std::chrono::floor<std::chrono::hours>(Now());
  const auto opens = now + 12h;
  const auto hour =
      std::chrono::hh_mm_ss(opens - std::chrono::floor<std::chrono::days>(opens)).hours().count();
  SetRepository(0, "0 " + std::to_string(hour) + " * * *", 60);
  auto b = ConnectAndGreet(b_);
  auto a = ConnectAndGreet(a_);
  ASSERT_TRUE(a && b);
  const std::string prune = Queue(b_, store::JobKind::kPrune);
  NothingRuns(*b);
  EXPECT_EQ(JobOf(prune).wait_reason, "waiting for the maintenance window of repository nas");
  // A prune held back by its window does not hold back backups.
  Queue(a_, store::JobKind::kBackup);
  const std::string backup = RunNext(*a);
  Finish(*a, backup);
  NothingRuns(*b);

  AdvanceClock(std::chrono::duration_cast<std::chrono::milliseconds>(opens - Now()) + 1s);
  Controller().SweepLostJobs();  // the periodic sweep dispatches what waits
  auto run = b->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run);
  EXPECT_EQ(run->job_id, prune);
}

TEST_F(LeasesTest, ARestartedServerKeepsTheLeasesAndTheWaits) {
  std::string backup;
  std::string prune;
  {
    auto a = ConnectAndGreet(a_);
    auto b = ConnectAndGreet(b_);
    ASSERT_TRUE(a && b);
    Queue(a_, store::JobKind::kBackup);
    backup = RunNext(*a);
    prune = Queue(b_, store::JobKind::kPrune);
    NothingRuns(*b);
  }
  StopAgents();
  StartAgents(Options());

  // B comes back first: the lease of A's running backup is still in the store.
  auto b = ConnectAndGreet(b_);
  ASSERT_TRUE(b);
  NothingRuns(*b);
  EXPECT_EQ(JobOf(prune).status, store::JobStatus::kQueued);
  EXPECT_EQ(JobOf(prune).wait_reason, "waiting for backup of repository nas on host host-a");

  auto a = ConnectAndGreet(a_, {backup});
  ASSERT_TRUE(a);
  NothingRuns(*b);
  EXPECT_EQ(JobOf(backup).status, store::JobStatus::kRunning);
  Finish(*a, backup);
  auto run = b->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run);
  EXPECT_EQ(run->job_id, prune);
}

TEST_F(LeasesTest, AJobEndingInAnyStateReleasesItsLease) {
  auto a = ConnectAndGreet(a_);
  auto b = ConnectAndGreet(b_);
  ASSERT_TRUE(a && b);
  Queue(a_, store::JobKind::kBackup);
  const std::string backup = RunNext(*a);
  const std::string check = Queue(b_, store::JobKind::kCheck);
  NothingRuns(*b);

  protocol::JobResult failed = Succeeded(backup);
  failed.status = protocol::JobStatus::kFailed;
  failed.exit_code = 1;
  failed.error = "repository is full";
  failed.error_kind = protocol::ErrorKind::kOther;
  ASSERT_TRUE(a->Send(failed));
  ASSERT_TRUE(a->Expect<protocol::ResultAck>());
  auto run = b->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run);
  EXPECT_EQ(run->job_id, check);
}

}  // namespace
}  // namespace rmgr::server::scheduling

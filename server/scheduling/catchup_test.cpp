// Catch-up for intermittent hosts after the settle window.
#include "server/scheduling/scheduling_test_fixture.h"

namespace rmgr::server::scheduling {
namespace {

// ================================================================ catch-up

class CatchupTest : public SchedulingTest {
 protected:
  //! An intermittent (or always-on) host with a yearly backup schedule of
  //! three groups, the third of which succeeded after the last expected fire.
  struct Laptop {
    TestHost host;
    std::string schedule_id;
    std::vector<std::string> groups;  // overdue ones
  };

  Laptop MakeLaptop(const std::string& name, bool always_on = false) {
    Laptop laptop;
    laptop.host = MakeHost(name, always_on);
    const std::string repository = MakeRepository(name + "-nas");
    const std::string a = MakeGroup(laptop.host.id, "documents", {"/home/me/Documents"});
    const std::string b = MakeGroup(laptop.host.id, "photos", {"/home/me/Pictures"});
    const std::string fresh = MakeGroup(laptop.host.id, "mail", {"/home/me/Mail"});
    // Its last expected fire is 1 January, 00:00 UTC, of the current year.
    store::Schedule yearly = Backup(laptop.host.id, repository, {a, b, fresh}, "yearly");
    yearly.cron = "0 0 1 1 *";
    laptop.schedule_id = Create(yearly);
    SucceededBefore(yearly, laptop.schedule_id, fresh);
    // Neither disabled schedules nor other kinds are caught up.
    store::Schedule disabled = Backup(laptop.host.id, repository, {a}, "disabled");
    disabled.cron = "0 0 1 1 *";
    disabled.enabled = false;
    Create(disabled);
    store::Schedule check = Backup(laptop.host.id, repository, {}, "check");
    check.kind = store::JobKind::kCheck;
    check.cron = "0 0 1 1 *";
    Create(check);
    laptop.groups = {a, b};
    return laptop;
  }

  static TimePoint LastJanuaryFirst() {
    using namespace std::chrono;
    const year_month_day today{floor<days>(Clock::now())};
    return sys_days{today.year() / January / 1};
  }

  std::vector<store::Job> CatchupJobs(const Laptop& laptop) {
    return JobsBy(laptop.host.id, store::ActorKind::kCatchup);
  }

  std::size_t CatchupAudits(const Laptop& laptop) {
    std::size_t count = 0;
    for (const auto& entry : Audits("catchup.dispatch")) count += entry.target_id == laptop.host.id ? 1 : 0;
    return count;
  }

  //! Waits until the laptop got its catch-up jobs (one per overdue group).
  bool WaitCaughtUp(const Laptop& laptop) {
    return WaitFor([&] { return CatchupJobs(laptop).size() >= laptop.groups.size(); });
  }
};

TEST_F(CatchupTest, AfterTheSettleWindowOneJobPerOverdueGroupIsQueued) {
  const Laptop laptop = MakeLaptop("laptop");
  auto client = ConnectAndGreet(laptop.host);
  ASSERT_TRUE(client);
  auto run = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run) << "no catch-up backup was dispatched";
  ASSERT_TRUE(WaitCaughtUp(laptop));

  const auto jobs = CatchupJobs(laptop);
  ASSERT_EQ(jobs.size(), 2u);
  std::set<std::string> groups;
  for (const auto& job : jobs) {
    EXPECT_EQ(job.schedule_id, laptop.schedule_id);
    EXPECT_EQ(job.kind, store::JobKind::kBackup);
    EXPECT_EQ(job.scheduled_at, LastJanuaryFirst());
    groups.insert(job.source_group_id.value_or(""));
  }
  EXPECT_EQ(groups, (std::set<std::string>(laptop.groups.begin(), laptop.groups.end())));
  EXPECT_EQ(run->schedule_id, laptop.schedule_id);
  EXPECT_EQ(CatchupAudits(laptop), 1u);
  // Only the schedule's overdue groups: the disabled schedule and the check made nothing.
  EXPECT_EQ(JobsOf(laptop.host.id).size(), 3u);  // 2 catch-up + the earlier success
}

class FlappingCatchupTest : public CatchupTest {
 protected:
  SchedulingOptions Options() override {
    SchedulingOptions options = CatchupTest::Options();
    options.catchup_settle = 1s;  // long enough for the flapping below to happen inside it
    return options;
  }
};

TEST_F(FlappingCatchupTest, ReconnectFlappingReArmsAndNeverStacks) {
  const Laptop laptop = MakeLaptop("laptop");
  for (int i = 0; i < 4; ++i) {
    auto client = ConnectAndGreet(laptop.host);
    ASSERT_TRUE(client) << "connection " << i;
    client->Close();
  }
  auto client = ConnectAndGreet(laptop.host);
  ASSERT_TRUE(client);
  ASSERT_TRUE(WaitCaughtUp(laptop));
  EXPECT_TRUE(client->Expect<protocol::CommandRun>());

  // A control host connected now: once its own catch-up ran, every timer
  // armed by the flapping above has fired too.
  const Laptop control = MakeLaptop("control");
  auto control_client = ConnectAndGreet(control.host);
  ASSERT_TRUE(control_client);
  ASSERT_TRUE(WaitCaughtUp(control));
  ASSERT_TRUE(client->Sync());
  EXPECT_EQ(CatchupJobs(laptop).size(), 2u);
  EXPECT_EQ(CatchupAudits(laptop), 1u);
}

TEST_F(CatchupTest, AlwaysOnHostsAndHostsThatDroppedBeforeTheWindowEndedGetNone) {
  const Laptop always_on = MakeLaptop("server", /*always_on=*/true);
  const Laptop dropped = MakeLaptop("dropped");
  auto always_on_client = ConnectAndGreet(always_on.host);
  ASSERT_TRUE(always_on_client);
  {
    auto dropped_client = ConnectAndGreet(dropped.host);
    ASSERT_TRUE(dropped_client);
    dropped_client->Close();
    ASSERT_TRUE(WaitDisconnected(dropped.host.id));
  }
  // The control host's window started after both others': once its catch-up ran, theirs would have.
  const Laptop control = MakeLaptop("control");
  auto control_client = ConnectAndGreet(control.host);
  ASSERT_TRUE(control_client);
  ASSERT_TRUE(WaitCaughtUp(control));

  EXPECT_TRUE(CatchupJobs(always_on).empty());
  EXPECT_TRUE(CatchupJobs(dropped).empty());
  EXPECT_EQ(CatchupAudits(always_on), 0u);
  EXPECT_EQ(CatchupAudits(dropped), 0u);
  auto frames = always_on_client->Sync();
  ASSERT_TRUE(frames);
  EXPECT_TRUE(Of<protocol::CommandRun>(*frames).empty());
}

TEST_F(CatchupTest, AGroupThatSucceededSinceTheLastFireAndAnUpToDateHostGetNone) {
  const Laptop laptop = MakeLaptop("laptop");
  // Both overdue groups succeed before the agent connects: nothing is overdue.
  auto schedule = Store().Read([&](store::ReadTx& tx) { return tx.GetScheduleById(laptop.schedule_id); });
  ASSERT_TRUE(schedule.ok());
  for (const auto& group : laptop.groups) SucceededBefore(*schedule, laptop.schedule_id, group);
  auto client = ConnectAndGreet(laptop.host);
  ASSERT_TRUE(client);

  const Laptop control = MakeLaptop("control");
  auto control_client = ConnectAndGreet(control.host);
  ASSERT_TRUE(control_client);
  ASSERT_TRUE(WaitCaughtUp(control));
  EXPECT_TRUE(CatchupJobs(laptop).empty());
  EXPECT_EQ(CatchupAudits(laptop), 0u);
}

}  // namespace
}  // namespace rmgr::server::scheduling

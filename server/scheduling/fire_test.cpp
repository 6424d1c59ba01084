// schedule.fire → jobs, a coalesced pending run, or nothing.
#include "server/scheduling/scheduling_test_fixture.h"

namespace rmgr::server::scheduling {
namespace {

TEST_F(FireTest, FireMakesOneJobPerGroupAndDispatchesOnlyOnePerRepository) {
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Send(Fire(nightly_.id, Slot(0))));

  auto run = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run);
  auto jobs = Nightly();
  ASSERT_EQ(jobs.size(), 2u);
  std::set<std::optional<std::string>> groups;
  for (const auto& job : jobs) {
    EXPECT_EQ(job.kind, store::JobKind::kBackup);
    EXPECT_EQ(job.actor_kind, store::ActorKind::kSchedule);
    EXPECT_EQ(job.actor_id, nightly_.id);
    EXPECT_EQ(job.repository_id, repository_);
    EXPECT_EQ(job.scheduled_at, Slot(0));
    groups.insert(job.source_group_id);
  }
  EXPECT_EQ(groups, (std::set<std::optional<std::string>>{etc_, srv_}));
  const auto dispatched = std::find_if(jobs.begin(), jobs.end(), [](const store::Job& j) {
    return j.status == store::JobStatus::kDispatched;
  });
  ASSERT_NE(dispatched, jobs.end());
  EXPECT_EQ(std::count_if(jobs.begin(), jobs.end(),
                          [](const store::Job& j) { return j.status == store::JobStatus::kQueued; }),
            1);
  EXPECT_EQ(HostOf(host_.id).current_job_id, dispatched->id);

  // The command carries everything the agent needs, the password included.
  EXPECT_EQ(run->job_id, dispatched->id);
  EXPECT_EQ(run->kind, protocol::JobKind::kBackup);
  EXPECT_EQ(run->repository.id, repository_);
  EXPECT_EQ(run->repository.url, "sftp:backup@nas:/srv/restic/nas");
  EXPECT_EQ(run->repository.password.Reveal(), kPassword);
  ASSERT_TRUE(run->source_group);
  EXPECT_EQ(run->source_group->id, dispatched->source_group_id);
  if (run->source_group->id == etc_) {
    EXPECT_EQ(run->source_group->name, "etc");
    EXPECT_EQ(run->source_group->paths, (std::vector<std::string>{"/etc", "/root"}));
    EXPECT_EQ(run->source_group->excludes, (std::vector<std::string>{"*.tmp"}));
    EXPECT_EQ(run->source_group->tags, (std::vector<std::string>{"system"}));
  } else {
    EXPECT_EQ(run->source_group->paths, (std::vector<std::string>{"/srv"}));
  }
  ASSERT_TRUE(run->retention);
  EXPECT_EQ(run->retention->keep_daily, 7u);
  ASSERT_TRUE(run->options.backup);
  EXPECT_EQ(run->options.backup->extra_tags, (std::vector<std::string>{"nightly"}));
  ASSERT_TRUE(run->hooks);
  EXPECT_EQ(run->hooks->pre, "/usr/local/bin/stop-db");
  EXPECT_EQ(run->hooks->timeout_seconds, 60u);
  EXPECT_EQ(run->schedule_id, nightly_.id);
  EXPECT_EQ(run->scheduled_at, Slot(0));

  const auto audits = Audits("schedule.fire");
  ASSERT_EQ(audits.size(), 1u);
  EXPECT_EQ(audits[0].actor_kind, store::ActorKind::kSchedule);
  EXPECT_EQ(audits[0].target_id, nightly_.id);
  EXPECT_EQ(json::parse(audits[0].detail_json).at("job_ids").as_array().size(), 2u);

  // Only one command: the second job waits for the repository.
  auto frames = client->Sync();
  ASSERT_TRUE(frames);
  EXPECT_TRUE(Of<protocol::CommandRun>(*frames).empty());

  // The agent resends the same fire (e.g. after a reconnect): no new job.
  ASSERT_TRUE(client->Send(Fire(nightly_.id, Slot(0))));
  frames = client->Sync();
  ASSERT_TRUE(frames);
  EXPECT_TRUE(Of<protocol::CommandRun>(*frames).empty());
  EXPECT_EQ(Nightly().size(), 2u);
}

// No job runs forever: the schedule's own limit goes with its command; without
// one the agent applies its default for the kind.
TEST_F(FireTest, TheSchedulesMaxRuntimeTravelsWithItsCommand) {
  store::Schedule limited = Backup(host_.id, repository_, {etc_}, "limited");
  limited.max_runtime = std::chrono::hours(2);
  const std::string limited_id = Create(limited);
  const std::string plain_id = Create(Backup(host_.id, MakeRepository("usb"), {srv_}, "plain"));  // another repository: not held
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Send(Fire(limited_id, Slot(0))));
  auto run = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run);
  EXPECT_EQ(run->max_runtime_seconds, 7200u);
  ASSERT_TRUE(client->Send(Fire(plain_id, Slot(0))));
  run = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run);
  EXPECT_EQ(run->schedule_id, plain_id);
  EXPECT_FALSE(run->max_runtime_seconds);
}

TEST_F(FireTest, ResentFireOfAServedSlotMakesNoPendingRun) {
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Send(Fire(nightly_.id, Slot(0))));
  ASSERT_TRUE(client->Expect<protocol::CommandRun>());
  ASSERT_TRUE(client->Send(Fire(nightly_.id, Slot(0))));
  ASSERT_TRUE(client->Sync());
  EXPECT_TRUE(PendingOf(host_.id).empty());
  EXPECT_EQ(Audits("schedule.fire").size(), 1u);
}

TEST_F(FireTest, FireForAnUnknownAForeignOrADisabledScheduleMakesNothing) {
  const TestHost other = MakeHost("desktop");
  const std::string foreign = Create(Backup(other.id, repository_, {MakeGroup(other.id, "home", {"/home"})}));
  store::Schedule disabled = Backup(host_.id, repository_, {etc_}, "disabled");
  disabled.enabled = false;
  const std::string disabled_id = Create(disabled);

  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Send(Fire(NewUlid(), Slot(0))));
  ASSERT_TRUE(client->Send(Fire(foreign, Slot(0))));
  ASSERT_TRUE(client->Send(Fire(disabled_id, Slot(0))));
  auto frames = client->Sync();
  ASSERT_TRUE(frames) << "the connection did not survive";
  EXPECT_TRUE(Of<protocol::CommandRun>(*frames).empty());
  EXPECT_TRUE(JobsOf(host_.id).empty());
  EXPECT_TRUE(JobsOf(other.id).empty());
  EXPECT_TRUE(PendingOf(host_.id).empty());
  EXPECT_TRUE(PendingOf(other.id).empty());
  EXPECT_TRUE(Audits("schedule.fire").empty());
  EXPECT_TRUE(client->Open());
}


TEST_F(FireTest, FireWhileTheRepositoryIsBusyBecomesOneCoalescedPendingRun) {
  const std::string hourly = Create(Backup(host_.id, repository_, {srv_}, "hourly"));
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Send(Fire(hourly, Slot(0))));
  auto run = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run);
  ASSERT_EQ(JobsOf(host_.id).size(), 1u);

  ASSERT_TRUE(client->Send(Fire(nightly_.id, Slot(1))));
  auto frames = client->Sync();
  ASSERT_TRUE(frames);
  EXPECT_TRUE(Of<protocol::CommandRun>(*frames).empty());
  EXPECT_EQ(JobsOf(host_.id).size(), 1u);
  auto pending = PendingOf(host_.id);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].schedule_id, nightly_.id);
  EXPECT_EQ(pending[0].scheduled_at, Slot(1));

  // A later slot coalesces into the same pending run (newest slot); an
  // older one arriving late does not move it back.
  ASSERT_TRUE(client->Send(Fire(nightly_.id, Slot(2))));
  ASSERT_TRUE(client->Send(Fire(nightly_.id, Slot(1))));
  ASSERT_TRUE(client->Sync());
  EXPECT_EQ(JobsOf(host_.id).size(), 1u);
  pending = PendingOf(host_.id);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].scheduled_at, Slot(2));

  ASSERT_TRUE(client->Send(Started(run->job_id)));
  ASSERT_TRUE(client->Send(Succeeded(run->job_id)));
  ASSERT_TRUE(client->Expect<protocol::ResultAck>());
  auto next = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(next) << "the pending run did not start when the repository became free";
  EXPECT_EQ(next->schedule_id, nightly_.id);
  EXPECT_EQ(next->scheduled_at, Slot(2));
  EXPECT_TRUE(PendingOf(host_.id).empty());
  const auto jobs = Nightly();
  ASSERT_EQ(jobs.size(), 2u);
  for (const auto& job : jobs) {
    EXPECT_EQ(job.actor_kind, store::ActorKind::kSchedule);
    EXPECT_EQ(job.scheduled_at, Slot(2));
  }
  EXPECT_EQ(Audits("schedule.pending_run").size(), 1u);
}

}  // namespace
}  // namespace rmgr::server::scheduling

// The faults issue 10 removes, at the protocol level: every fire is
// answered, a late fire of a laptop waits for catch-up, an unlisted job is
// lost, the server's guess never breaks "one job per repository", what waits
// is dispatched by the sweep, rejected entries are drift, deleted hosts and
// cloned tokens are closed with a reason, cancels are kept in the store,
// catch-up never re-runs a cancelled backup and measures the agent's end time.
#include "common/protocol/close_codes.h"
#include "common/util/time_format.h"
#include "server/scheduling/scheduling_test_fixture.h"

namespace rmgr::server::scheduling {
namespace {

// ================================================================ fire answers

TEST_F(FireTest, EveryFireIsAnsweredWithWhatBecameOfIt) {
  store::Schedule disabled = Backup(host_.id, repository_, {etc_}, "disabled");
  disabled.enabled = false;
  const std::string disabled_id = Create(disabled);
  const std::string hourly = Create(Backup(host_.id, repository_, {srv_}, "hourly"));
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);

  ASSERT_TRUE(client->Send(Fire(hourly, Slot(0))));
  auto made = client->Expect<protocol::FireAnswer>();
  ASSERT_TRUE(made);
  EXPECT_EQ(made->schedule_id, hourly);
  EXPECT_EQ(made->scheduled_at, Slot(0));
  EXPECT_EQ(made->outcome, protocol::FireOutcome::kJob);
  ASSERT_EQ(made->job_ids.size(), 1u);

  // Same slot again (an agent resending after a lost answer): the same job.
  ASSERT_TRUE(client->Send(Fire(hourly, Slot(0))));
  auto again = client->Expect<protocol::FireAnswer>();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->outcome, protocol::FireOutcome::kJob);
  EXPECT_EQ(again->job_ids, made->job_ids);

  // The repository is busy: a pending run.
  ASSERT_TRUE(client->Send(Fire(nightly_.id, Slot(1))));
  auto pending = client->Expect<protocol::FireAnswer>();
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->outcome, protocol::FireOutcome::kPending);
  EXPECT_TRUE(pending->job_ids.empty());
  ASSERT_TRUE(pending->reason);

  // Disabled and unknown schedules: refused, with the reason.
  ASSERT_TRUE(client->Send(Fire(disabled_id, Slot(0))));
  auto refused = client->Expect<protocol::FireAnswer>();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->outcome, protocol::FireOutcome::kRefused);
  EXPECT_EQ(refused->reason, "the schedule is disabled");
  const std::string unknown = NewUlid();
  ASSERT_TRUE(client->Send(Fire(unknown, Slot(0))));
  auto nowhere = client->Expect<protocol::FireAnswer>();
  ASSERT_TRUE(nowhere);
  EXPECT_EQ(nowhere->schedule_id, unknown);
  EXPECT_EQ(nowhere->outcome, protocol::FireOutcome::kRefused);
  EXPECT_EQ(Audits("schedule.fire_refused").size(), 1u);
}

TEST_F(SchedulingTest, ALateFireOfAnIntermittentHostIsDeferredToCatchupAndOfAnAlwaysOnHostRuns) {
  const TestHost laptop = MakeHost("laptop", /*always_on=*/false);
  const TestHost server = MakeHost("server", /*always_on=*/true);
  std::map<std::string, std::string> schedule_of;
  for (const TestHost* host : {&laptop, &server}) {
    const std::string repository = MakeRepository(host == &laptop ? "laptop-nas" : "server-nas");
    schedule_of[host->id] = Create(Backup(host->id, repository, {MakeGroup(host->id, "home", {"/home"})}));
  }
  for (const TestHost* host : {&laptop, &server}) {
    auto client = ConnectAndGreet(*host);
    ASSERT_TRUE(client);
    protocol::ScheduleFire fire = Fire(schedule_of[host->id], Slot(0));
    fire.late = true;
    ASSERT_TRUE(client->Send(fire));
    auto answer = client->Expect<protocol::FireAnswer>();
    ASSERT_TRUE(answer);
    if (host == &laptop) {
      EXPECT_EQ(answer->outcome, protocol::FireOutcome::kDeferred);
      EXPECT_TRUE(answer->job_ids.empty());
      EXPECT_TRUE(JobsBy(laptop.id, store::ActorKind::kSchedule).empty());
      auto record = Store().Read([&](store::ReadTx& tx) {
        return tx.GetWindowRecord(schedule_of[laptop.id], Slot(-1), Slot(1));
      });
      ASSERT_TRUE(record.ok()) << record.error().Describe();
      ASSERT_EQ(record->notes.size(), 1u);
      EXPECT_EQ(record->notes[0].kind, store::WindowNoteKind::kDeferred);
      // The settle window runs out: catch-up queues the overdue backup.
      EXPECT_TRUE(WaitFor([&] { return !JobsBy(laptop.id, store::ActorKind::kCatchup).empty(); }));
    } else {
      EXPECT_EQ(answer->outcome, protocol::FireOutcome::kJob);
      EXPECT_EQ(answer->job_ids.size(), 1u);
      EXPECT_TRUE(client->Expect<protocol::CommandRun>());
    }
  }
}

TEST_F(FireTest, WindowsThatDidNotRunLeaveANoteWithTheReason) {
  store::Schedule disabled = Backup(host_.id, repository_, {etc_}, "disabled");
  disabled.enabled = false;
  const std::string disabled_id = Create(disabled);
  const std::string hourly = Create(Backup(host_.id, repository_, {srv_}, "hourly"));
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Send(Fire(disabled_id, Slot(0))));
  ASSERT_TRUE(client->Send(Fire(hourly, Slot(0))));  // holds the repository
  ASSERT_TRUE(client->Send(Fire(nightly_.id, Slot(1))));
  ASSERT_TRUE(client->Send(Fire(nightly_.id, Slot(2))));  // replaces the pending run of slot 1
  ASSERT_TRUE(client->Send(Fire(nightly_.id, Slot(0))));  // an older slot arriving late: it will not run either
  ASSERT_TRUE(client->Sync());

  auto notes_of = [&](const std::string& schedule_id) {
    auto record = Store().Read(
        [&](store::ReadTx& tx) { return tx.GetWindowRecord(schedule_id, Slot(-1), Slot(3)); });
    EXPECT_TRUE(record.ok()) << record.error().Describe();
    return record ? record->notes : std::vector<store::WindowNote>{};
  };
  const auto refused = notes_of(disabled_id);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].kind, store::WindowNoteKind::kRefused);
  EXPECT_EQ(refused[0].slot, Slot(0));
  EXPECT_EQ(refused[0].reason, "the schedule is disabled");
  const auto coalesced = notes_of(nightly_.id);  // newest first
  ASSERT_EQ(coalesced.size(), 2u);
  EXPECT_EQ(coalesced[0].kind, store::WindowNoteKind::kCoalesced);
  EXPECT_EQ(coalesced[0].slot, Slot(1));
  EXPECT_EQ(coalesced[1].kind, store::WindowNoteKind::kCoalesced);
  EXPECT_EQ(coalesced[1].slot, Slot(0));
  EXPECT_EQ(PendingOf(host_.id).at(0).scheduled_at, Slot(2));
  EXPECT_TRUE(notes_of(hourly).empty()) << "a window with a job needs no note";
}

// ================================================================ jobs.running

TEST_F(FireTest, AJobTheAgentNoLongerListsIsLostAfterTheGraceAndTheNextOneStarts) {
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  const std::string first = QueueJob(host_.id, repository_, etc_);
  const std::string second = QueueJob(host_.id, repository_, srv_);
  Controller().JobsQueued(host_.id);
  auto run = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run);
  ASSERT_EQ(run->job_id, first);
  ASSERT_TRUE(client->Send(Started(first)));
  ASSERT_TRUE(client->Sync());  // heard of now, before the clock moves

  protocol::JobsRunning report;
  report.at = Clock::now();
  // Listed in the outbox: accounted for, however long ago it was heard of.
  report.unacked_job_ids = {first};
  AdvanceClock(JobReports::kUnlistedGrace + 1s);
  ASSERT_TRUE(client->Send(report));
  ASSERT_TRUE(client->Sync());
  EXPECT_EQ(JobOf(first).status, store::JobStatus::kRunning);

  // In neither list: lost, and the repository is free for the next job.
  report.unacked_job_ids.clear();
  ASSERT_TRUE(client->Send(report));
  auto next = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(next) << "the queued job did not start after the unlisted one was marked lost";
  EXPECT_EQ(next->job_id, second);
  const store::Job lost = JobOf(first);
  EXPECT_EQ(lost.status, store::JobStatus::kLost);
  EXPECT_EQ(lost.error_kind, store::ErrorKind::kLost);
  EXPECT_EQ(Audits("job.lost").size(), 1u);
}

TEST_F(FireTest, AJobJustHeardOfIsNotLostForMissingFromOneReport) {
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  const std::string job = QueueJob(host_.id, repository_, etc_);
  Controller().JobsQueued(host_.id);
  ASSERT_TRUE(client->Expect<protocol::CommandRun>());
  protocol::JobsRunning report;
  report.at = Clock::now();
  ASSERT_TRUE(client->Send(report));  // sent before the command.run arrived
  ASSERT_TRUE(client->Sync());
  EXPECT_EQ(JobOf(job).status, store::JobStatus::kDispatched);
}

TEST_F(FireTest, ALostJobTheAgentStillRunsHoldsItsRepository) {
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  const std::string first = QueueJob(host_.id, repository_, etc_);
  Controller().JobsQueued(host_.id);
  ASSERT_TRUE(client->Expect<protocol::CommandRun>());
  // The server gives up on it (no word for too long) ...
  AdvanceClock(std::chrono::minutes(11));
  ASSERT_EQ(Controller().SweepLostJobs(), 1);
  ASSERT_EQ(JobOf(first).status, store::JobStatus::kLost);
  // ... but the agent reconnects still running it: the next job waits.
  client->Close();
  ASSERT_TRUE(WaitDisconnected(host_.id));
  client = ConnectAndGreet(host_, {first});
  ASSERT_TRUE(client);
  const std::string second = QueueJob(host_.id, repository_, srv_);
  Controller().JobsQueued(host_.id);
  auto frames = client->Sync();
  ASSERT_TRUE(frames);
  EXPECT_TRUE(Of<protocol::CommandRun>(*frames).empty()) << "a second job ran beside the one the agent still runs";
  EXPECT_EQ(JobOf(second).status, store::JobStatus::kQueued);
  // Its real result replaces the guess and frees the repository.
  ASSERT_TRUE(client->Send(Succeeded(first)));
  ASSERT_TRUE(client->Expect<protocol::ResultAck>());
  auto next = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->job_id, second);
  EXPECT_EQ(JobOf(first).status, store::JobStatus::kSucceeded);
}

// ================================================================ sweep

TEST_F(FireTest, TheSweepDispatchesWhatWaitsOnAConnectedHost) {
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  // Queued without a notice (as when the dispatch met a busy store).
  const std::string job = QueueJob(host_.id, repository_, etc_);
  auto frames = client->Sync();
  ASSERT_TRUE(frames);
  EXPECT_TRUE(Of<protocol::CommandRun>(*frames).empty());
  EXPECT_EQ(Controller().SweepLostJobs(), 0);
  auto run = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run) << "the sweep left a queued job of a connected host waiting";
  EXPECT_EQ(run->job_id, job);
}

// ================================================================ drift

TEST_F(FireTest, EntriesTheAgentCouldNotApplyAreKeptWithTheAck) {
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  const int64_t version = CanonicalVersion(host_.id);
  protocol::ScheduleAck ack;
  ack.version = version;
  ack.applied_at = Ms(Clock::now());
  ack.rejected = std::vector<protocol::ScheduleRejection>{{nightly_.id, "unknown time zone \"Mars/Olympus\""}};
  ASSERT_TRUE(client->Send(ack));
  ASSERT_TRUE(client->Sync());
  const store::Host host = HostOf(host_.id);
  EXPECT_EQ(host.schedule_version_applied, version);
  const auto rejected = json::parse(host.schedule_rejected_json).as_array();
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].at("schedule_id").as_string(), nightly_.id);
  EXPECT_EQ(rejected[0].at("reason").as_string(), "unknown time zone \"Mars/Olympus\"");
  const std::string since(rejected[0].at("since").as_string());  // when its windows began to be missed
  EXPECT_LE(ParseRfc3339(since)->time, Now());

  // Still rejected at the next ack: it has been since the first one.
  AdvanceClock(std::chrono::hours(1));
  ASSERT_TRUE(client->Send(ack));
  ASSERT_TRUE(client->Sync());
  EXPECT_EQ(json::parse(HostOf(host_.id).schedule_rejected_json).at(0).at("since").as_string(), since);

  // A clean ack clears it.
  ack.rejected.reset();
  ASSERT_TRUE(client->Send(ack));
  ASSERT_TRUE(client->Sync());
  EXPECT_EQ(HostOf(host_.id).schedule_rejected_json, "");
}

// ================================================================ deleted hosts, cloned tokens

TEST_F(FireTest, DeletingAHostClosesItsAgentsConnectionWithAReason) {
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  auto deleted = Store().Write([&](store::WriteTx& tx) { return tx.DeleteHost(host_.id); });
  ASSERT_TRUE(deleted.ok()) << deleted.error().Describe();
  Controller().HostDeleted(host_.id);
  ASSERT_TRUE(client->WaitClosed());
  EXPECT_EQ(client->CloseCode(), protocol::kCloseHostDeleted);
}

TEST_F(SchedulingTest, ASecondInstallationWithTheSameTokenIsRefusedAndTheHostFlagged) {
  const TestHost host = MakeHost("laptop");
  const std::string first_install = NewUlid();
  auto first = Connect(host);
  protocol::Hello hello = HelloWith();
  hello.install_id = first_install;
  ASSERT_TRUE(first->Send(hello));
  ASSERT_TRUE(first->Expect<protocol::HelloOk>());
  EXPECT_EQ(HostOf(host.id).install_id, first_install);

  // A clone of the state file on another machine: refused, the first goes on.
  auto clone = Connect(host);  // replaces the first connection in the hub
  hello.install_id = NewUlid();
  hello.hostname = "clone.example.com";
  ASSERT_TRUE(clone->Send(hello));
  ASSERT_TRUE(clone->WaitClosed());
  EXPECT_EQ(clone->CloseCode(), protocol::kCloseDuplicateInstall);
  const store::Host flagged = HostOf(host.id);
  EXPECT_TRUE(flagged.install_conflict_at.has_value());
  EXPECT_EQ(flagged.install_id, first_install);
  EXPECT_EQ(flagged.hostname, "laptop.example.com") << "the clone's hello must not be recorded";
  EXPECT_EQ(Audits("host.duplicate_install").size(), 1u);

  // The original installation reconnects and is served.
  auto back = Connect(host);
  hello.install_id = first_install;
  hello.hostname = "laptop.example.com";
  ASSERT_TRUE(back->Send(hello));
  EXPECT_TRUE(back->Expect<protocol::HelloOk>());
}

// ================================================================ cancels survive

TEST_F(FireTest, ACancelKeptInTheStoreIsDeliveredAtTheNextHello) {
  const std::string job = QueueJob(host_.id, repository_, etc_);
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  Controller().JobsQueued(host_.id);
  ASSERT_TRUE(client->Expect<protocol::CommandRun>());
  ASSERT_TRUE(client->Send(Started(job)));
  ASSERT_TRUE(client->Sync());
  client->Close();
  ASSERT_TRUE(WaitDisconnected(host_.id));
  // Written by the API (as before a server restart); this core never heard of it.
  auto kept = Store().Write([&](store::WriteTx& tx) { return tx.RequestJobCancel(job, Now()); });
  ASSERT_TRUE(kept.ok()) << kept.error().Describe();
  EXPECT_TRUE(JobOf(job).cancel_requested_at.has_value());

  client = Connect(host_);
  ASSERT_TRUE(Greet(*client, {job}));
  auto cancel = client->Expect<protocol::CommandCancel>();
  ASSERT_TRUE(cancel);
  EXPECT_EQ(cancel->job_id, job);
}

// ================================================================ the agent's clock

TEST_F(FireTest, ALateResultKeepsTheAgentsEndTimeBoundedByTheServers) {
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Send(Fire(nightly_.id, Slot(0))));
  auto run = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run);
  ASSERT_TRUE(client->Send(Started(run->job_id)));
  ASSERT_TRUE(client->Sync());
  const TimePoint started = *JobOf(run->job_id).started_at;

  protocol::JobResult result = Succeeded(run->job_id);
  result.started_at = Ms(started);
  result.finished_at = Ms(started + 2s);  // the agent finished then; the result comes later
  AdvanceClock(std::chrono::hours(5));
  ASSERT_TRUE(client->Send(result));
  ASSERT_TRUE(client->Expect<protocol::ResultAck>());
  const store::Job done = JobOf(run->job_id);
  ASSERT_TRUE(done.finished_at);
  EXPECT_LT(*done.finished_at, started + 1min) << "last success moved to the delivery time";
  EXPECT_GE(*done.finished_at, started);
}

}  // namespace
}  // namespace rmgr::server::scheduling

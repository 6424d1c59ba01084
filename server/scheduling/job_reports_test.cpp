// The job lifecycle as agents report it, reconnects, REST notices, foreign jobs.
#include <algorithm>
#include <mutex>
#include <vector>

#include "server/scheduling/scheduling_test_fixture.h"

namespace rmgr::server::scheduling {
namespace {

TEST_F(FireTest, JobLifecycleStoresProgressLogsAndResultThenDispatchesTheNextJob) {
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Send(Fire(nightly_.id, Slot(0))));
  auto run = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run);
  const std::string first = run->job_id;
  const std::string group = *JobOf(first).source_group_id;

  ASSERT_TRUE(client->Send(Started(first)));
  ASSERT_TRUE(client->Sync());
  store::Job job = JobOf(first);
  EXPECT_EQ(job.status, store::JobStatus::kRunning);
  EXPECT_TRUE(job.started_at.has_value());

  protocol::JobProgress progress;
  progress.job_id = first;
  progress.percent_done = 0.5;
  progress.total_files = 200;
  progress.files_done = 100;
  progress.bytes_done = 4096;
  progress.current_files = {"/etc/passwd"};
  ASSERT_TRUE(client->Send(progress));
  ASSERT_TRUE(client->Sync());
  const json::value stored_progress = json::parse(JobOf(first).progress_json);
  EXPECT_EQ(stored_progress.at("percent_done").to_number<double>(), 0.5);
  EXPECT_EQ(stored_progress.at("files_done"), 100);
  EXPECT_EQ(stored_progress.at("current_files").at(0), "/etc/passwd");
  EXPECT_FALSE(stored_progress.as_object().contains("job_id"));

  protocol::JobLog log;
  log.job_id = first;
  log.first_seq = 0;
  for (const char* text : {"open repository", "lock repository", "start scan"}) {
    protocol::LogLine line;
    line.stream = protocol::LogStream::kStdout;
    line.text = text;
    line.at = Ms(Clock::now());
    log.lines.push_back(line);
  }
  ASSERT_TRUE(client->Send(log));
  ASSERT_TRUE(client->Send(log));  // a resend after a reconnect
  protocol::JobLog overlap;
  overlap.job_id = first;
  overlap.first_seq = 2;
  overlap.lines = {log.lines[0], log.lines[1]};
  overlap.lines[0].text = "start scan (resent with other text)";
  overlap.lines[1].text = "scan finished";
  ASSERT_TRUE(client->Send(overlap));
  ASSERT_TRUE(client->Sync());
  const auto lines = LogsOf(first);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].text, "open repository");
  EXPECT_EQ(lines[2].text, "start scan");  // the first copy of seq 2 stays
  EXPECT_EQ(lines[3].text, "scan finished");

  protocol::JobResult result = Succeeded(first);
  protocol::BackupSummary summary;
  summary.files_new = 3;
  summary.files_changed = 1;
  summary.data_added = 1234;
  summary.total_duration = 12.5;
  const std::string snapshot_id(64, 'a');
  summary.snapshot_id = snapshot_id;
  result.summary = summary;
  result.snapshot_id = snapshot_id;
  protocol::SnapshotInfo info;
  info.id = snapshot_id;
  info.short_id = "aaaaaaaa";
  info.time = Ms(Slot(0) + 10s);
  info.hostname = "laptop.example.com";
  info.paths = {"/etc"};
  result.snapshot_index = protocol::SnapshotIndex{false, {info}};
  ASSERT_TRUE(client->Send(result));

  auto ack = client->Expect<protocol::ResultAck>();
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->job_id, first);
  auto next = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(next) << "the second job of the fire was not dispatched after the first ended";
  EXPECT_NE(next->job_id, first);
  EXPECT_EQ(JobOf(next->job_id).status, store::JobStatus::kDispatched);

  job = JobOf(first);
  EXPECT_EQ(job.status, store::JobStatus::kSucceeded);
  EXPECT_EQ(job.exit_code, 0);
  EXPECT_EQ(job.snapshot_id, snapshot_id);
  ASSERT_FALSE(job.summary_json.empty());
  EXPECT_EQ(json::parse(job.summary_json).at("files_new"), 3);
  EXPECT_TRUE(job.finished_at.has_value());
  const store::Host host = HostOf(host_.id);
  EXPECT_EQ(host.last_backup_at, job.finished_at);
  EXPECT_EQ(host.current_job_id, next->job_id);
  const auto states = GroupStatesOf(host_.id);
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].schedule_id, nightly_.id);
  EXPECT_EQ(states[0].source_group_id, group);
  EXPECT_EQ(states[0].last_success_at, job.finished_at);
  EXPECT_EQ(states[0].last_job_id, first);
  EXPECT_EQ(states[0].last_status, store::JobStatus::kSucceeded);
  auto snapshots = Store().Read([&](store::ReadTx& tx) {
    return tx.ListSnapshots(store::SnapshotFilter{repository_, std::nullopt}, store::PageRequest{});
  });
  ASSERT_TRUE(snapshots.ok());
  ASSERT_EQ(snapshots->items.size(), 1u);
  EXPECT_EQ(snapshots->items[0].id, snapshot_id);
  EXPECT_EQ(snapshots->items[0].host_id, host_.id);

  // The agent resends the result (its ack got lost): acked again, nothing changes.
  ASSERT_TRUE(client->Send(result));
  auto again = client->Expect<protocol::ResultAck>();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->job_id, first);
  auto frames = client->Sync();
  ASSERT_TRUE(frames);
  EXPECT_TRUE(Of<protocol::CommandRun>(*frames).empty());
  const store::Job replayed = JobOf(first);
  EXPECT_EQ(replayed.status, store::JobStatus::kSucceeded);
  EXPECT_EQ(replayed.finished_at, job.finished_at);
  EXPECT_EQ(JobOf(next->job_id).status, store::JobStatus::kDispatched);
  EXPECT_EQ(GroupStatesOf(host_.id).size(), 1u);
  EXPECT_EQ(Nightly().size(), 2u);
}

// ================================================================ reconnects

TEST_F(FireTest, HelloMarksJobsTheAgentNoLongerRunsInterruptedAndAnOutboxResultWins) {
  const std::string other_repository = MakeRepository("usb");
  const std::string kept = QueueJob(host_.id, repository_, etc_);
  const std::string dropped = QueueJob(host_.id, other_repository, srv_);

  auto first = ConnectAndGreet(host_);
  ASSERT_TRUE(first);
  std::set<std::string> sent;
  for (int i = 0; i < 2; ++i) {
    auto run = first->Expect<protocol::CommandRun>();
    ASSERT_TRUE(run) << "command " << i;
    sent.insert(run->job_id);
  }
  EXPECT_EQ(sent, (std::set<std::string>{kept, dropped}));
  ASSERT_TRUE(first->Send(Started(kept)));
  ASSERT_TRUE(first->Send(Started(dropped)));
  ASSERT_TRUE(first->Sync());
  ASSERT_EQ(JobOf(kept).status, store::JobStatus::kRunning);
  ASSERT_EQ(JobOf(dropped).status, store::JobStatus::kRunning);
  first->Close();
  ASSERT_TRUE(WaitDisconnected(host_.id));

  auto second = ConnectAndGreet(host_, {kept});
  ASSERT_TRUE(second);
  ASSERT_TRUE(second->Sync());
  EXPECT_EQ(JobOf(kept).status, store::JobStatus::kRunning);
  store::Job interrupted = JobOf(dropped);
  EXPECT_EQ(interrupted.status, store::JobStatus::kInterrupted);
  EXPECT_EQ(interrupted.error_kind, store::ErrorKind::kInterrupted);

  // The agent finished the job after all and sends the result from its outbox.
  ASSERT_TRUE(second->Send(Succeeded(dropped)));
  auto ack = second->Expect<protocol::ResultAck>();
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->job_id, dropped);
  EXPECT_EQ(JobOf(dropped).status, store::JobStatus::kSucceeded);
  EXPECT_EQ(JobOf(kept).status, store::JobStatus::kRunning);
}

TEST_F(FireTest, ANewConnectionReplacesTheOldOneAndTheControllerUsesIt) {
  auto first = ConnectAndGreet(host_);
  ASSERT_TRUE(first);
  auto second = ConnectAndGreet(host_);
  ASSERT_TRUE(second);
  EXPECT_TRUE(first->WaitClosed());
  EXPECT_EQ(first->CloseCode(), 4000);

  ASSERT_TRUE(second->Send(Fire(nightly_.id, Slot(0))));
  auto run = second->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run) << "no command on the new connection";
  EXPECT_EQ(JobOf(run->job_id).status, store::JobStatus::kDispatched);
  EXPECT_TRUE(HostOf(host_.id).connected);  // the old connection's goodbye did not unlink the new one

  ASSERT_TRUE(second->Send(Succeeded(run->job_id)));
  EXPECT_TRUE(second->Expect<protocol::ResultAck>());
  EXPECT_TRUE(second->Expect<protocol::CommandRun>());
}

// ================================================================ REST notices

TEST_F(FireTest, JobsQueuedDispatchesARunNowJob) {
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  const std::string job = QueueJob(host_.id, repository_, etc_);
  Controller().JobsQueued(host_.id);
  auto run = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run);
  EXPECT_EQ(run->job_id, job);
  EXPECT_FALSE(run->schedule_id.has_value());
  EXPECT_FALSE(run->scheduled_at.has_value());
  EXPECT_FALSE(run->hooks.has_value());
  EXPECT_EQ(run->repository.password.Reveal(), kPassword);
  EXPECT_EQ(JobOf(job).status, store::JobStatus::kDispatched);
}

TEST_F(FireTest, CancelRequestedSendsCommandCancelToTheConnectedAgent) {
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  const std::string job = QueueJob(host_.id, repository_, etc_);
  Controller().JobsQueued(host_.id);
  ASSERT_TRUE(client->Expect<protocol::CommandRun>());
  ASSERT_TRUE(client->Send(Started(job)));
  ASSERT_TRUE(client->Sync());

  Controller().CancelRequested(host_.id, job);
  auto cancel = client->Expect<protocol::CommandCancel>();
  ASSERT_TRUE(cancel);
  EXPECT_EQ(cancel->job_id, job);
}

TEST_F(FireTest, CancelForADisconnectedHostIsDeliveredAfterTheNextHello) {
  const std::string job = QueueJob(host_.id, repository_, etc_);
  ASSERT_NO_FATAL_FAILURE(StartedThenGoneWithACancelPending(job));

  auto second = ConnectAndGreet(host_, {job});
  ASSERT_TRUE(second);
  auto cancel = second->Expect<protocol::CommandCancel>();
  ASSERT_TRUE(cancel) << "the cancel asked for while the agent was away was not delivered";
  EXPECT_EQ(cancel->job_id, job);
  EXPECT_EQ(JobOf(job).status, store::JobStatus::kRunning);
  second->Close();
  ASSERT_TRUE(WaitDisconnected(host_.id));

  // An agent that comes back without the job: interrupted, nothing to cancel.
  auto third = ConnectAndGreet(host_);
  ASSERT_TRUE(third);
  auto frames = third->Sync();
  ASSERT_TRUE(frames);
  EXPECT_TRUE(Of<protocol::CommandCancel>(*frames).empty());
  EXPECT_EQ(JobOf(job).status, store::JobStatus::kInterrupted);
}

// The command.run went out as the connection died: the agent comes back
// without the job, which never started. Interrupting it would lose the
// window of an always-on host for good; it is sent again instead — unless a
// result waiting in the agent's outbox could be its own.
TEST_F(FireTest, ADispatchedJobTheAgentNeverReceivedIsSentAgainOnItsReturn) {
  const std::string job = QueueJob(host_.id, repository_, etc_);
  auto first = ConnectAndGreet(host_);
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->Expect<protocol::CommandRun>());
  ASSERT_EQ(JobOf(job).status, store::JobStatus::kDispatched);
  first->Close();  // before job.started
  ASSERT_TRUE(WaitDisconnected(host_.id));

  auto second = ConnectAndGreet(host_);
  ASSERT_TRUE(second);
  auto again = second->Expect<protocol::CommandRun>();
  ASSERT_TRUE(again) << "the job its agent never received was not sent again";
  EXPECT_EQ(again->job_id, job);
  EXPECT_EQ(JobOf(job).status, store::JobStatus::kDispatched);
  second->Close();
  ASSERT_TRUE(WaitDisconnected(host_.id));

  // A result in the outbox of another job changes nothing: sent again.
  protocol::Hello hello = HelloWith({});
  hello.unacked_results = 1;
  hello.unacked_job_ids = std::vector<std::string>{"01HZX3P000000000000000J0B2"};
  auto third = Connect(host_);
  ASSERT_TRUE(third->Open());
  ASSERT_TRUE(third->Send(hello));
  ASSERT_TRUE(third->Expect<protocol::HelloOk>());
  again = third->Expect<protocol::CommandRun>();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->job_id, job);
  third->Close();
  ASSERT_TRUE(WaitDisconnected(host_.id));

  // With a result in the outbox that may be this job's (its id listed, or
  // ids not listed at all by an older agent), the guess stands
  // (interrupted) and the result, when it comes, replaces it.
  hello.unacked_job_ids = std::vector<std::string>{job};
  third = Connect(host_);
  ASSERT_TRUE(third->Open());
  ASSERT_TRUE(third->Send(hello));
  ASSERT_TRUE(third->Expect<protocol::HelloOk>());
  auto frames = third->Sync();
  ASSERT_TRUE(frames);
  EXPECT_TRUE(Of<protocol::CommandRun>(*frames).empty());
  EXPECT_EQ(JobOf(job).status, store::JobStatus::kInterrupted);
  ASSERT_TRUE(third->Send(Succeeded(job)));
  ASSERT_TRUE(third->Expect<protocol::ResultAck>());
  EXPECT_EQ(JobOf(job).status, store::JobStatus::kSucceeded);
}

// ================================================================ foreign jobs

TEST_F(FireTest, JobMessagesForAnotherHostsJobAreNotStored) {
  const TestHost other = MakeHost("desktop");
  const std::string other_group = MakeGroup(other.id, "home", {"/home"});
  const std::string job = QueueJob(other.id, repository_, other_group);
  ASSERT_TRUE(
      Store()
          .Write([&](store::WriteTx& tx) { return tx.TransitionJob(job, store::JobStatus::kDispatched); })
          .ok());

  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Send(Started(job)));
  protocol::JobProgress progress;
  progress.job_id = job;
  progress.percent_done = 0.9;
  ASSERT_TRUE(client->Send(progress));
  protocol::JobLog log;
  log.job_id = job;
  protocol::LogLine line;
  line.text = "not yours";
  line.at = Ms(Clock::now());
  log.lines.push_back(line);
  ASSERT_TRUE(client->Send(log));
  ASSERT_TRUE(client->Send(Succeeded(job)));
  ASSERT_TRUE(client->Send(Succeeded(NewUlid())));  // a job nobody knows
  ASSERT_TRUE(client->Sync()) << "the connection did not survive";

  const store::Job stored = JobOf(job);
  EXPECT_EQ(stored.status, store::JobStatus::kDispatched);
  EXPECT_TRUE(stored.progress_json.empty());
  EXPECT_FALSE(stored.started_at.has_value());
  EXPECT_TRUE(LogsOf(job).empty());
  EXPECT_FALSE(HostOf(other.id).last_backup_at.has_value());
  EXPECT_TRUE(client->Open());
}

TEST_F(FireTest, AResultFromAnotherHostDoesNotDropAPendingCancel) {
  const TestHost other = MakeHost("desktop");
  const std::string job = QueueJob(host_.id, repository_, etc_);
  ASSERT_NO_FATAL_FAILURE(StartedThenGoneWithACancelPending(job));

  auto intruder = ConnectAndGreet(other);
  ASSERT_TRUE(intruder);
  ASSERT_TRUE(intruder->Send(Succeeded(job)));
  ASSERT_TRUE(intruder->Sync());
  ASSERT_EQ(JobOf(job).status, store::JobStatus::kRunning);

  auto back = ConnectAndGreet(host_, {job});
  ASSERT_TRUE(back);
  auto frames = back->Sync();
  ASSERT_TRUE(frames);
  EXPECT_EQ(Of<protocol::CommandCancel>(*frames).size(), 1u);
}

//! Records what the core tells its observers.
class RecordingObserver final : public ChangeObserver {
 public:
  void JobChanged(const store::Job& job) override {
    std::lock_guard lock(mutex_);
    jobs.push_back(job);
  }
  void HostChanged(const store::Host& host) override {
    std::lock_guard lock(mutex_);
    hosts.push_back(host);
  }
  std::vector<store::Job> jobs;
  std::vector<store::Host> hosts;

 private:
  std::mutex mutex_;
};

class ObservedFireTest : public FireTest {
 protected:
  SchedulingOptions Options() override {
    SchedulingOptions options = FireTest::Options();
    options.observers = {&observer_};
    return options;
  }
  RecordingObserver observer_;
};

TEST_F(ObservedFireTest, ObserversHearTheConnectAndEveryCommittedJobChangeUpToTheResult) {
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Send(Fire(nightly_.id, Slot(0))));
  auto run = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run);
  ASSERT_TRUE(client->Send(Started(run->job_id)));
  ASSERT_TRUE(client->Send(Succeeded(run->job_id)));
  ASSERT_TRUE(client->Sync());
  DrainPosts();

  ASSERT_FALSE(observer_.hosts.empty());
  EXPECT_EQ(observer_.hosts.front().id, host_.id);
  EXPECT_TRUE(observer_.hosts.front().connected);
  std::vector<store::JobStatus> seen;
  for (const auto& job : observer_.jobs) {
    if (job.id == run->job_id) seen.push_back(job.status);
  }
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back(), store::JobStatus::kSucceeded);
  EXPECT_NE(std::find(seen.begin(), seen.end(), store::JobStatus::kRunning), seen.end());
}

// A stats job goes out without a source group; its result adds one point to
// the repository's size series (once, however often it is resent) and is
// the job's summary.
TEST_F(FireTest, StatsResultAddsOnePointToTheSizeSeries) {
  store::NewJob stats;
  stats.host_id = host_.id;
  stats.kind = store::JobKind::kStats;
  stats.actor_kind = store::ActorKind::kSystem;
  stats.actor_id = "stats_planner";
  stats.repository_id = repository_;
  auto queued = Store().Write([&](store::WriteTx& tx) { return tx.CreateJob(stats); });
  ASSERT_TRUE(queued.ok()) << queued.error().Describe();
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  auto run = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run);
  EXPECT_EQ(run->kind, protocol::JobKind::kStats);
  EXPECT_FALSE(run->source_group.has_value());
  ASSERT_TRUE(client->Send(Started(run->job_id)));
  protocol::JobResult result = Succeeded(run->job_id);
  result.stats = protocol::RepositoryStats{
      .raw_data_bytes = 5000, .blobs = 7, .snapshots = 2, .restore_size_bytes = 9000};
  ASSERT_TRUE(client->Send(result));
  ASSERT_TRUE(client->Send(result));  // resent before the ack arrived
  ASSERT_TRUE(client->Sync());
  const auto series =
      Store().Read([&](store::ReadTx& tx) { return tx.ListRepositoryStats(repository_, TimePoint{}, 0); });
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 1u);
  EXPECT_EQ(series->front().raw_data_bytes, 5000);
  EXPECT_EQ(series->front().restore_size_bytes, 9000);
  EXPECT_EQ(series->front().job_id, run->job_id);
  const store::Job job = JobOf(run->job_id);
  EXPECT_EQ(job.status, store::JobStatus::kSucceeded);
  EXPECT_EQ(json::parse(job.summary_json).at("raw_data_bytes"), 5000);
}

// A drill schedule's job carries its group and options; a mismatch is kept
// as failed + verify_mismatch with the drill's summary.
TEST_F(FireTest, DrillRunsWithItsGroupAndOptionsAndKeepsItsFindings) {
  store::Schedule drill = Backup(host_.id, repository_, {etc_}, "drill");
  drill.name = "drill";
  drill.kind = store::JobKind::kDrill;
  drill.options_json = R"({"drill":{"sample_files":5,"max_bytes":1000}})";
  drill.id = Create(drill);
  auto client = ConnectAndGreet(host_);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->Send(Fire(drill.id, Slot(0))));
  auto run = client->Expect<protocol::CommandRun>();
  ASSERT_TRUE(run);
  EXPECT_EQ(run->kind, protocol::JobKind::kDrill);
  ASSERT_TRUE(run->source_group.has_value());
  EXPECT_EQ(run->source_group->id, etc_);
  ASSERT_TRUE(run->options.drill.has_value());
  EXPECT_EQ(run->options.drill->sample_files, 5u);
  EXPECT_EQ(run->options.drill->max_bytes, 1000u);
  ASSERT_TRUE(client->Send(Started(run->job_id)));
  protocol::JobResult result = Succeeded(run->job_id);
  result.status = protocol::JobStatus::kFailed;
  result.error_kind = protocol::ErrorKind::kVerifyMismatch;
  result.error = "1 of 5 sampled files came back different from the backup (first: /etc/hosts)";
  result.drill = protocol::DrillSummary{.snapshot_id = std::string(64, 'b'),
                                        .sampled = 5,
                                        .verified = 4,
                                        .mismatched = 1,
                                        .bytes_restored = 800,
                                        .mismatched_paths = {"/etc/hosts"}};
  ASSERT_TRUE(client->Send(result));
  ASSERT_TRUE(client->Sync());
  const store::Job job = JobOf(run->job_id);
  EXPECT_EQ(job.status, store::JobStatus::kFailed);
  EXPECT_EQ(job.error_kind, store::ErrorKind::kVerifyMismatch);
  EXPECT_EQ(json::parse(job.summary_json).at("mismatched_paths").at(0), "/etc/hosts");
  const auto drills = Store().Read([](store::ReadTx& tx) { return tx.ListLastDrills(); });
  ASSERT_TRUE(drills.ok());
  ASSERT_EQ(drills->size(), 1u);
  EXPECT_EQ(drills->front().job.id, run->job_id);
}

}  // namespace
}  // namespace rmgr::server::scheduling

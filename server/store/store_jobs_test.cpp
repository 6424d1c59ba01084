// Store suite: jobs — the unique fire slot, the lifecycle, idempotent
// results, progress, logs, filters and keyset paging.
#include <set>

#include "common/util/ulid.h"
#include "server/store/store_test_fixture.h"

namespace rmgr::store::testing {
namespace {

class JobsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    host_ = MakeHost("host");
    repository_ = MakeRepository("repo");
    group_ = MakeGroup(host_.id, "group");
    schedule_ = MakeSchedule(host_.id, repository_.id, {group_.id}, "nightly").schedule;
  }

  //! A schedule-fired backup for `slot` and the fixture's group.
  NewJob Fire(TimePoint slot, std::optional<std::string> group_id = {}) {
    NewJob job;
    job.host_id = host_.id;
    job.kind = JobKind::kBackup;
    job.actor_kind = ActorKind::kSchedule;
    job.actor_id = schedule_.id;
    job.schedule_id = schedule_.id;
    job.source_group_id = group_id ? group_id : std::optional(group_.id);
    job.repository_id = repository_.id;
    job.scheduled_at = slot;
    return job;
  }

  Job Get(const std::string& id) {
    return Must(store().Read([&](ReadTx& tx) { return tx.GetJob(id); }));
  }
  Result<Job> Transition(const std::string& id, JobStatus to) {
    return store().Write([&](WriteTx& tx) { return tx.TransitionJob(id, to); });
  }
  Result<FinishOutcome> Finish(const std::string& id, const JobResult& result) {
    return store().Write([&](WriteTx& tx) { return tx.FinishJob(id, result); });
  }
  int64_t Count(const JobFilter& filter = {}) {
    return Must(store().Read([&](ReadTx& tx) { return tx.CountJobs(filter); }));
  }
  //! Pages through ListJobs and returns every id in listing order.
  std::vector<std::string> AllIds(const JobFilter& filter, int limit) {
    std::vector<std::string> ids;
    PageRequest request{"", limit};
    for (int pages = 0; pages < 1000; ++pages) {
      const auto page = Must(store().Read([&](ReadTx& tx) { return tx.ListJobs(filter, request); }));
      EXPECT_LE(page.items.size(), static_cast<size_t>(ClampPageLimit(limit)));
      for (const auto& job : page.items) ids.push_back(job.id);
      if (page.next_cursor.empty()) break;
      request.cursor = page.next_cursor;
    }
    return ids;
  }

  Host host_;
  Repository repository_;
  SourceGroup group_;
  Schedule schedule_;
};

TEST_P(JobsTest, CreateStartsQueuedWithEverythingGiven) {
  NewJob fired = Fire(Now() - std::chrono::minutes(5));
  fired.args_json = R"({"paths":["/etc"]})";
  const Job job = MakeJob(fired);
  EXPECT_TRUE(IsUlid(job.id));
  EXPECT_EQ(job.status, JobStatus::kQueued);
  EXPECT_EQ(job.host_id, host_.id);
  EXPECT_EQ(job.kind, JobKind::kBackup);
  EXPECT_EQ(job.actor_kind, ActorKind::kSchedule);
  EXPECT_EQ(job.actor_id, schedule_.id);
  EXPECT_EQ(job.schedule_id, schedule_.id);
  EXPECT_EQ(job.source_group_id, group_.id);
  EXPECT_EQ(job.repository_id, repository_.id);
  EXPECT_EQ(job.scheduled_at, Now() - std::chrono::minutes(5));
  EXPECT_EQ(job.created_at, Now());
  EXPECT_EQ(job.args_json, R"({"paths":["/etc"]})");
  EXPECT_FALSE(job.dispatched_at || job.started_at || job.finished_at || job.exit_code);
  EXPECT_TRUE(job.summary_json.empty());
  EXPECT_TRUE(job.progress_json.empty());
}

// Repository leases: a queued job keeps what it waits for; the repository its sharing settings.
TEST_P(JobsTest, WaitReasonAndRepositorySharingRoundTrip) {
  const Job job = MakeJob(Fire(TimePoint{std::chrono::hours(1)}));
  EXPECT_EQ(job.wait_reason, "");
  MustOk(store().Write([&](WriteTx& tx) { return tx.SetJobWaitReason(job.id, "waiting for prune of repository r"); }));
  EXPECT_EQ(Get(job.id).wait_reason, "waiting for prune of repository r");
  MustOk(store().Write([&](WriteTx& tx) { return tx.SetJobWaitReason(job.id, ""); }));
  EXPECT_EQ(Get(job.id).wait_reason, "");
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.SetJobWaitReason("nope", "x"); }).error().code,
            ErrorCode::kNotFound);

  EXPECT_EQ(repository_.max_concurrent_backups, 0);
  EXPECT_EQ(repository_.maintenance_cron, "");
  Repository changed = repository_;
  changed.max_concurrent_backups = 2;
  changed.maintenance_cron = "0 2 * * *";
  changed.maintenance_minutes = 90;
  Must(store().Write([&](WriteTx& tx) { return tx.UpdateRepository(changed); }));
  const Repository stored = Must(store().Read([&](ReadTx& tx) { return tx.GetRepository(repository_.id); }));
  EXPECT_EQ(stored.max_concurrent_backups, 2);
  EXPECT_EQ(stored.maintenance_cron, "0 2 * * *");
  EXPECT_EQ(stored.maintenance_minutes, 90);
  // The schema keeps a window and its duration together.
  changed.maintenance_minutes = 0;
  EXPECT_FALSE(store().Write([&](WriteTx& tx) { return tx.UpdateRepository(changed); }).ok());
}

TEST_P(JobsTest, CallerMayChooseTheJobId) {
  NewJob job;
  job.id = NewUlid();
  job.host_id = host_.id;
  EXPECT_EQ(MakeJob(job).id, job.id);
  auto again = store().Write([&](WriteTx& tx) { return tx.CreateJob(job); });
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
}

TEST_P(JobsTest, DuplicateFireSlotIsConflictAndLeavesTheStoreUnchanged) {
  const TimePoint slot = Now();
  const Job first = MakeJob(Fire(slot));
  // The duplicate comes with an audit entry in the same transaction: both go.
  auto duplicate = store().Write([&](WriteTx& tx) -> Result<Job> {
    auto logged =
        tx.AppendAudit(AuditEntry{0, {}, ActorKind::kSchedule, schedule_.id, "job.run", "job", "", "", "{}"});
    if (!logged.ok()) return logged.error();
    return tx.CreateJob(Fire(slot));
  });
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code, ErrorCode::kConflict);
  EXPECT_NE(duplicate.error().message.find("fire slot"), std::string::npos) << duplicate.error().message;
  EXPECT_EQ(Count(), 1);
  EXPECT_EQ(AllIds({}, 10), std::vector<std::string>{first.id});
  EXPECT_TRUE(Must(store().Read([](ReadTx& tx) { return tx.ListAudit({}, {}); })).items.empty());
}

TEST_P(JobsTest, FireSlotIsPerGroupAndCoversGrouplessSchedules) {
  const TimePoint slot = Now();
  const SourceGroup other = MakeGroup(host_.id, "other");
  MakeJob(Fire(slot));
  MakeJob(Fire(slot, other.id));                 // same slot, other group: a different job
  MakeJob(Fire(slot + std::chrono::hours(24)));  // next slot
  NewJob groupless = Fire(slot);
  groupless.kind = JobKind::kCheck;
  groupless.source_group_id.reset();
  MakeJob(groupless);
  auto again = store().Write([&](WriteTx& tx) { return tx.CreateJob(groupless); });
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(Count(), 4);
}

TEST_P(JobsTest, JobsWithoutASlotAreNeverDuplicates) {
  MakeJob(host_.id);
  MakeJob(host_.id);
  NewJob slotless = Fire(Now());
  slotless.scheduled_at.reset();  // a run-now of a schedule
  MakeJob(slotless);
  MakeJob(slotless);
  EXPECT_EQ(Count(), 4);
}

TEST_P(JobsTest, UnknownReferencesAndBadValuesAreConstraintErrors) {
  NewJob job;
  job.host_id = "no-such-host";
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.CreateJob(job); }).error().code,
            ErrorCode::kConstraint);
  job.host_id = host_.id;
  job.args_json = "not json";
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.CreateJob(job); }).error().code,
            ErrorCode::kConstraint);
  job.args_json = "{}";
  job.actor_kind = ActorKind::kAgent;  // not a job actor (system is since 0010: the stats planner)
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.CreateJob(job); }).error().code,
            ErrorCode::kConstraint);
  EXPECT_EQ(Count(), 0);
}

TEST_P(JobsTest, LifecycleStampsEveryTransitionAndTracksTheCurrentJob) {
  const Job job = MakeJob(Fire(Now()));
  const TimePoint created = Now();
  Advance(std::chrono::seconds(1));
  EXPECT_EQ(Must(Transition(job.id, JobStatus::kDispatched)).dispatched_at, Now());
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.GetHost(host_.id); })).current_job_id, job.id);
  const TimePoint dispatched = Now();
  Advance(std::chrono::seconds(1));
  EXPECT_EQ(Must(Transition(job.id, JobStatus::kRunning)).started_at, Now());
  const TimePoint started = Now();
  Advance(std::chrono::seconds(1));
  JobResult result;
  result.status = JobStatus::kSucceeded;
  result.exit_code = 0;
  result.snapshot_id = "4f5e6d7c";
  result.summary_json = R"({"files_new":3})";
  const FinishOutcome finished = Must(Finish(job.id, result));
  EXPECT_FALSE(finished.replayed);

  const Job read = Get(job.id);
  EXPECT_EQ(read.status, JobStatus::kSucceeded);
  EXPECT_EQ(read.created_at, created);
  EXPECT_EQ(read.dispatched_at, dispatched);
  EXPECT_EQ(read.started_at, started);
  EXPECT_EQ(read.finished_at, Now());
  EXPECT_EQ(read.exit_code, 0);
  EXPECT_EQ(read.snapshot_id, "4f5e6d7c");
  EXPECT_EQ(read.summary_json, R"({"files_new":3})");
  const Host host = Must(store().Read([&](ReadTx& tx) { return tx.GetHost(host_.id); }));
  EXPECT_FALSE(host.current_job_id.has_value());
  EXPECT_EQ(host.last_backup_at, Now());
}

TEST_P(JobsTest, IllegalTransitionsAreConflictsAndChangeNothing) {
  const Job job = MakeJob(host_.id);
  EXPECT_EQ(Transition(job.id, JobStatus::kRunning).error().code, ErrorCode::kConflict);
  EXPECT_EQ(Finish(job.id, JobResult{JobStatus::kSucceeded, 0, "", ErrorKind::kNone, "", ""}).error().code,
            ErrorCode::kConflict);
  Must(Transition(job.id, JobStatus::kDispatched));
  EXPECT_EQ(Transition(job.id, JobStatus::kDispatched).error().code,
            ErrorCode::kConflict);  // no double dispatch
  Must(Transition(job.id, JobStatus::kRunning));
  EXPECT_EQ(Transition(job.id, JobStatus::kDispatched).error().code, ErrorCode::kConflict);
  Must(Finish(job.id, JobResult{JobStatus::kFailed, 1, "repository locked", ErrorKind::kRepositoryLocked, "", ""}));
  EXPECT_EQ(Transition(job.id, JobStatus::kRunning).error().code, ErrorCode::kConflict);
  EXPECT_EQ(Get(job.id).status, JobStatus::kFailed);

  // Wrong method for the target state, unknown job.
  EXPECT_EQ(Transition(job.id, JobStatus::kLost).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Transition(job.id, JobStatus::kQueued).error().code, ErrorCode::kConflict);  // only a dispatched one
  EXPECT_EQ(Finish(job.id, JobResult{JobStatus::kRunning, {}, "", ErrorKind::kNone, "", ""}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(Transition("missing", JobStatus::kDispatched).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(Finish("missing", JobResult{}).error().code, ErrorCode::kNotFound);
}

TEST_P(JobsTest, ADispatchedJobItsAgentNeverReceivedGoesBackToTheQueue) {
  const Job job = MakeJob(host_.id);
  Must(Transition(job.id, JobStatus::kDispatched));
  const Job requeued = Must(Transition(job.id, JobStatus::kQueued));
  EXPECT_EQ(requeued.status, JobStatus::kQueued);
  EXPECT_FALSE(requeued.dispatched_at.has_value());
  EXPECT_FALSE(Must(store().Read([&](ReadTx& tx) { return tx.GetHost(host_.id); })).current_job_id.has_value());
  EXPECT_EQ(Must(Transition(job.id, JobStatus::kDispatched)).status, JobStatus::kDispatched);  // sent again
  Must(Transition(job.id, JobStatus::kRunning));
  EXPECT_EQ(Transition(job.id, JobStatus::kQueued).error().code, ErrorCode::kConflict) << "it has started";
}

TEST_P(JobsTest, QueuedJobCanBeCancelledAndDispatchedJobLost) {
  const Job cancelled = MakeJob(host_.id);
  EXPECT_EQ(Must(Finish(cancelled.id, JobResult{JobStatus::kCancelled, {}, "", ErrorKind::kCancelled, "", ""})).job.status,
            JobStatus::kCancelled);
  const Job lost = MakeJob(host_.id);
  Must(Transition(lost.id, JobStatus::kDispatched));
  const Job read =
      Must(Finish(lost.id, JobResult{JobStatus::kLost, {}, "no word from agent", ErrorKind::kLost, "", ""})).job;
  EXPECT_EQ(read.status, JobStatus::kLost);
  EXPECT_EQ(read.error, "no word from agent");
  EXPECT_FALSE(read.started_at.has_value());
}

TEST_P(JobsTest, StoringTheSameResultAgainIsAnIdempotentNoOp) {
  const Job job = MakeJob(Fire(Now()));
  Must(Transition(job.id, JobStatus::kDispatched));
  Must(Transition(job.id, JobStatus::kRunning));
  const JobResult result{JobStatus::kPartial, 3,       "2 files unreadable",
                         ErrorKind::kNone,    "snap1", R"({"files_new":1})"};
  const FinishOutcome first = Must(Finish(job.id, result));
  EXPECT_FALSE(first.replayed);
  const Job stored = Get(job.id);

  Advance(std::chrono::minutes(5));  // the agent resends after a reconnect
  const FinishOutcome again = Must(Finish(job.id, result));
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.job.finished_at, stored.finished_at);
  EXPECT_EQ(Get(job.id).finished_at, stored.finished_at);
  EXPECT_EQ(Get(job.id).ToJobResult(), result);

  JobResult different = result;
  different.exit_code = 1;
  auto conflicting = Finish(job.id, different);
  ASSERT_FALSE(conflicting.ok());
  EXPECT_EQ(conflicting.error().code, ErrorCode::kConflict);
  EXPECT_EQ(Get(job.id).ToJobResult(), result);
}

TEST_P(JobsTest, AnAgentResultReplacesTheServersLostOrInterruptedGuess) {
  for (JobStatus guess : {JobStatus::kLost, JobStatus::kInterrupted}) {
    const Job job = MakeJob(Fire(Now() + std::chrono::minutes(static_cast<int>(guess))));
    Must(Transition(job.id, JobStatus::kDispatched));
    Must(Transition(job.id, JobStatus::kRunning));
    Must(Finish(job.id, JobResult{guess, {}, "no word from the agent", ErrorKind::kLost, "", ""}));
    // The agent's outbox delivers the real result after a reconnect.
    const JobResult real{JobStatus::kSucceeded, 0, "", ErrorKind::kNone, "abcd1234", R"({"files_new":2})"};
    const FinishOutcome outcome = Must(Finish(job.id, real));
    EXPECT_FALSE(outcome.replayed);
    EXPECT_EQ(Get(job.id).ToJobResult(), real);
    EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.GetHost(host_.id); })).last_backup_at,
              Get(job.id).finished_at);
    // Resending it is a replay; a different one now conflicts.
    EXPECT_TRUE(Must(Finish(job.id, real)).replayed);
    JobResult other = real;
    other.exit_code = 1;
    auto conflicting = Finish(job.id, other);
    ASSERT_FALSE(conflicting.ok());
    EXPECT_EQ(conflicting.error().code, ErrorCode::kConflict);
  }
}

TEST_P(JobsTest, FinishedJobsRecordTheScheduleGroupOutcome) {
  const Job ok = MakeJob(Fire(Now()));
  Must(Transition(ok.id, JobStatus::kDispatched));
  Advance(std::chrono::minutes(1));
  Must(Finish(ok.id, JobResult{JobStatus::kSucceeded, 0, "", ErrorKind::kNone, "s1", ""}));
  const TimePoint success_at = Now();

  Advance(std::chrono::hours(24));
  const Job bad = MakeJob(Fire(Now()));
  Must(Transition(bad.id, JobStatus::kDispatched));
  Must(Finish(bad.id, JobResult{JobStatus::kFailed, 1, "boom", ErrorKind::kOther, "", ""}));

  const auto states = Must(store().Read([&](ReadTx& tx) { return tx.ListScheduleGroupStates(host_.id); }));
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].schedule_id, schedule_.id);
  EXPECT_EQ(states[0].source_group_id, group_.id);
  EXPECT_EQ(states[0].last_job_id, bad.id);
  EXPECT_EQ(states[0].last_status, JobStatus::kFailed);
  EXPECT_EQ(states[0].last_success_at, success_at);  // a failure does not erase the last success
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.GetHost(host_.id); })).last_backup_at, success_at);
}

TEST_P(JobsTest, ProgressIsAcceptedOnlyWhileTheJobIsActive) {
  const Job job = MakeJob(host_.id);
  auto set = [&](const std::string& json) {
    return store().Write([&](WriteTx& tx) { return tx.SetJobProgress(job.id, json); }, Durability::kRelaxed);
  };
  EXPECT_EQ(set(R"({"percent":0})").error().code, ErrorCode::kConflict);
  Must(Transition(job.id, JobStatus::kDispatched));
  Must(Transition(job.id, JobStatus::kRunning));
  MustOk(set(R"({"percent":42.5})"));
  EXPECT_EQ(Get(job.id).progress_json, R"({"percent":42.5})");
  EXPECT_EQ(set("{broken").error().code, ErrorCode::kConstraint);
  Must(Finish(job.id, JobResult{JobStatus::kSucceeded, 0, "", ErrorKind::kNone, "", ""}));
  EXPECT_EQ(set(R"({"percent":100})").error().code, ErrorCode::kConflict);
  EXPECT_EQ(store().Write([](WriteTx& tx) { return tx.SetJobProgress("missing", "{}"); }).error().code,
            ErrorCode::kNotFound);
}

TEST_P(JobsTest, LogLinesAreDeduplicatedBySeq) {
  const Job job = MakeJob(host_.id);
  const std::vector<JobLogLine> batch = {{1, LogStream::kStdout, Now(), "scanning"},
                                         {2, LogStream::kStderr, Now(), "can't read /x"},
                                         {3, LogStream::kHook, Now(), "pre-hook ok"}};
  EXPECT_EQ(Must(store().Write([&](WriteTx& tx) { return tx.AppendJobLogs(job.id, batch); })), 3);
  const std::vector<JobLogLine> resent = {batch[2], {4, LogStream::kAgent, Now(), "done"}};
  EXPECT_EQ(Must(store().Write([&](WriteTx& tx) { return tx.AppendJobLogs(job.id, resent); })), 1);
  const auto all = Must(store().Read([&](ReadTx& tx) { return tx.ListJobLogs(job.id, 0, 100); }));
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[1], batch[1]);
  EXPECT_EQ(all[3].text, "done");
  const auto tail = Must(store().Read([&](ReadTx& tx) { return tx.ListJobLogs(job.id, 2, 1); }));
  ASSERT_EQ(tail.size(), 1u);
  EXPECT_EQ(tail[0].seq, 3);
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.AppendJobLogs("missing", batch); }).error().code,
            ErrorCode::kConstraint);
}

TEST_P(JobsTest, ListFiltersByHostStatusAndKind) {
  const Host other = MakeHost("other");
  const Job a = MakeJob(host_.id);
  NewJob prune;
  prune.host_id = host_.id;
  prune.kind = JobKind::kPrune;
  const Job b = MakeJob(prune);
  const Job c = MakeJob(other.id);
  Must(Transition(b.id, JobStatus::kDispatched));

  JobFilter by_host;
  by_host.host_id = host_.id;
  EXPECT_EQ(Count(by_host), 2);
  JobFilter by_status;
  by_status.status = JobStatus::kQueued;
  const auto queued = AllIds(by_status, 10);
  EXPECT_EQ(std::set<std::string>(queued.begin(), queued.end()), (std::set<std::string>{a.id, c.id}));
  JobFilter by_kind;
  by_kind.kind = JobKind::kPrune;
  EXPECT_EQ(AllIds(by_kind, 10), std::vector<std::string>{b.id});
  JobFilter all_three = by_host;
  all_three.status = JobStatus::kDispatched;
  all_three.kind = JobKind::kPrune;
  EXPECT_EQ(AllIds(all_three, 10), std::vector<std::string>{b.id});
  all_three.kind = JobKind::kBackup;
  EXPECT_TRUE(AllIds(all_three, 10).empty());
  EXPECT_EQ(Count(), 3);
}

TEST_P(JobsTest, PagingReturnsEveryJobExactlyOnceNewestFirst) {
  // 237 jobs over 40 distinct milliseconds: many share created_at, so the
  // id tie-break of the keyset is exercised at page boundaries.
  std::set<std::string> created;
  for (int i = 0; i < 237; ++i) {
    if (i % 6 == 0) Advance(std::chrono::milliseconds(1));
    created.insert(MakeJob(host_.id).id);
  }
  for (int limit : {1, 7, 50, 500}) {
    const auto ids = AllIds({}, limit);
    ASSERT_EQ(ids.size(), 237u) << "limit " << limit;
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), created) << "limit " << limit;
    // Newest first: created_at never increases along the listing.
    TimePoint previous = TimePoint::max();
    for (const auto& id : ids) {
      const TimePoint at = Get(id).created_at;
      EXPECT_LE(at, previous);
      previous = at;
    }
  }
}

TEST_P(JobsTest, JobsCreatedWhilePagingDoNotShiftPages) {
  for (int i = 0; i < 20; ++i) {
    Advance(std::chrono::milliseconds(1));
    MakeJob(host_.id);
  }
  std::vector<std::string> ids;
  PageRequest request{"", 6};
  for (int pages = 0; pages < 10; ++pages) {
    const auto page = Must(store().Read([&](ReadTx& tx) { return tx.ListJobs({}, request); }));
    for (const auto& job : page.items) ids.push_back(job.id);
    Advance(std::chrono::milliseconds(1));
    MakeJob(host_.id);  // newer than everything listed so far: never appears in later pages
    if (page.next_cursor.empty()) break;
    request.cursor = page.next_cursor;
  }
  EXPECT_EQ(ids.size(), 20u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 20u);
}

TEST_P(JobsTest, PageLimitIsClampedAndCursorValidated) {
  for (int i = 0; i < kMaxPageLimit + 5; ++i) MakeJob(host_.id);
  auto page = Must(store().Read([](ReadTx& tx) { return tx.ListJobs({}, PageRequest{"", 100000}); }));
  EXPECT_EQ(page.items.size(), static_cast<size_t>(kMaxPageLimit));
  EXPECT_FALSE(page.next_cursor.empty());
  page = Must(store().Read([](ReadTx& tx) { return tx.ListJobs({}, PageRequest{"", 0}); }));
  EXPECT_EQ(page.items.size(), static_cast<size_t>(kDefaultPageLimit));
  auto bad = store().Read([](ReadTx& tx) { return tx.ListJobs({}, PageRequest{"eyJ4Ijox", 10}); });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().field, "cursor");
  const auto hosts_cursor = Must(store().Read([](ReadTx& tx) { return tx.ListHosts(PageRequest{"", 1}); }));
  MakeHost();  // so that the hosts listing has a second page and a cursor
  const auto hosts_page = Must(store().Read([](ReadTx& tx) { return tx.ListHosts(PageRequest{"", 1}); }));
  ASSERT_FALSE(hosts_page.next_cursor.empty());
  EXPECT_EQ(store()
                .Read([&](ReadTx& tx) {
                  return tx.ListJobs({}, PageRequest{hosts_page.next_cursor, 10});
                })
                .error()
                .code,
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(hosts_cursor.next_cursor.empty());
}

INSTANTIATE_TEST_SUITE_P(store, JobsTest, ::testing::ValuesIn(AllBackends()), BackendName);

}  // namespace
}  // namespace rmgr::store::testing

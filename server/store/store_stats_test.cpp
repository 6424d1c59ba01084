// Store suite: the repository-size series (add, read back by range, newest
// per repository, cascade), what the stats planner reads, each host's last
// drill, and the 0010 rebuild of jobs and schedules (the new kinds are
// accepted, unknown ones still refused, foreign keys still act).
#include <set>

#include "server/store/store_test_fixture.h"

namespace rmgr::store::testing {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

class StatsStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    host_ = MakeHost("host");
    repository_ = MakeRepository("repo");
    group_ = MakeGroup(host_.id, "group");
    schedule_ = MakeSchedule(host_.id, repository_.id, {group_.id}, "nightly").schedule;
  }

  Job Stats(const std::string& host_id) {
    NewJob job;
    job.host_id = host_id;
    job.kind = JobKind::kStats;
    job.actor_kind = ActorKind::kSystem;
    job.actor_id = "stats_planner";
    job.repository_id = repository_.id;
    return MakeJob(job);
  }

  Job Drill(const std::string& host_id, JobStatus end, TimePoint at) {
    NewJob made;
    made.host_id = host_id;
    made.kind = JobKind::kDrill;
    made.actor_kind = ActorKind::kSchedule;
    made.actor_id = "s";
    made.repository_id = repository_.id;
    made.source_group_id = group_.id;
    const Job job = MakeJob(made);
    return Must(store().Write([&](WriteTx& tx) -> Result<Job> {
      if (auto moved = tx.TransitionJob(job.id, JobStatus::kDispatched); !moved) return moved;
      if (auto moved = tx.TransitionJob(job.id, JobStatus::kRunning); !moved) return moved;
      JobResult result;
      result.status = end;
      result.exit_code = 0;
      if (end == JobStatus::kFailed) result.error_kind = ErrorKind::kVerifyMismatch;
      result.summary_json = R"({"sampled":1})";
      result.reported_finished_at = at;
      auto finished = tx.FinishJob(job.id, result);
      if (!finished) return finished.error();
      return finished->job;
    }));
  }

  RepositoryStatsRow Row(int64_t raw, std::optional<std::string> job_id = std::nullopt) {
    RepositoryStatsRow row;
    row.repository_id = repository_.id;
    row.at = Now();
    row.raw_data_bytes = raw;
    row.uncompressed_bytes = raw * 2;
    row.restore_size_bytes = raw * 3;
    row.snapshots = 4;
    row.blobs = 5;
    row.job_id = std::move(job_id);
    return row;
  }

  Result<void> Add(const RepositoryStatsRow& row) {
    return store().Write([&](WriteTx& tx) { return tx.AddRepositoryStats(row); });
  }

  std::vector<RepositoryStatsRow> Series(TimePoint since) {
    return Must(store().Read([&](ReadTx& tx) { return tx.ListRepositoryStats(repository_.id, since, 0); }));
  }

  std::vector<StatsCandidate> Candidates() {
    return Must(store().Read([](ReadTx& tx) { return tx.ListStatsCandidates(); }));
  }

  Host host_;
  Repository repository_;
  SourceGroup group_;
  Schedule schedule_;
};

TEST_P(StatsStoreTest, SeriesIsReadBackOldestFirstFromSince) {
  const Job job = Stats(host_.id);
  MustOk(Add(Row(100, job.id)));
  const TimePoint second = Now() + hours(24);
  Advance(hours(24));
  RepositoryStatsRow row = Row(80);  // after a prune: smaller
  row.uncompressed_bytes.reset();
  MustOk(Add(row));
  const auto all = Series(Now() - hours(100));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].raw_data_bytes, 100);
  EXPECT_EQ(all[0].uncompressed_bytes, 200);
  EXPECT_EQ(all[0].restore_size_bytes, 300);
  EXPECT_EQ(all[0].snapshots, 4);
  EXPECT_EQ(all[0].blobs, 5);
  EXPECT_EQ(all[0].job_id, job.id);
  EXPECT_EQ(all[1].raw_data_bytes, 80);
  EXPECT_FALSE(all[1].uncompressed_bytes.has_value());
  EXPECT_EQ(all[1].at, second);
  const auto recent = Series(second);
  ASSERT_EQ(recent.size(), 1u);
  EXPECT_EQ(recent[0].raw_data_bytes, 80);
}

TEST_P(StatsStoreTest, OneRowPerJobAndLatestPerRepository) {
  const Job job = Stats(host_.id);
  MustOk(Add(Row(100, job.id)));
  auto again = Add(Row(100, job.id));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  const Repository other = MakeRepository("other");
  RepositoryStatsRow elsewhere = Row(7);
  elsewhere.repository_id = other.id;
  MustOk(Add(elsewhere));
  Advance(minutes(1));
  MustOk(Add(Row(120)));
  const auto latest = Must(store().Read([](ReadTx& tx) { return tx.ListLatestRepositoryStats(); }));
  ASSERT_EQ(latest.size(), 2u);
  for (const auto& row : latest) {
    EXPECT_EQ(row.raw_data_bytes, row.repository_id == other.id ? 7 : 120);
  }
}

TEST_P(StatsStoreTest, RowsGoWithTheirRepositoryAndRefuseUnknownOnes) {
  RepositoryStatsRow row = Row(1);
  row.repository_id = "01J00000000000000000000000";
  EXPECT_FALSE(Add(row).ok());
  MustOk(Add(Row(1)));
  MustOk(store().Write([&](WriteTx& tx) -> Result<void> {
    if (auto deleted = tx.DeleteSchedule(host_.id, schedule_.id); !deleted) return deleted.error();
    return tx.DeleteRepository(repository_.id);
  }));
  const auto latest = Must(store().Read([](ReadTx& tx) { return tx.ListLatestRepositoryStats(); }));
  EXPECT_TRUE(latest.empty());
}

TEST_P(StatsStoreTest, CandidatesNameHostsWithASchedulePlusLastStatsAndOpenJobs) {
  const Host idle = MakeHost("idle");  // no schedule on the repository: never a candidate host
  (void)idle;
  const Host second = MakeHost("second");
  MakeSchedule(second.id, repository_.id, {MakeGroup(second.id, "g2").id}, "other");
  auto candidates = Candidates();
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_EQ(candidates[0].repository_id, repository_.id);
  EXPECT_FALSE(candidates[0].last_stats_at.has_value());
  EXPECT_FALSE(candidates[0].last_attempt_at.has_value());
  EXPECT_FALSE(candidates[0].stats_job_open);
  ASSERT_EQ(candidates[0].hosts.size(), 2u);
  std::set<std::string> ids{candidates[0].hosts[0].host_id, candidates[0].hosts[1].host_id};
  EXPECT_EQ(ids, (std::set<std::string>{host_.id, second.id}));

  const Job job = Stats(host_.id);
  candidates = Candidates();
  EXPECT_TRUE(candidates[0].stats_job_open);
  EXPECT_EQ(candidates[0].last_attempt_at, job.created_at);
  MustOk(Add(Row(5, job.id)));
  MustOk(store().Write([&](WriteTx& tx) -> Result<void> {
    JobResult cancelled;
    cancelled.status = JobStatus::kCancelled;
    auto finished = tx.FinishJob(job.id, cancelled);
    if (!finished) return finished.error();
    return Ok();
  }));
  candidates = Candidates();
  EXPECT_FALSE(candidates[0].stats_job_open);
  EXPECT_EQ(candidates[0].last_stats_at, Now());
}

TEST_P(StatsStoreTest, LastDrillIsEachHostsNewestFinishedOne) {
  const Host other = MakeHost("other");
  const TimePoint t0 = Now();
  Advance(hours(2));
  Drill(host_.id, JobStatus::kSucceeded, t0 + minutes(10));
  const Job newest = Drill(host_.id, JobStatus::kFailed, t0 + minutes(20));
  Drill(other.id, JobStatus::kPartial, t0 + minutes(5));
  MakeJob(host_.id);  // a backup is not a drill
  const auto drills = Must(store().Read([](ReadTx& tx) { return tx.ListLastDrills(); }));
  ASSERT_EQ(drills.size(), 2u);
  for (const auto& drill : drills) {
    if (drill.host_id == host_.id) {
      EXPECT_EQ(drill.job.id, newest.id);
      EXPECT_EQ(drill.job.status, JobStatus::kFailed);
      EXPECT_EQ(drill.job.error_kind, ErrorKind::kVerifyMismatch);
      EXPECT_EQ(drill.job.summary_json, R"({"sampled":1})");
    } else {
      EXPECT_EQ(drill.host_id, other.id);
      EXPECT_EQ(drill.job.status, JobStatus::kPartial);
    }
  }
}

TEST_P(StatsStoreTest, RebuiltTablesKeepTheirRules) {
  // A drill schedule is accepted now; stats is not a schedule kind.
  Schedule drill = schedule_;
  drill.id.clear();
  drill.name = "drill";
  drill.kind = JobKind::kDrill;
  MustOk(store().Write([&](WriteTx& tx) -> Result<void> {
    auto made = tx.CreateSchedule(drill);
    if (!made) return made.error();
    return Ok();
  }));
  Schedule stats = drill;
  stats.name = "stats";
  stats.kind = JobKind::kStats;
  EXPECT_FALSE(store().Write([&](WriteTx& tx) { return tx.CreateSchedule(stats); }).ok());
  // Foreign keys of the rebuilt jobs table still act: a job's logs go with it, its host's jobs with the host.
  const Job job = Stats(host_.id);
  EXPECT_EQ(job.kind, JobKind::kStats);
  EXPECT_EQ(job.actor_kind, ActorKind::kSystem);
  NewJob bad;
  bad.host_id = "01J00000000000000000000000";
  bad.repository_id = repository_.id;
  EXPECT_FALSE(store().Write([&](WriteTx& tx) { return tx.CreateJob(bad); }).ok());
  MustOk(store().Write([&](WriteTx& tx) { return tx.DeleteHost(host_.id); }));
  auto gone = store().Read([&](ReadTx& tx) { return tx.GetJob(job.id); });
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(store, StatsStoreTest, ::testing::ValuesIn(AllBackends()), BackendName);

}  // namespace
}  // namespace rmgr::store::testing

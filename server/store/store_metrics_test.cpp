// Store suite: the one read a Prometheus scrape makes (GetMetricsSnapshot):
// backup state per schedule × group from the last job, snapshot counts and
// the last check per repository, hosts, job counts and pending runs.
#include "server/store/store_test_fixture.h"

namespace rmgr::store::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class MetricsSnapshotTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    host_ = MakeHost("web-1");
    repository_ = MakeRepository("offsite");
    group_ = MakeGroup(host_.id, "etc");
    other_group_ = MakeGroup(host_.id, "home");
    schedule_ = MakeSchedule(host_.id, repository_.id, {group_.id, other_group_.id}, "nightly").schedule;
  }

  // A finished job of the schedule for `group_id`, started now and ending `runtime` later.
  Job Finish(const std::string& group_id, JobStatus status, const std::string& summary_json,
             seconds runtime) {
    NewJob fire;
    fire.host_id = host_.id;
    fire.actor_kind = ActorKind::kSchedule;
    fire.schedule_id = schedule_.id;
    fire.source_group_id = group_id;
    fire.repository_id = repository_.id;
    auto job = MakeJob(fire);
    MustOk(store().Write([&](WriteTx& tx) -> Result<void> {
      if (auto d = tx.TransitionJob(job.id, JobStatus::kDispatched); !d) return d.error();
      if (auto r = tx.TransitionJob(job.id, JobStatus::kRunning); !r) return r.error();
      return Ok();
    }));
    Advance(runtime);
    JobResult result;
    result.status = status;
    result.summary_json = summary_json;
    return Must(store().Write([&](WriteTx& tx) { return tx.FinishJob(job.id, result); })).job;
  }

  MetricsSnapshot ReadSnapshot() {
    return Must(store().Read([](ReadTx& tx) { return tx.GetMetricsSnapshot(); }));
  }

  Host host_;
  Repository repository_;
  SourceGroup group_;
  SourceGroup other_group_;
  Schedule schedule_;
};

TEST_P(MetricsSnapshotTest, EveryBackupPairIsListedWithItsLastJob) {
  const auto ok = Finish(group_.id, JobStatus::kSucceeded,
                         R"({"files_new":3,"files_changed":2,"total_files_processed":40,"data_added":1234,)"
                         R"("total_bytes_processed":99999,"total_duration":12.5})",
                         seconds(13));
  const auto snapshot = ReadSnapshot();
  ASSERT_EQ(snapshot.backups.size(), 2u) << "both groups of the schedule, whether or not they ran";

  const auto& etc = snapshot.backups[0];
  EXPECT_EQ(etc.host_name, "web-1");
  EXPECT_EQ(etc.schedule_name, "nightly");
  EXPECT_EQ(etc.source_group_name, "etc");
  EXPECT_EQ(etc.repository_name, "offsite");
  EXPECT_TRUE(etc.enabled);
  EXPECT_EQ(etc.last_status, JobStatus::kSucceeded);
  EXPECT_EQ(etc.last_success_at, ok.finished_at);
  EXPECT_EQ(etc.last_finished_at, ok.finished_at);
  EXPECT_EQ(etc.last_duration_ms, 12500) << "restic's own duration wins over finished - started";
  EXPECT_EQ(etc.files_new, 3);
  EXPECT_EQ(etc.files_changed, 2);
  EXPECT_EQ(etc.files_total, 40);
  EXPECT_EQ(etc.bytes_added, 1234);
  EXPECT_EQ(etc.bytes_total, 99999);

  const auto& home = snapshot.backups[1];
  EXPECT_EQ(home.source_group_name, "home");
  EXPECT_FALSE(home.last_status.has_value());
  EXPECT_FALSE(home.last_finished_at.has_value());
  EXPECT_FALSE(home.files_new.has_value());
}

TEST_P(MetricsSnapshotTest, AFailureAfterASuccessKeepsTheSuccessTimeAndHasNoSummary) {
  const auto ok = Finish(group_.id, JobStatus::kSucceeded, R"({"data_added":10})", seconds(5));
  Advance(seconds(3600));
  const auto failed = Finish(group_.id, JobStatus::kFailed, "", seconds(7));
  const auto snapshot = ReadSnapshot();
  const auto& etc = snapshot.backups[0];
  EXPECT_EQ(etc.last_status, JobStatus::kFailed);
  EXPECT_EQ(etc.last_success_at, ok.finished_at);
  EXPECT_EQ(etc.last_finished_at, failed.finished_at);
  EXPECT_EQ(etc.last_duration_ms, 7000) << "no summary: finished - started";
  EXPECT_FALSE(etc.bytes_added.has_value());
}

TEST_P(MetricsSnapshotTest, RepositoriesCountIndexedSnapshotsAndKeepTheLastRealCheck) {
  std::vector<Snapshot> snapshots;
  for (int i = 0; i < 3; ++i) {
    Snapshot s;
    s.id = std::string(63, '0') + std::to_string(i);
    s.short_id = s.id.substr(0, 8);
    s.time = Now() + seconds(i);
    s.host_id = i < 2 ? std::optional(host_.id) : std::nullopt;
    snapshots.push_back(s);
  }
  Must(store().Write([&](WriteTx& tx) { return tx.UpsertSnapshots(repository_.id, snapshots); }));
  MakeRepository("empty");

  const auto check = [&](JobStatus status) {
    NewJob job;
    job.host_id = host_.id;
    job.kind = JobKind::kCheck;
    job.repository_id = repository_.id;
    const auto made = MakeJob(job);
    Advance(seconds(60));
    JobResult result;
    result.status = status;
    return Must(store().Write([&](WriteTx& tx) { return tx.FinishJob(made.id, result); })).job;
  };
  const auto failed = check(JobStatus::kFailed);
  check(JobStatus::kCancelled);  // says nothing about the repository

  const auto snapshot = ReadSnapshot();
  ASSERT_EQ(snapshot.repositories.size(), 2u);
  const auto& empty = snapshot.repositories[0];
  EXPECT_EQ(empty.name, "empty");
  EXPECT_EQ(empty.snapshots, 0);
  EXPECT_FALSE(empty.last_check_status.has_value());
  const auto& offsite = snapshot.repositories[1];
  EXPECT_EQ(offsite.snapshots, 3);
  EXPECT_EQ(offsite.latest_snapshot_at, snapshots[2].time);
  EXPECT_EQ(offsite.last_check_status, JobStatus::kFailed);
  EXPECT_EQ(offsite.last_check_at, failed.finished_at);
  EXPECT_FALSE(offsite.size_bytes.has_value()) << "no size is recorded anywhere yet";

  ASSERT_EQ(snapshot.snapshots_by_host.size(), 2u);
  EXPECT_EQ(snapshot.snapshots_by_host[0].host_name, "");
  EXPECT_EQ(snapshot.snapshots_by_host[0].count, 1);
  EXPECT_EQ(snapshot.snapshots_by_host[1].host_name, "web-1");
  EXPECT_EQ(snapshot.snapshots_by_host[1].count, 2);
}

TEST_P(MetricsSnapshotTest, HostsJobCountsAndPendingRuns) {
  MakeHost("laptop");
  HostStatus status;
  status.connected = true;
  status.seen_at = Now();
  MustOk(store().Write([&](WriteTx& tx) { return tx.UpdateHostStatus(host_.id, status); }));
  MustOk(store().Write([&](WriteTx& tx) { return tx.SetHostTokenHash(host_.id, "hash-of-web-1"); }));
  MustOk(store().Write([&](WriteTx& tx) {
    return tx.SetHostAppliedScheduleVersion(host_.id, 1, Now(),
                                            R"([{"schedule_id":"x","reason":"bad cron"}])");
  }));
  MakeJob(host_.id);
  MakeJob(host_.id);
  Finish(group_.id, JobStatus::kSucceeded, "", seconds(1));
  Must(store().Write([&](WriteTx& tx) {
    return tx.UpsertPendingRun(PendingRun{schedule_.id, host_.id, Now(), Now()});
  }));

  const auto snapshot = ReadSnapshot();
  ASSERT_EQ(snapshot.hosts.size(), 2u);
  EXPECT_EQ(snapshot.hosts[0].name, "laptop");
  EXPECT_FALSE(snapshot.hosts[0].enrolled);
  const auto& web = snapshot.hosts[1];
  EXPECT_TRUE(web.enrolled);
  EXPECT_TRUE(web.connected);
  EXPECT_EQ(web.last_seen_at, Now() - seconds(1));
  EXPECT_EQ(web.schedule_version_canonical, 1);
  EXPECT_EQ(web.schedule_version_applied, 1);
  EXPECT_EQ(web.rejected_entries, 1);

  int64_t queued = 0;
  int64_t succeeded = 0;
  for (const auto& c : snapshot.jobs) {
    if (c.kind == JobKind::kBackup && c.status == JobStatus::kQueued) queued = c.count;
    if (c.kind == JobKind::kBackup && c.status == JobStatus::kSucceeded) succeeded = c.count;
  }
  EXPECT_EQ(queued, 2);
  EXPECT_EQ(succeeded, 1);
  EXPECT_EQ(snapshot.pending_runs, 1);
}

INSTANTIATE_TEST_SUITE_P(store, MetricsSnapshotTest, ::testing::ValuesIn(AllBackends()), BackendName);

}  // namespace
}  // namespace rmgr::store::testing

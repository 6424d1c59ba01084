// Store suite: alerts (one unresolved per kind × subject, listing filters
// and paging, counts), alert rules, and the job-outcome reads the alert
// engine's rules are computed from.
#include "server/store/store_test_fixture.h"

namespace rmgr::store::testing {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

class AlertsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    host_ = MakeHost("host");
    repository_ = MakeRepository("repo");
    group_ = MakeGroup(host_.id, "group");
    schedule_ = MakeSchedule(host_.id, repository_.id, {group_.id}, "nightly").schedule;
  }

  Alert NewAlert(AlertKind kind, const std::string& key) {
    Alert alert;
    alert.kind = kind;
    alert.subject_key = key;
    alert.host_id = host_.id;
    alert.host_name = host_.name;
    alert.subject = "host / " + key;
    alert.reason = "because";
    alert.started_at = Now();
    alert.updated_at = Now();
    return alert;
  }

  Result<Alert> Insert(const Alert& alert) {
    return store().Write([&](WriteTx& tx) { return tx.InsertAlert(alert); });
  }

  //! A job of the nightly schedule for the group (or none), finished with `status`.
  Job Ended(JobStatus status, ErrorKind error_kind = ErrorKind::kNone, bool with_group = true) {
    NewJob job;
    job.host_id = host_.id;
    job.actor_kind = ActorKind::kSchedule;
    job.actor_id = schedule_.id;
    job.schedule_id = schedule_.id;
    if (with_group) job.source_group_id = group_.id;
    job.repository_id = repository_.id;
    const Job made = MakeJob(job);
    JobResult result;
    result.status = status;
    result.error_kind = error_kind;
    if (status != JobStatus::kSucceeded) result.error = "it went wrong";
    return Must(store().Write([&](WriteTx& tx) -> Result<Job> {
      if (status != JobStatus::kCancelled) {
        if (auto sent = tx.TransitionJob(made.id, JobStatus::kDispatched); !sent.ok()) return sent.error();
      }
      auto finished = tx.FinishJob(made.id, result);
      if (!finished.ok()) return finished.error();
      return finished->job;
    }));
  }

  Host host_;
  Repository repository_;
  SourceGroup group_;
  Schedule schedule_;
};

TEST_P(AlertsTest, OneUnresolvedAlertPerKindAndSubjectAndANewOneOnceItResolved) {
  Alert first = Must(Insert(NewAlert(AlertKind::kJobFailed, "s/g")));
  EXPECT_FALSE(first.id.empty());
  EXPECT_EQ(first.state, AlertState::kFiring);

  auto again = Insert(NewAlert(AlertKind::kJobFailed, "s/g"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  // Another kind for the same subject is its own alert.
  EXPECT_TRUE(Insert(NewAlert(AlertKind::kJobPartial, "s/g")).ok());

  Advance(minutes(5));
  first.state = AlertState::kResolved;
  first.resolved_at = Now();
  first.updated_at = Now();
  const Alert resolved = Must(store().Write([&](WriteTx& tx) { return tx.UpdateAlert(first); }));
  EXPECT_EQ(resolved.state, AlertState::kResolved);
  EXPECT_EQ(resolved.resolved_at, Now());
  EXPECT_TRUE(Insert(NewAlert(AlertKind::kJobFailed, "s/g")).ok());
}

TEST_P(AlertsTest, TheSchemaRefusesAResolvedAlertWithoutItsTimeAndASilenceWithoutAnEnd) {
  Alert alert = Must(Insert(NewAlert(AlertKind::kHostOffline, host_.id)));
  alert.state = AlertState::kResolved;
  auto no_time = store().Write([&](WriteTx& tx) { return tx.UpdateAlert(alert); });
  ASSERT_FALSE(no_time.ok());
  EXPECT_EQ(no_time.error().code, ErrorCode::kConstraint);
  alert.state = AlertState::kSilenced;
  auto no_end = store().Write([&](WriteTx& tx) { return tx.UpdateAlert(alert); });
  ASSERT_FALSE(no_end.ok());
  EXPECT_EQ(no_end.error().code, ErrorCode::kConstraint);
  Alert unknown = alert;
  unknown.id = "01JUNKNOWN0000000000000000";
  unknown.state = AlertState::kFiring;
  auto missing = store().Write([&](WriteTx& tx) { return tx.UpdateAlert(unknown); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_P(AlertsTest, ListingFiltersByStateKindAndHostNewestFirstAndPages) {
  const Host other = MakeHost("other");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    Alert alert = NewAlert(AlertKind::kJobFailed, "k" + std::to_string(i));
    if (i == 4) {
      alert.host_id = other.id;
      alert.kind = AlertKind::kHostOffline;
    }
    ids.push_back(Must(Insert(alert)).id);
    Advance(minutes(1));
  }
  Alert acked = Must(store().Read([&](ReadTx& tx) { return tx.GetAlert(ids[1]); }));
  acked.state = AlertState::kAcknowledged;
  acked.acknowledged_at = Now();
  acked.acknowledged_by = "user";
  Must(store().Write([&](WriteTx& tx) { return tx.UpdateAlert(acked); }));

  AlertFilter firing;
  firing.states = {AlertState::kFiring};
  firing.host_id = host_.id;
  PageRequest page;
  page.limit = 2;
  const Page<Alert> first = Must(store().Read([&](ReadTx& tx) { return tx.ListAlerts(firing, page); }));
  ASSERT_EQ(first.items.size(), 2u);
  EXPECT_EQ(first.items[0].id, ids[3]);
  EXPECT_EQ(first.items[1].id, ids[2]);
  ASSERT_FALSE(first.next_cursor.empty());
  page.cursor = first.next_cursor;
  const Page<Alert> second = Must(store().Read([&](ReadTx& tx) { return tx.ListAlerts(firing, page); }));
  ASSERT_EQ(second.items.size(), 1u);
  EXPECT_EQ(second.items[0].id, ids[0]);
  EXPECT_TRUE(second.next_cursor.empty());

  AlertFilter two_states;
  two_states.states = {AlertState::kAcknowledged, AlertState::kFiring};
  two_states.kind = AlertKind::kHostOffline;
  const Page<Alert> offline = Must(store().Read([&](ReadTx& tx) { return tx.ListAlerts(two_states, {}); }));
  ASSERT_EQ(offline.items.size(), 1u);
  EXPECT_EQ(offline.items[0].host_id, other.id);

  const auto open_of_host = Must(store().Read([&](ReadTx& tx) { return tx.ListOpenAlerts(host_.id); }));
  EXPECT_EQ(open_of_host.size(), 4u);
  const auto counts = Must(store().Read([](ReadTx& tx) { return tx.CountOpenAlerts(); }));
  int64_t firing_failed = 0, acked_failed = 0, offline_count = 0;
  for (const auto& count : counts) {
    if (count.kind == AlertKind::kJobFailed && count.state == AlertState::kFiring)
      firing_failed = count.count;
    if (count.kind == AlertKind::kJobFailed && count.state == AlertState::kAcknowledged)
      acked_failed = count.count;
    if (count.kind == AlertKind::kHostOffline) offline_count += count.count;
  }
  EXPECT_EQ(firing_failed, 3);
  EXPECT_EQ(acked_failed, 1);
  EXPECT_EQ(offline_count, 1);

  auto bad = store().Read([&](ReadTx& tx) { return tx.ListAlerts({}, PageRequest{"not-a-cursor", 10}); });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

TEST_P(AlertsTest, RulesAreStoredAsGivenAndReplacedByKind) {
  EXPECT_TRUE(Must(store().Read([](ReadTx& tx) { return tx.ListAlertRules(); })).empty());
  AlertRule rule{AlertKind::kHostOffline, false, R"({"after_minutes":5})", {}};
  Must(store().Write([&](WriteTx& tx) { return tx.PutAlertRule(rule); }));
  rule.enabled = true;
  Must(store().Write([&](WriteTx& tx) { return tx.PutAlertRule(rule); }));
  const auto rules = Must(store().Read([](ReadTx& tx) { return tx.ListAlertRules(); }));
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_TRUE(rules[0].enabled);
  EXPECT_EQ(rules[0].params_json, R"({"after_minutes":5})");
  rule.params_json = "[1]";
  auto not_object = store().Write([&](WriteTx& tx) { return tx.PutAlertRule(rule); });
  ASSERT_FALSE(not_object.ok());
  EXPECT_EQ(not_object.error().code, ErrorCode::kConstraint);
}

TEST_P(AlertsTest, TheLatestDecisiveJobSkipsCancelledAndInterruptedOnes) {
  EXPECT_FALSE(
      Must(store().Read([&](ReadTx& tx) { return tx.GetLatestDecisiveJob(schedule_.id, group_.id); })));
  const Job failed = Ended(JobStatus::kFailed);
  Advance(minutes(1));
  Ended(JobStatus::kCancelled);
  Advance(minutes(1));
  Ended(JobStatus::kInterrupted);
  auto latest =
      Must(store().Read([&](ReadTx& tx) { return tx.GetLatestDecisiveJob(schedule_.id, group_.id); }));
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->id, failed.id);

  Advance(minutes(1));
  const Job check = Ended(JobStatus::kSucceeded, ErrorKind::kNone, /*with_group=*/false);
  auto groupless = Must(store().Read([&](ReadTx& tx) { return tx.GetLatestDecisiveJob(schedule_.id, ""); }));
  ASSERT_TRUE(groupless);
  EXPECT_EQ(groupless->id, check.id);

  const auto subjects =
      Must(store().Read([&](ReadTx& tx) { return tx.ListJobSubjectsFinishedSince(Now() - minutes(30)); }));
  ASSERT_EQ(subjects.size(), 2u);
  EXPECT_EQ(subjects[0].source_group_id, "");
  EXPECT_EQ(subjects[1].source_group_id, group_.id);
  EXPECT_TRUE(Must(store().Read([&](ReadTx& tx) {
                return tx.ListJobSubjectsFinishedSince(Now() + minutes(1));
              })).empty());
}

TEST_P(AlertsTest, ALockStreakRunsFromTheFirstLockFailureAfterTheLastOtherOutcome) {
  Ended(JobStatus::kFailed, ErrorKind::kRepositoryLocked);  // before the success: not part of the run
  Advance(minutes(10));
  Ended(JobStatus::kSucceeded);
  EXPECT_TRUE(Must(store().Read([&](ReadTx& tx) { return tx.ListLockStreaks(Now() - hours(1)); })).empty());

  Advance(minutes(10));
  const TimePoint first_lock = Now();
  Ended(JobStatus::kFailed, ErrorKind::kRepositoryLocked);
  Advance(minutes(10));
  Ended(JobStatus::kCancelled);  // not decisive: the run goes on
  Advance(minutes(10));
  Ended(JobStatus::kFailed, ErrorKind::kRepositoryLocked);
  auto streaks = Must(store().Read([&](ReadTx& tx) { return tx.ListLockStreaks(Now() - hours(1)); }));
  ASSERT_EQ(streaks.size(), 1u);
  EXPECT_EQ(streaks[0].host_id, host_.id);
  EXPECT_EQ(streaks[0].repository_id, repository_.id);
  EXPECT_EQ(streaks[0].since, first_lock);
  EXPECT_EQ(streaks[0].jobs, 2);

  Advance(minutes(10));
  Ended(JobStatus::kFailed, ErrorKind::kWrongPassword);  // another outcome ends the run
  EXPECT_TRUE(Must(store().Read([&](ReadTx& tx) { return tx.ListLockStreaks(Now() - hours(1)); })).empty());
}

TEST_P(AlertsTest, BulkReadsCoverEveryHostAndAScheduleChangeIsTimed) {
  const Host other = MakeHost("other");
  const SourceGroup other_group = MakeGroup(other.id, "g");
  Advance(minutes(3));
  MakeSchedule(other.id, repository_.id, {other_group.id}, "hourly");
  const auto hosts = Must(store().Read([](ReadTx& tx) { return tx.ListAllHosts(); }));
  EXPECT_EQ(hosts.size(), 2u);
  const auto schedules = Must(store().Read([](ReadTx& tx) { return tx.ListAllSchedules(); }));
  ASSERT_EQ(schedules.size(), 2u);
  for (const auto& schedule : schedules) EXPECT_EQ(schedule.source_group_ids.size(), 1u);
  EXPECT_EQ(Must(store().Read([](ReadTx& tx) { return tx.ListAllSourceGroups(); })).size(), 2u);
  Ended(JobStatus::kSucceeded);
  EXPECT_EQ(Must(store().Read([](ReadTx& tx) { return tx.ListAllScheduleGroupStates(); })).size(), 1u);
  const Host changed = Must(store().Read([&](ReadTx& tx) { return tx.GetHost(other.id); }));
  EXPECT_EQ(changed.schedule_changed_at, Now());
}

INSTANTIATE_TEST_SUITE_P(store, AlertsTest, ::testing::ValuesIn(AllBackends()), BackendName);

}  // namespace
}  // namespace rmgr::store::testing

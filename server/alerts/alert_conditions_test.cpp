// The rules as pure functions: thresholds, defaults, the start-up watch, and
// which outcome raises which kind. The engine test drives them through a
// real store; these pin their edges with a hand-made fleet.
#include "server/alerts/alert_conditions.h"

#include <gtest/gtest.h>

namespace rmgr::server::alerts {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using store::AlertKind;

const TimePoint kStart = TimePoint{std::chrono::seconds{1767225600}};  // 2026-01-01T00:00:00Z, a Thursday

class FleetRules : public ::testing::Test {
 protected:
  void SetUp() override {
    host_.id = "h1";
    host_.name = "laptop";
    host_.connected = true;
    host_.created_at = kStart;
    host_.last_seen_at = kStart;
    host_.agent_version = "0.1.0";
    host_.restic_version = "0.14.0";
    group_.id = "g1";
    group_.host_id = host_.id;
    group_.name = "home";
    group_.created_at = kStart;
    schedule_.id = "s1";
    schedule_.host_id = host_.id;
    schedule_.name = "nightly";
    schedule_.cron = "0 3 * * *";
    schedule_.repository_id = "r1";
    schedule_.source_group_ids = {group_.id};
    schedule_.created_at = kStart;
  }

  FleetState State() const {
    FleetState state;
    state.hosts = {host_};
    state.schedules = {schedule_};
    state.groups = {group_};
    store::Repository repository;
    repository.id = "r1";
    repository.name = "nas";
    state.repositories = {repository};
    state.group_states = states_;
    state.lock_streaks = streaks_;
    return state;
  }

  std::vector<Condition> At(TimePoint now, TimePoint since = kStart - hours(1000)) const {
    return EvaluateFleet(State(), rules_, now, Watch{since, minutes(10)});
  }

  static std::vector<Condition> OfKind(const std::vector<Condition>& all, AlertKind kind) {
    std::vector<Condition> out;
    for (const auto& c : all) {
      if (c.kind == kind) out.push_back(c);
    }
    return out;
  }

  store::Host host_;
  store::SourceGroup group_;
  store::Schedule schedule_;
  std::vector<store::ScheduleGroupState> states_;
  std::vector<store::LockStreak> streaks_;
  RuleSet rules_;
};

TEST_F(FleetRules, AnAlwaysOnHostIsUnprotectedOnceTheSlotAfterItsLastSuccessPlusOneAndAHalfIntervalsPassed) {
  states_ = {{schedule_.id, group_.id, kStart + hours(3) + minutes(5), "j1", store::JobStatus::kSucceeded}};
  // Next slot after the success: Jan 2 03:00; grace 1.5 × 24 h → Jan 3 15:00.
  const TimePoint deadline = kStart + hours(24 + 3 + 36);
  EXPECT_TRUE(OfKind(At(deadline - minutes(1)), AlertKind::kHostUnprotected).empty());
  const auto fired = OfKind(At(deadline), AlertKind::kHostUnprotected);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].subject_key, "s1/g1");
  EXPECT_EQ(fired[0].subject, "laptop / nightly / home");
  EXPECT_EQ(fired[0].severity, store::AlertSeverity::kCritical);
  EXPECT_NE(fired[0].reason.find("no successful backup since 2026-01-01T03:05:00Z"), std::string::npos)
      << fired[0].reason;
  EXPECT_TRUE(fired[0].may_open);
}

TEST_F(FleetRules, AnIntermittentHostGetsTheLongerGraceAndADisabledScheduleNone) {
  host_.always_on = false;
  states_ = {{schedule_.id, group_.id, kStart + hours(3) + minutes(5), "j1", store::JobStatus::kSucceeded}};
  const TimePoint always_on_deadline = kStart + hours(24 + 3 + 36);
  EXPECT_TRUE(OfKind(At(always_on_deadline), AlertKind::kHostUnprotected).empty());
  EXPECT_EQ(OfKind(At(kStart + hours(24 + 3 + 72)), AlertKind::kHostUnprotected).size(), 1u);
  schedule_.enabled = false;
  EXPECT_TRUE(OfKind(At(kStart + hours(24 * 30)), AlertKind::kHostUnprotected).empty());
}

TEST_F(FleetRules, ANeverSuccessfulGroupCountsFromWhenTheScheduleWasMadeAndNamesItsLastFailure) {
  states_ = {{schedule_.id, group_.id, std::nullopt, "j9", store::JobStatus::kFailed}};
  const auto fired = OfKind(At(kStart + hours(3 + 36)), AlertKind::kHostUnprotected);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_NE(fired[0].reason.find("never backed up successfully"), std::string::npos);
  EXPECT_NE(fired[0].reason.find("its last job ended failed"), std::string::npos);
  EXPECT_EQ(fired[0].job_id, "j9");
}

TEST_F(FleetRules, AfterTheServerStartsAnOverdueBackupKeepsAnAlertButOpensNoneUntilTheSettleTimePassed) {
  const TimePoint now = kStart + hours(24 * 5);
  auto kept = OfKind(At(now, now - minutes(5)), AlertKind::kHostUnprotected);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_FALSE(kept[0].may_open);
  kept = OfKind(At(now, now - minutes(10)), AlertKind::kHostUnprotected);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_TRUE(kept[0].may_open);
}

TEST_F(FleetRules, AnAlwaysOnHostAwayLongerThanTheThresholdIsOfflineAndAnIntermittentOneNot) {
  host_.connected = false;
  host_.last_seen_at = kStart;
  EXPECT_TRUE(OfKind(At(kStart + minutes(29)), AlertKind::kHostOffline).empty());
  auto offline = OfKind(At(kStart + minutes(30)), AlertKind::kHostOffline);
  ASSERT_EQ(offline.size(), 1u);
  EXPECT_EQ(offline[0].subject_key, "h1");
  EXPECT_TRUE(offline[0].may_open);
  // A server that started 5 minutes ago gives it time to come back.
  offline = OfKind(At(kStart + minutes(60), kStart + minutes(55)), AlertKind::kHostOffline);
  ASSERT_EQ(offline.size(), 1u);
  EXPECT_FALSE(offline[0].may_open);
  host_.always_on = false;
  EXPECT_TRUE(OfKind(At(kStart + hours(100)), AlertKind::kHostOffline).empty());
  RuleSettings all = rules_.Of(AlertKind::kHostOffline);
  all.always_on_only = false;
  rules_.Set(AlertKind::kHostOffline, all);
  EXPECT_EQ(OfKind(At(kStart + hours(100)), AlertKind::kHostOffline).size(), 1u);
}

TEST_F(FleetRules, DriftIsAVersionNotAppliedAfterTheThresholdOrAnEntryTheAgentRefused) {
  host_.schedule_version_canonical = 3;
  host_.schedule_version_applied = 2;
  host_.schedule_changed_at = kStart;
  EXPECT_TRUE(OfKind(At(kStart + minutes(14)), AlertKind::kScheduleDrift).empty());
  auto drift = OfKind(At(kStart + minutes(15)), AlertKind::kScheduleDrift);
  ASSERT_EQ(drift.size(), 1u);
  EXPECT_NE(drift[0].reason.find("schedule version 3 not applied"), std::string::npos) << drift[0].reason;
  host_.connected = false;  // offline: nothing was pushed, nothing drifts
  EXPECT_TRUE(OfKind(At(kStart + minutes(60)), AlertKind::kScheduleDrift).empty());

  host_.schedule_version_applied = 3;
  host_.schedule_rejected_json = R"([{"schedule_id":"s1","reason":"unknown time zone \"Mars/Base\""}])";
  drift = OfKind(At(kStart + minutes(1)), AlertKind::kScheduleDrift);
  ASSERT_EQ(drift.size(), 1u);
  EXPECT_NE(drift[0].reason.find("could not apply schedule nightly: unknown time zone"), std::string::npos)
      << drift[0].reason;
}

TEST_F(FleetRules, OutdatedComparesVersionsNumericallyAndAMissingResticCounts) {
  EXPECT_TRUE(OfKind(At(kStart), AlertKind::kAgentOutdated).empty());
  host_.restic_version = "0.9.6";
  auto outdated = OfKind(At(kStart), AlertKind::kAgentOutdated);
  ASSERT_EQ(outdated.size(), 1u);
  EXPECT_EQ(outdated[0].reason, "restic 0.9.6 is older than 0.14.0");
  host_.restic_version = "";
  outdated = OfKind(At(kStart), AlertKind::kAgentOutdated);
  ASSERT_EQ(outdated.size(), 1u);
  EXPECT_EQ(outdated[0].reason, "restic was not found on the host");
  host_.agent_version = "";  // never said hello: unknown, not outdated
  EXPECT_TRUE(OfKind(At(kStart), AlertKind::kAgentOutdated).empty());
  EXPECT_EQ(CompareVersions("0.18.1-dev", "0.18"), 1);
  EXPECT_EQ(CompareVersions("0.14", "0.14.0"), 0);
  EXPECT_FALSE(CompareVersions("dev", "0.14.0"));
}

TEST_F(FleetRules, ALockStreakFiresOnlyOnceItIsOlderThanTheThreshold) {
  streaks_ = {{host_.id, "r1", kStart, "", 3}};
  EXPECT_TRUE(OfKind(At(kStart + minutes(59)), AlertKind::kRepositoryLocked).empty());
  auto locked = OfKind(At(kStart + minutes(60)), AlertKind::kRepositoryLocked);
  ASSERT_EQ(locked.size(), 1u);
  EXPECT_EQ(locked[0].subject, "laptop / nas");
  EXPECT_EQ(locked[0].subject_key, "h1/r1");
}

TEST_F(FleetRules, ADisabledRuleRaisesNothing) {
  host_.connected = false;
  RuleSettings off = rules_.Of(AlertKind::kHostOffline);
  off.enabled = false;
  rules_.Set(AlertKind::kHostOffline, off);
  EXPECT_TRUE(OfKind(At(kStart + hours(10)), AlertKind::kHostOffline).empty());
}

store::Job Finished(store::JobKind kind, store::JobStatus status,
                    store::ErrorKind error_kind = store::ErrorKind::kNone) {
  store::Job job;
  job.id = "j1";
  job.host_id = "h1";
  job.kind = kind;
  job.status = status;
  job.error_kind = error_kind;
  job.error = "restic said no";
  job.schedule_id = "s1";
  job.repository_id = "r1";
  job.finished_at = kStart;
  return job;
}

TEST(JobOutcomeRules, EachOutcomeRaisesItsKindAndASuccessNothing) {
  const RuleSet rules;
  const SubjectNames names{"laptop", "nightly", "home", "nas"};
  auto job = Finished(store::JobKind::kBackup, store::JobStatus::kFailed, store::ErrorKind::kWrongPassword);
  job.source_group_id = "g1";
  auto failed = EvaluateJobOutcome(job, names, rules);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->kind, AlertKind::kJobFailed);
  EXPECT_EQ(failed->subject_key, "s1/g1");
  EXPECT_EQ(failed->subject, "laptop / nightly / home");
  EXPECT_EQ(failed->reason, "backup failed at 2026-01-01T00:00:00Z (wrong_password): restic said no");
  EXPECT_EQ(failed->job_id, "j1");

  job.status = store::JobStatus::kPartial;
  auto partial = EvaluateJobOutcome(job, names, rules);
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial->kind, AlertKind::kJobPartial);
  job.status = store::JobStatus::kSucceeded;
  EXPECT_FALSE(EvaluateJobOutcome(job, names, rules));

  auto check = Finished(store::JobKind::kCheck, store::JobStatus::kFailed, store::ErrorKind::kOther);
  auto damaged = EvaluateJobOutcome(check, {"laptop", "weekly check", "", "nas"}, rules);
  ASSERT_TRUE(damaged);
  EXPECT_EQ(damaged->kind, AlertKind::kCheckFailed);
  EXPECT_EQ(damaged->severity, store::AlertSeverity::kCritical);
  EXPECT_EQ(damaged->subject_key, "s1/");
  EXPECT_NE(damaged->reason.find("found problems in repository nas"), std::string::npos);
  // A check that could not take the lock says nothing about the data.
  check.error_kind = store::ErrorKind::kRepositoryLocked;
  EXPECT_EQ(EvaluateJobOutcome(check, names, rules)->kind, AlertKind::kJobFailed);
  check.status = store::JobStatus::kLost;
  EXPECT_EQ(EvaluateJobOutcome(check, names, rules)->kind, AlertKind::kJobFailed);

  auto drill = Finished(store::JobKind::kDrill, store::JobStatus::kFailed, store::ErrorKind::kVerifyMismatch);
  auto doubt = EvaluateJobOutcome(drill, {"laptop", "monthly drill", "home", "nas"}, rules);
  ASSERT_TRUE(doubt);
  EXPECT_EQ(doubt->kind, AlertKind::kDrillFailed);
  EXPECT_EQ(doubt->severity, store::AlertSeverity::kCritical);
  EXPECT_NE(doubt->reason.find("restored files that differ"), std::string::npos);
  drill.error_kind = store::ErrorKind::kTimeout;  // a drill that ran out of time proves nothing either way
  EXPECT_EQ(EvaluateJobOutcome(drill, names, rules)->kind, AlertKind::kJobFailed);

  auto manual = Finished(store::JobKind::kBackup, store::JobStatus::kFailed);
  manual.schedule_id.reset();
  EXPECT_FALSE(EvaluateJobOutcome(manual, names, rules)) << "a job of no schedule has no subject";
}

TEST(RuleParams, AdminParamsAreCheckedByKeyTypeAndRange) {
  auto ok = ParseRuleParams(AlertKind::kHostOffline, true, R"({"after_minutes":5,"always_on_only":false})");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->after, minutes(5));
  EXPECT_FALSE(ok->always_on_only);
  EXPECT_EQ(ok->renotify, minutes(720));

  auto unknown = ParseRuleParams(AlertKind::kJobFailed, true, R"({"after_minutes":5})");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().field, "params.after_minutes");
  EXPECT_FALSE(ParseRuleParams(AlertKind::kHostOffline, true, R"({"after_minutes":0})").ok());
  EXPECT_FALSE(ParseRuleParams(AlertKind::kHostOffline, true, R"({"after_minutes":"5"})").ok());
  EXPECT_FALSE(ParseRuleParams(AlertKind::kHostUnprotected, true, R"({"grace_factor":0.5})").ok());
  EXPECT_FALSE(ParseRuleParams(AlertKind::kAgentOutdated, true, R"({"min_restic_version":"new"})").ok());
  EXPECT_FALSE(ParseRuleParams(AlertKind::kJobFailed, true, R"({"severity":"loud"})").ok());
  EXPECT_FALSE(ParseRuleParams(AlertKind::kJobFailed, true, "[]").ok());
  auto severity =
      ParseRuleParams(AlertKind::kJobFailed, false, R"({"severity":"critical","renotify_minutes":0})");
  ASSERT_TRUE(severity.ok());
  EXPECT_FALSE(severity->enabled);
  EXPECT_EQ(severity->severity, store::AlertSeverity::kCritical);
  EXPECT_EQ(severity->renotify, minutes(0));

  std::vector<std::string> problems;
  const RuleSet set = RuleSet::FromStored({{AlertKind::kHostOffline, true, R"({"after_minutes":-1})", {}},
                                           {AlertKind::kScheduleDrift, false, "{}", {}}},
                                          &problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("host_offline"), std::string::npos);
  EXPECT_EQ(set.Of(AlertKind::kHostOffline).after, minutes(30))
      << "an invalid stored rule runs on its defaults";
  EXPECT_FALSE(set.Of(AlertKind::kScheduleDrift).enabled);
  const auto shown = RuleParamsJson(AlertKind::kHostUnprotected, set.Of(AlertKind::kHostUnprotected));
  EXPECT_EQ(shown.at("grace_factor").as_double(), 1.5);
  EXPECT_EQ(shown.at("intermittent_grace_hours").as_int64(), 72);
}

}  // namespace
}  // namespace rmgr::server::alerts

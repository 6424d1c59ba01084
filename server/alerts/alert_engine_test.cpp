// The alert engine against a real SQLite store with a pinned clock: job
// outcomes fire and resolve alerts (event-driven, through the scheduling
// core's observer seam), the periodic pass handles time (overdue, offline,
// reminders, silences), one alert per subject, notices queued with the
// change, every state change audited, nothing duplicated across a restart.
#include "server/alerts/alert_engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>

#include "server/store/store_test_fixture.h"

namespace rmgr::server::alerts {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using store::AlertKind;
using store::AlertState;
using store::testing::Must;

//! Records the notices the engine queues (a stand-in for delivery).
class RecordingSink final : public AlertNoticeSink {
 public:
  Result<void> Enqueue(store::WriteTx&, const AlertNotice& notice) override {
    std::lock_guard lock(mutex_);
    notices_.push_back(notice);
    if (fail_next_) {
      fail_next_ = false;
      return MakeError(ErrorCode::kInternal, "the delivery queue refused it");
    }
    return Ok();
  }
  std::vector<AlertNotice> Notices() {
    std::lock_guard lock(mutex_);
    return notices_;
  }
  void FailNext() { fail_next_ = true; }

 private:
  std::mutex mutex_;
  std::vector<AlertNotice> notices_;
  bool fail_next_ = false;
};

//! Records what the engine publishes for the UI.
class RecordingEvents final : public events::EventSink {
 public:
  void Publish(events::Event event) override {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }
  size_t Count() {
    std::lock_guard lock(mutex_);
    return events_.size();
  }

 private:
  std::mutex mutex_;
  std::vector<events::Event> events_;
};

class AlertEngineTest : public store::testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    host_ = MakeHost("laptop");
    store::testing::MustOk(store().Write([&](store::WriteTx& tx) -> Result<void> {
      store::HostStatus status;
      status.connected = true;
      status.seen_at = Now();
      status.agent_version = "0.1.0";
      status.restic_version = "0.14.0";
      return tx.UpdateHostStatus(host_.id, status);
    }));
    repository_ = MakeRepository("nas");
    group_ = MakeGroup(host_.id, "home");
    const auto change = MakeSchedule(host_.id, repository_.id, {group_.id}, "nightly");
    schedule_ = change.schedule;
    // The agent applied it (else the host drifts after 15 minutes).
    store::testing::MustOk(store().Write([&](store::WriteTx& tx) {
      return tx.SetHostAppliedScheduleVersion(host_.id, change.version, Now());
    }));
    StartEngine();
  }
  void TearDown() override {
    engine_.reset();
    StoreTest::TearDown();
  }

  void StartEngine() {
    AlertEngineOptions options;
    options.period = hours(1000);  // the tests run passes themselves
    options.now = [this] { return Now(); };
    options.sink = &sink_;
    options.events = &events_;
    engine_ = std::make_unique<AlertEngine>(store(), options);
    engine_->Start();
  }

  //! A job of the nightly schedule for the group, finished as told, heard by the engine.
  store::Job Finish(store::JobStatus status, store::ErrorKind error_kind = store::ErrorKind::kNone,
                    bool drain = true) {
    store::NewJob fired;
    fired.host_id = host_.id;
    fired.actor_kind = store::ActorKind::kSchedule;
    fired.schedule_id = schedule_.id;
    fired.actor_id = *fired.schedule_id;
    fired.source_group_id = group_.id;
    fired.repository_id = repository_.id;
    const store::Job made = MakeJob(fired);
    store::JobResult result;
    result.status = status;
    result.error_kind = error_kind;
    if (status != store::JobStatus::kSucceeded) result.error = "it went wrong";
    const store::Job done = Must(store().Write([&](store::WriteTx& tx) -> Result<store::Job> {
      if (auto sent = tx.TransitionJob(made.id, store::JobStatus::kDispatched); !sent.ok())
        return sent.error();
      auto finished = tx.FinishJob(made.id, result);
      if (!finished.ok()) return finished.error();
      return finished->job;
    }));
    engine_->JobChanged(done);
    if (drain) Must(engine_->Drain());
    return done;
  }

  std::vector<store::Alert> Alerts(std::vector<AlertState> states = {}) {
    store::AlertFilter filter;
    filter.states = std::move(states);
    return Must(store().Read([&](store::ReadTx& tx) { return tx.ListAlerts(filter, {}); })).items;
  }

  std::vector<std::string> AuditActions() {
    store::AuditFilter filter;
    filter.target_kind = "alert";
    auto page = Must(store().Read([&](store::ReadTx& tx) {
      return tx.ListAudit(filter, store::PageRequest{{}, 500});
    }));
    std::vector<std::string> out;
    for (auto it = page.items.rbegin(); it != page.items.rend(); ++it) out.push_back(it->action);
    return out;
  }

  store::Host host_;
  store::Repository repository_;
  store::SourceGroup group_;
  store::Schedule schedule_;
  RecordingSink sink_;
  RecordingEvents events_;
  std::unique_ptr<AlertEngine> engine_;
};

TEST_P(AlertEngineTest, AFailedJobFiresOneAlertForItsScheduleAndGroupAndTheNextSuccessResolvesIt) {
  const store::Job failed = Finish(store::JobStatus::kFailed, store::ErrorKind::kWrongPassword);
  auto firing = Alerts({AlertState::kFiring});
  ASSERT_EQ(firing.size(), 1u);
  EXPECT_EQ(firing[0].kind, AlertKind::kJobFailed);
  EXPECT_EQ(firing[0].host_id, host_.id);
  EXPECT_EQ(firing[0].schedule_id, schedule_.id);
  EXPECT_EQ(firing[0].source_group_id, group_.id);
  EXPECT_EQ(firing[0].job_id, failed.id);
  EXPECT_EQ(firing[0].subject, "laptop / nightly / home");
  EXPECT_EQ(firing[0].notify_count, 1);

  Advance(minutes(10));
  const store::Job again = Finish(store::JobStatus::kFailed, store::ErrorKind::kWrongPassword);
  firing = Alerts({AlertState::kFiring});
  ASSERT_EQ(firing.size(), 1u) << "one alert per subject: a second failure only updates it";
  EXPECT_EQ(firing[0].job_id, again.id);
  EXPECT_EQ(firing[0].notify_count, 1) << "and tells nobody again";

  Advance(minutes(10));
  Finish(store::JobStatus::kSucceeded);
  EXPECT_TRUE(Alerts({AlertState::kFiring}).empty());
  const auto resolved = Alerts({AlertState::kResolved});
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0].resolved_at, Now());

  const auto notices = sink_.Notices();
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_EQ(notices[0].event, NoticeEvent::kFiring);
  EXPECT_EQ(notices[0].alert.kind, AlertKind::kJobFailed);
  EXPECT_EQ(notices[1].event, NoticeEvent::kResolved);
  EXPECT_EQ(notices[1].alert.state, AlertState::kResolved);
  EXPECT_EQ(AuditActions(), (std::vector<std::string>{"alert.fire", "alert.resolve"}));
  EXPECT_GE(events_.Count(), 3u) << "fired, updated and resolved are published for the UI";
}

TEST_P(AlertEngineTest, APartialBackupIsItsOwnKindAndAFailureAfterItReplacesIt) {
  Finish(store::JobStatus::kPartial);
  auto open = Alerts({AlertState::kFiring});
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].kind, AlertKind::kJobPartial);
  Advance(minutes(1));
  Finish(store::JobStatus::kFailed, store::ErrorKind::kOther);
  open = Alerts({AlertState::kFiring});
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].kind, AlertKind::kJobFailed);
  EXPECT_EQ(Alerts({AlertState::kResolved}).size(), 1u);
}

TEST_P(AlertEngineTest, AnOverdueBackupRaisesHostUnprotectedInThePeriodicPassAndASuccessResolvesIt) {
  // nightly at 03:00 UTC from 2026-01-01T00:00Z, never succeeded: due Jan 1
  // 03:00, overdue after 1.5 days.
  Advance(hours(3 + 36) - minutes(1));
  Must(engine_->RunPass());
  EXPECT_TRUE(Alerts().empty());
  Advance(minutes(1));
  Must(engine_->RunPass());
  auto open = Alerts({AlertState::kFiring});
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].kind, AlertKind::kHostUnprotected);
  EXPECT_EQ(open[0].severity, store::AlertSeverity::kCritical);
  EXPECT_NE(open[0].reason.find("never backed up successfully"), std::string::npos) << open[0].reason;

  // The success is heard as an event: its host is evaluated at once.
  Finish(store::JobStatus::kSucceeded);
  EXPECT_TRUE(Alerts({AlertState::kFiring}).empty());
}

TEST_P(AlertEngineTest, AHostAwayPastTheThresholdIsOfflineUntilItConnects) {
  store::testing::MustOk(store().Write([&](store::WriteTx& tx) {
    store::HostStatus status;
    status.connected = false;
    return tx.UpdateHostStatus(host_.id, status);
  }));
  Advance(minutes(31));
  Must(engine_->RunPass());
  auto open = Alerts({AlertState::kFiring});
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].kind, AlertKind::kHostOffline);

  store::testing::MustOk(store().Write([&](store::WriteTx& tx) {
    store::HostStatus status;
    status.connected = true;
    status.seen_at = Now();
    return tx.UpdateHostStatus(host_.id, status);
  }));
  engine_->HostChanged(Must(store().Read([&](store::ReadTx& tx) { return tx.GetHost(host_.id); })));
  Must(engine_->Drain());
  EXPECT_TRUE(Alerts({AlertState::kFiring}).empty());
}

TEST_P(AlertEngineTest, AFiringAlertIsRemindedOnItsIntervalUntilAcknowledged) {
  Finish(store::JobStatus::kFailed);
  Advance(hours(11));
  Must(engine_->RunPass());
  EXPECT_EQ(sink_.Notices().size(), 1u);
  Advance(hours(1));
  Must(engine_->RunPass());
  ASSERT_EQ(sink_.Notices().size(), 2u);
  EXPECT_EQ(sink_.Notices()[1].event, NoticeEvent::kReminder);

  const auto alert = Alerts({AlertState::kFiring}).at(0);
  const Actor actor{store::ActorKind::kUser, "u1", "127.0.0.1"};
  const store::Alert acked =
      Must(store().Write([&](store::WriteTx& tx) { return Acknowledge(tx, alert.id, actor, Now()); }));
  EXPECT_EQ(acked.state, AlertState::kAcknowledged);
  EXPECT_EQ(acked.acknowledged_by, "u1");
  Advance(hours(24));
  Must(engine_->RunPass());
  EXPECT_EQ(sink_.Notices().size(), 2u) << "no reminder once acknowledged";
  EXPECT_EQ(Alerts({AlertState::kAcknowledged}).size(), 1u)
      << "and the pass does not undo the acknowledgement";

  Finish(store::JobStatus::kSucceeded);
  EXPECT_EQ(Alerts({AlertState::kResolved}).size(), 1u) << "an acknowledged alert still resolves by itself";
}

TEST_P(AlertEngineTest, ASilenceHidesRemindersAndTheResolveAndEndsByItself) {
  // Two days pass: the never-run nightly would be overdue too; this test is about one alert.
  Must(store().Write([&](store::WriteTx& tx) {
    return tx.PutAlertRule(store::AlertRule{AlertKind::kHostUnprotected, false, "{}", {}});
  }));
  Finish(store::JobStatus::kFailed);
  const auto alert = Alerts({AlertState::kFiring}).at(0);
  const Actor actor{store::ActorKind::kUser, "u1", "127.0.0.1"};
  auto too_long = store().Write(
      [&](store::WriteTx& tx) { return Silence(tx, alert.id, Now() + hours(24 * 91), actor, Now()); });
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code, ErrorCode::kInvalidArgument);
  const store::Alert silenced = Must(store().Write(
      [&](store::WriteTx& tx) { return Silence(tx, alert.id, Now() + hours(48), actor, Now()); }));
  EXPECT_EQ(silenced.state, AlertState::kSilenced);
  Advance(hours(24));
  Must(engine_->RunPass());
  EXPECT_EQ(sink_.Notices().size(), 1u) << "no reminder while silenced";
  Advance(hours(25));
  Must(engine_->RunPass());
  const auto back = Alerts({AlertState::kFiring});
  ASSERT_EQ(back.size(), 1u) << "the silence ended";
  EXPECT_EQ(sink_.Notices().size(), 2u) << "and the overdue reminder went out";

  auto not_silenced =
      store().Write([&](store::WriteTx& tx) { return Unsilence(tx, alert.id, actor, Now()); });
  ASSERT_FALSE(not_silenced.ok());
  EXPECT_EQ(not_silenced.error().code, ErrorCode::kConflict);
  const auto actions = AuditActions();
  EXPECT_NE(std::find(actions.begin(), actions.end(), "alert.silence"), actions.end());
  EXPECT_NE(std::find(actions.begin(), actions.end(), "alert.silence_end"), actions.end());
}

TEST_P(AlertEngineTest, ARefusedNoticeRollsTheAlertBackAndTheNextEvaluationTriesAgain) {
  sink_.FailNext();
  const store::Job failed = Finish(store::JobStatus::kFailed, store::ErrorKind::kNone, /*drain=*/false);
  // The evaluation the event started fails (on the engine's flush or in
  // this Drain, whichever runs it first) and rolls back.
  (void)engine_->Drain();
  EXPECT_EQ(sink_.Notices().size(), 1u) << "the sink was asked";
  EXPECT_TRUE(Alerts().empty()) << "no alert without its notice";
  engine_->JobChanged(failed);
  Must(engine_->Drain());
  EXPECT_EQ(Alerts({AlertState::kFiring}).size(), 1u);
}

TEST_P(AlertEngineTest, ARestartedEngineFindsAnOutcomeNobodyHeardAndDuplicatesNothing) {
  Finish(store::JobStatus::kFailed);
  engine_.reset();
  // A failure committed while no engine listened (the server died before the event).
  store::NewJob fired;
  fired.host_id = host_.id;
  fired.actor_kind = store::ActorKind::kSchedule;
  fired.actor_id = schedule_.id;
  fired.schedule_id = schedule_.id;
  fired.repository_id = repository_.id;  // no group: a second subject
  const store::Job made = MakeJob(fired);
  store::testing::MustOk(store().Write([&](store::WriteTx& tx) -> Result<void> {
    if (auto sent = tx.TransitionJob(made.id, store::JobStatus::kDispatched); !sent.ok()) return sent.error();
    store::JobResult result;
    result.status = store::JobStatus::kFailed;
    result.error = "unheard";
    auto finished = tx.FinishJob(made.id, result);
    if (!finished.ok()) return finished.error();
    return Ok();
  }));
  StartEngine();
  const auto open = Alerts({AlertState::kFiring});
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(sink_.Notices().size(), 2u) << "the first alert was not told again";
}

TEST_P(AlertEngineTest, AlertsOfADeletedScheduleOrADisabledRuleResolve) {
  Finish(store::JobStatus::kFailed);
  ASSERT_EQ(Alerts({AlertState::kFiring}).size(), 1u);
  Must(store().Write([&](store::WriteTx& tx) {
    return tx.PutAlertRule(store::AlertRule{AlertKind::kJobFailed, false, "{}", {}});
  }));
  Must(engine_->RunPass());
  EXPECT_TRUE(Alerts({AlertState::kFiring}).empty());

  Must(store().Write([&](store::WriteTx& tx) {
    return tx.PutAlertRule(store::AlertRule{AlertKind::kJobFailed, true, "{}", {}});
  }));
  Advance(minutes(1));
  Finish(store::JobStatus::kFailed);
  ASSERT_EQ(Alerts({AlertState::kFiring}).size(), 1u);
  Must(store().Write([&](store::WriteTx& tx) { return tx.DeleteSchedule(host_.id, schedule_.id); }));
  Must(engine_->RunPass());
  EXPECT_TRUE(Alerts({AlertState::kFiring}).empty());
}

//! Every fleet rule fires and resolves, through the store and the passes.
TEST_P(AlertEngineTest, DriftOutdatedAndLockedEachFireAndResolveWhenTheirCauseIsFixed) {
  // Drift: a change the agent has not applied 15 minutes on.
  const auto bumped = MakeSchedule(host_.id, repository_.id, {group_.id}, "hourly");
  engine_->HostChanged(Must(store().Read([&](store::ReadTx& tx) { return tx.GetHost(host_.id); })));
  Must(engine_->Drain());
  Advance(minutes(16));
  Must(engine_->RunPass());
  auto open = Alerts({AlertState::kFiring});
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].kind, AlertKind::kScheduleDrift);
  store::testing::MustOk(store().Write([&](store::WriteTx& tx) {
    return tx.SetHostAppliedScheduleVersion(host_.id, bumped.version, Now());
  }));
  Must(engine_->RunPass());
  EXPECT_TRUE(Alerts({AlertState::kFiring}).empty()) << "applied: drift resolved";

  // Outdated: the agent reports an old restic, then a current one.
  auto report_restic = [&](const std::string& version) {
    store::testing::MustOk(store().Write([&](store::WriteTx& tx) {
      store::HostStatus status;
      status.restic_version = version;
      return tx.UpdateHostStatus(host_.id, status);
    }));
    Must(engine_->RunPass());
  };
  report_restic("0.9.6");
  open = Alerts({AlertState::kFiring});
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].kind, AlertKind::kAgentOutdated);
  report_restic("0.18.1");
  EXPECT_TRUE(Alerts({AlertState::kFiring}).empty()) << "upgraded: resolved";

  // Locked: lock failures for more than an hour, then a success.
  Finish(store::JobStatus::kFailed, store::ErrorKind::kRepositoryLocked);
  Advance(minutes(61));
  Finish(store::JobStatus::kFailed, store::ErrorKind::kRepositoryLocked);
  Must(engine_->RunPass());
  std::vector<AlertKind> kinds;
  for (const auto& alert : Alerts({AlertState::kFiring})) kinds.push_back(alert.kind);
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), AlertKind::kRepositoryLocked), kinds.end());
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), AlertKind::kJobFailed), kinds.end());
  Finish(store::JobStatus::kSucceeded);
  Must(engine_->RunPass());
  EXPECT_TRUE(Alerts({AlertState::kFiring}).empty()) << "a success ends the lock streak and the failure";
}

TEST_P(AlertEngineTest, ACheckThatFoundDamageIsCriticalAndACleanCheckResolvesIt) {
  store::Schedule check;
  check.host_id = host_.id;
  check.name = "weekly check";
  check.kind = store::JobKind::kCheck;
  check.cron = "0 5 * * 0";
  check.repository_id = repository_.id;
  const auto made = Must(store().Write([&](store::WriteTx& tx) { return tx.CreateSchedule(check); }));
  store::testing::MustOk(store().Write([&](store::WriteTx& tx) {
    return tx.SetHostAppliedScheduleVersion(host_.id, made.version, Now());
  }));
  auto run_check = [&](store::JobStatus status, store::ErrorKind error_kind) {
    store::NewJob job;
    job.host_id = host_.id;
    job.kind = store::JobKind::kCheck;
    job.actor_kind = store::ActorKind::kSchedule;
    job.actor_id = made.schedule.id;
    job.schedule_id = made.schedule.id;
    job.repository_id = repository_.id;
    const store::Job queued = MakeJob(job);
    const store::Job done = Must(store().Write([&](store::WriteTx& tx) -> Result<store::Job> {
      if (auto sent = tx.TransitionJob(queued.id, store::JobStatus::kDispatched); !sent.ok()) return sent.error();
      store::JobResult result;
      result.status = status;
      result.error_kind = error_kind;
      if (status != store::JobStatus::kSucceeded) result.error = "pack 3f2a: not referenced in any index";
      auto finished = tx.FinishJob(queued.id, result);
      if (!finished.ok()) return finished.error();
      return finished->job;
    }));
    engine_->JobChanged(done);
    Must(engine_->Drain());
  };
  run_check(store::JobStatus::kFailed, store::ErrorKind::kOther);
  auto open = Alerts({AlertState::kFiring});
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].kind, AlertKind::kCheckFailed);
  EXPECT_EQ(open[0].severity, store::AlertSeverity::kCritical);
  EXPECT_EQ(open[0].subject, "laptop / weekly check");
  Advance(minutes(5));
  run_check(store::JobStatus::kSucceeded, store::ErrorKind::kNone);
  EXPECT_TRUE(Alerts({AlertState::kFiring}).empty());
  EXPECT_EQ(Alerts({AlertState::kResolved}).size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(store, AlertEngineTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendName);

}  // namespace
}  // namespace rmgr::server::alerts

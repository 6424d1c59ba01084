// Store suite: the window record — jobs' window slots, window notes (upsert,
// cascade), host presence kept by UpdateHostStatus, server runs, and the
// one read that gathers a schedule's record for a range.
#include "server/store/store_test_fixture.h"

namespace rmgr::store::testing {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

class WindowsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    host_ = MakeHost("host");
    repository_ = MakeRepository("repo");
    group_ = MakeGroup(host_.id, "group");
    schedule_ = MakeSchedule(host_.id, repository_.id, {group_.id}, "nightly").schedule;
  }

  NewJob Fire(std::optional<TimePoint> slot) {
    NewJob job;
    job.host_id = host_.id;
    job.actor_kind = ActorKind::kSchedule;
    job.actor_id = schedule_.id;
    job.schedule_id = schedule_.id;
    job.source_group_id = group_.id;
    job.repository_id = repository_.id;
    job.scheduled_at = slot;
    return job;
  }

  Result<void> Note(const WindowNote& note) {
    return store().Write([&](WriteTx& tx) { return tx.RecordWindowNote(note); });
  }

  WindowRecord Record(TimePoint from, TimePoint to) {
    return Must(store().Read([&](ReadTx& tx) { return tx.GetWindowRecord(schedule_.id, from, to); }));
  }

  void SetConnected(bool connected, std::optional<TimePoint> at = {}) {
    HostStatus status;
    status.connected = connected;
    status.seen_at = at ? *at : Now();
    MustOk(store().Write([&](WriteTx& tx) { return tx.UpdateHostStatus(host_.id, status); }));
  }

  void Seen(TimePoint at) {
    HostStatus status;
    status.seen_at = at;
    MustOk(store().Write([&](WriteTx& tx) { return tx.UpdateHostStatus(host_.id, status); }));
  }

  Host host_;
  Repository repository_;
  SourceGroup group_;
  Schedule schedule_;
};

TEST_P(WindowsTest, AJobsWindowIsItsFireSlotUnlessTheCallerNamesAnother) {
  const TimePoint slot = Now() - hours(1);
  EXPECT_EQ(MakeJob(Fire(slot)).window_slot, slot);

  NewJob retry = Fire(std::nullopt);  // a catch-up retry of the same slot
  retry.actor_kind = ActorKind::kCatchup;
  retry.window_slot = slot;
  const Job made = MakeJob(retry);
  EXPECT_FALSE(made.scheduled_at);
  EXPECT_EQ(made.window_slot, slot);

  EXPECT_FALSE(MakeJob(Fire(std::nullopt)).window_slot);  // run now: no window
  EXPECT_FALSE(MakeJob(host_.id).window_slot);
}

TEST_P(WindowsTest, RecordListsTheJobsOfItsRangeNewestSlotFirst) {
  const TimePoint t = Now();
  const Job old = MakeJob(Fire(t - hours(48)));
  const Job first = MakeJob(Fire(t - hours(24)));
  Advance(seconds(1));
  NewJob retry = Fire(std::nullopt);
  retry.window_slot = t - hours(24);
  const Job second = MakeJob(retry);
  const Job outside = MakeJob(Fire(t));  // == to: outside [from, to)

  const WindowRecord record = Record(t - hours(30), t);
  EXPECT_EQ(record.schedule.id, schedule_.id);
  ASSERT_EQ(record.jobs.size(), 2u);  // not `old` (before from) nor `outside` (at to)
  EXPECT_EQ(record.jobs[0].id, second.id);  // same window: the newer job first
  EXPECT_EQ(record.jobs[1].id, first.id);
  EXPECT_EQ(Record(t - hours(49), t + seconds(1)).jobs.size(), 4u);
  EXPECT_EQ(Record(t - hours(49), t + seconds(1)).jobs.back().id, old.id);
  EXPECT_EQ(Record(t - hours(49), t + seconds(1)).jobs.front().id, outside.id);
}

TEST_P(WindowsTest, ALaterNoteForTheSameWindowReplacesTheEarlierOne) {
  const TimePoint slot = Now() - hours(2);
  MustOk(Note({schedule_.id, group_.id, slot, WindowNoteKind::kDeferred, "handed to catch-up", {}}));
  Advance(seconds(5));
  MustOk(Note({schedule_.id, group_.id, slot, WindowNoteKind::kCoalesced, "repository busy", {}}));
  MustOk(Note({schedule_.id, "", slot, WindowNoteKind::kRefused, "schedule disabled", {}}));

  const WindowRecord record = Record(slot - hours(1), slot + hours(1));
  ASSERT_EQ(record.notes.size(), 2u);
  EXPECT_EQ(record.notes[0], (WindowNote{schedule_.id, "", slot, WindowNoteKind::kRefused, "schedule disabled", Now()}));
  EXPECT_EQ(record.notes[1],
            (WindowNote{schedule_.id, group_.id, slot, WindowNoteKind::kCoalesced, "repository busy", Now()}));
  EXPECT_TRUE(Record(slot + seconds(1), slot + hours(1)).notes.empty());
}

TEST_P(WindowsTest, NotesNeedAKnownScheduleAndGoWithIt) {
  EXPECT_EQ(Note({"01UNKNOWN", "", Now(), WindowNoteKind::kOffline, "", {}}).error().code, ErrorCode::kConstraint);
  EXPECT_EQ(Note({"", "", Now(), WindowNoteKind::kOffline, "", {}}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Note({schedule_.id, "", Now(), WindowNoteKind::kOffline, std::string(513, 'x'), {}}).error().code,
            ErrorCode::kInvalidArgument);
  MustOk(Note({schedule_.id, "", Now(), WindowNoteKind::kNotApplied, "invalid cron", {}}));
  MustOk(store().Write([&](WriteTx& tx) -> Result<void> {
    auto deleted = tx.DeleteSchedule(host_.id, schedule_.id);
    if (!deleted.ok()) return deleted.error();
    return Ok();
  }));
  // The delete went through (the notes cascade rather than block it).
  EXPECT_EQ(store().Read([&](ReadTx& tx) { return tx.GetWindowRecord(schedule_.id, Now() - hours(1), Now()); })
                .error()
                .code,
            ErrorCode::kNotFound);
}

TEST_P(WindowsTest, NoteKindNamesRoundTrip) {
  for (auto kind : {WindowNoteKind::kRefused, WindowNoteKind::kCoalesced, WindowNoteKind::kNotApplied,
                    WindowNoteKind::kDeferred, WindowNoteKind::kOffline}) {
    EXPECT_EQ(FromString<WindowNoteKind>(ToString(kind)), kind);
  }
  EXPECT_FALSE(FromString<WindowNoteKind>("missed"));
}

TEST_P(WindowsTest, PresenceOpensOnConnectKeepsItOnRepeatsAndClosesOnDisconnect) {
  const TimePoint t0 = Now();
  EXPECT_FALSE(Record(t0 - hours(1), t0 + hours(1)).presence_since);
  SetConnected(true, t0);
  SetConnected(true, t0 + seconds(1));  // hello after the upgrade: same interval
  SetConnected(false, t0 + minutes(10));
  SetConnected(false, t0 + minutes(11));  // a second goodbye changes nothing
  SetConnected(true, t0 + hours(1));

  const WindowRecord record = Record(t0 - hours(1), t0 + hours(2));
  EXPECT_EQ(record.presence, (std::vector<PresenceInterval>{{t0, t0 + minutes(10)}, {t0 + hours(1), std::nullopt}}));
  EXPECT_EQ(record.presence_since, t0);
  // Only intervals overlapping the range are listed.
  EXPECT_EQ(Record(t0 + minutes(20), t0 + minutes(30)).presence, std::vector<PresenceInterval>{});
  EXPECT_EQ(Record(t0 + minutes(5), t0 + minutes(30)).presence.size(), 1u);
}

TEST_P(WindowsTest, UpdatesWithoutConnectedLeavePresenceAlone) {
  Seen(Now());
  EXPECT_FALSE(Record(Now() - hours(1), Now() + hours(1)).presence_since);
  HostStatus status;
  status.connected = true;
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.UpdateHostStatus("01UNKNOWN", status); }).error().code,
            ErrorCode::kNotFound);
}

TEST_P(WindowsTest, ANewServerRunClosesIntervalsTheLastRunLeftOpenAtLastSeen) {
  const TimePoint t0 = Now();
  SetConnected(true, t0);
  Seen(t0 + minutes(3));  // the sweep's last word before the crash
  Advance(hours(1));
  const ServerRun run = Must(store().Write([](WriteTx& tx) { return tx.StartServerRun(); }));
  EXPECT_EQ(run.started_at, Now());
  EXPECT_EQ(run.last_alive_at, Now());
  EXPECT_FALSE(run.stopped_at);
  EXPECT_EQ(Record(t0 - hours(1), Now()).presence, (std::vector<PresenceInterval>{{t0, t0 + minutes(3)}}));
  // No agent is connected to a run that has just started: the flag the
  // killed run left set is cleared with its interval.
  EXPECT_FALSE(Must(store().Read([&](ReadTx& tx) { return tx.GetHost(host_.id); })).connected);
  SetConnected(true);
  EXPECT_EQ(Record(t0 - hours(1), Now() + hours(1)).presence.size(), 2u);
}

TEST_P(WindowsTest, ServerRunsAreStartedTouchedAndStopped) {
  EXPECT_EQ(store().Read([](ReadTx& tx) { return tx.GetLatestServerRun(); }).error().code, ErrorCode::kNotFound);
  const TimePoint t0 = Now();
  const ServerRun crashed = Must(store().Write([](WriteTx& tx) { return tx.StartServerRun(); }));
  Advance(seconds(30));
  MustOk(store().Write([&](WriteTx& tx) { return tx.TouchServerRun(crashed.id); }));
  Advance(hours(2));
  const ServerRun next = Must(store().Write([](WriteTx& tx) { return tx.StartServerRun(); }));
  EXPECT_GT(next.id, crashed.id);
  Advance(minutes(1));
  MustOk(store().Write([&](WriteTx& tx) { return tx.StopServerRun(next.id); }));
  EXPECT_EQ(store().Write([](WriteTx& tx) { return tx.TouchServerRun(999999); }).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store().Write([](WriteTx& tx) { return tx.StopServerRun(999999); }).error().code, ErrorCode::kNotFound);

  const auto latest = Must(store().Read([](ReadTx& tx) { return tx.GetLatestServerRun(); }));
  EXPECT_EQ(latest, (ServerRun{next.id, t0 + seconds(30) + hours(2), Now(), Now()}));
  const WindowRecord record = Record(t0, Now() + hours(1));
  EXPECT_EQ(record.server_runs,
            (std::vector<ServerRun>{{crashed.id, t0, t0 + seconds(30), std::nullopt}, latest}));
  EXPECT_EQ(record.server_runs_since, t0);
  // The crashed run ends at its last sign of life: a range after it sees only the next.
  EXPECT_EQ(Record(t0 + minutes(1), Now()).server_runs, std::vector<ServerRun>{latest});
}

TEST_P(WindowsTest, HistoryOlderThanTheKeepIsPrunedWhenNewHistoryStarts) {
  const TimePoint t0 = Now();
  const ServerRun old = Must(store().Write([](WriteTx& tx) { return tx.StartServerRun(); }));
  SetConnected(true, t0);
  SetConnected(false, t0 + minutes(1));
  MustOk(store().Write([&](WriteTx& tx) { return tx.StopServerRun(old.id); }));
  Advance(kWindowHistoryKeep + hours(1));
  Must(store().Write([](WriteTx& tx) { return tx.StartServerRun(); }));
  SetConnected(true);
  const WindowRecord record = Record(t0 - hours(1), Now() + hours(1));
  EXPECT_EQ(record.server_runs.size(), 1u);
  EXPECT_EQ(record.server_runs_since, Now());
  EXPECT_EQ(record.presence, (std::vector<PresenceInterval>{{Now(), std::nullopt}}));
}

TEST_P(WindowsTest, RecordCarriesThePendingRunOfItsScheduleOnly) {
  const Schedule other = MakeSchedule(host_.id, repository_.id, {group_.id}, "other").schedule;
  Must(store().Write([&](WriteTx& tx) {
    return tx.UpsertPendingRun(PendingRun{other.id, host_.id, Now(), Now() - minutes(1)});
  }));
  EXPECT_FALSE(Record(Now() - hours(1), Now()).pending_run);
  Must(store().Write([&](WriteTx& tx) {
    return tx.UpsertPendingRun(PendingRun{schedule_.id, host_.id, Now(), Now() - minutes(2)});
  }));
  const auto pending = Record(Now() - hours(1), Now()).pending_run;
  ASSERT_TRUE(pending);
  EXPECT_EQ(pending->scheduled_at, Now() - minutes(2));
  EXPECT_EQ(store().Read([&](ReadTx& tx) { return tx.GetWindowRecord("01UNKNOWN", Now(), Now()); }).error().code,
            ErrorCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(store, WindowsTest, ::testing::ValuesIn(AllBackends()), BackendName);

}  // namespace
}  // namespace rmgr::store::testing

// The window record's pure part: slots of a schedule in a range (cron and
// @every, zones, creation, paging) and the classification of each window.
#include "server/scheduling/window_record.h"

#include "common/cron/cron_parser.h"

#include <gtest/gtest.h>

#include <set>

namespace rmgr::server::scheduling {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TimePoint At(std::string_view text) {
  auto parsed = ParseRfc3339(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed->time;
}

std::vector<std::string> Show(const std::vector<TimePoint>& slots) {
  std::vector<std::string> out;
  for (auto t : slots) out.push_back(FormatRfc3339Utc(t));
  return out;
}

store::Schedule Nightly() {
  store::Schedule s;
  s.id = "S";
  s.host_id = "H";
  s.cron = "0 3 * * *";
  s.source_group_ids = {"G1", "G2"};
  s.created_at = At("2026-01-01T00:00:00Z");
  s.updated_at = s.created_at;
  return s;
}

SlotPage Slots(const store::Schedule& s, std::string_view from, std::string_view to, int limit = 50) {
  auto page = ScheduleSlots(s, At(from), At(to), limit);
  EXPECT_TRUE(page.ok()) << page.error().Describe();
  return page.ok() ? *page : SlotPage{};
}

TEST(ScheduleSlots, NewestFirstInsideTheRangeWithToExclusive) {
  const auto page = Slots(Nightly(), "2026-03-01T03:00:00Z", "2026-03-04T03:00:00Z");
  EXPECT_EQ(Show(page.slots),
            (std::vector<std::string>{"2026-03-03T03:00:00Z", "2026-03-02T03:00:00Z", "2026-03-01T03:00:00Z"}));
  EXPECT_FALSE(page.next_to);
}

TEST(ScheduleSlots, PagesContinueBeforeTheLastSlotShown) {
  const store::Schedule s = Nightly();
  auto page = Slots(s, "2026-03-01T00:00:00Z", "2026-03-08T00:00:00Z", 3);
  EXPECT_EQ(Show(page.slots),
            (std::vector<std::string>{"2026-03-07T03:00:00Z", "2026-03-06T03:00:00Z", "2026-03-05T03:00:00Z"}));
  ASSERT_TRUE(page.next_to);
  page = *ScheduleSlots(s, At("2026-03-01T00:00:00Z"), *page.next_to, 3);
  EXPECT_EQ(Show(page.slots),
            (std::vector<std::string>{"2026-03-04T03:00:00Z", "2026-03-03T03:00:00Z", "2026-03-02T03:00:00Z"}));
  ASSERT_TRUE(page.next_to);
  page = *ScheduleSlots(s, At("2026-03-01T00:00:00Z"), *page.next_to, 3);
  EXPECT_EQ(Show(page.slots), (std::vector<std::string>{"2026-03-01T03:00:00Z"}));
  EXPECT_FALSE(page.next_to);
}

TEST(ScheduleSlots, ReadInTheSchedulesZoneAndNeverBeforeItExisted) {
  store::Schedule s = Nightly();
  s.timezone = "Europe/Berlin";
  s.created_at = At("2026-03-02T12:00:00Z");
  EXPECT_EQ(Show(Slots(s, "2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z").slots),
            (std::vector<std::string>{"2026-03-04T02:00:00Z", "2026-03-03T02:00:00Z"}));
  EXPECT_TRUE(Slots(s, "2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z").slots.empty());
}

TEST(ScheduleSlots, EveryWindowsAreIntervalsAlignedToTheEpoch) {
  store::Schedule s = Nightly();
  s.cron = "@every 6h";
  EXPECT_EQ(Show(Slots(s, "2026-03-01T05:00:00Z", "2026-03-02T01:00:00Z").slots),
            (std::vector<std::string>{"2026-03-02T00:00:00Z", "2026-03-01T18:00:00Z", "2026-03-01T12:00:00Z",
                                      "2026-03-01T06:00:00Z"}));
}

TEST(ScheduleSlots, AnEveryMinuteScheduleOverAYearIsCappedByTheLimit) {
  store::Schedule s = Nightly();
  s.cron = "* * * * *";
  s.created_at = At("2025-01-01T00:00:00Z");
  const auto page = Slots(s, "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z", 500);
  ASSERT_EQ(page.slots.size(), 500u);
  EXPECT_EQ(FormatRfc3339Utc(page.slots.front()), "2025-12-31T23:59:00Z");
  EXPECT_EQ(page.next_to, page.slots.back());
}

// The page is listed forward with Next from a guessed start; it must equal
// the plain walk back with LastFireAtOrBefore, across DST and quiet hours.
TEST(ScheduleSlots, ListsExactlyWhatAWalkBackFindsAcrossDaylightSavingAndGaps) {
  for (const auto& [cron, zone] : std::vector<std::pair<std::string, std::string>>{
           {"0 * * * *", "America/New_York"}, {"*/5 9-17 * * 1-5", "Europe/Berlin"}, {"30 2 * * *", "America/New_York"}}) {
    store::Schedule s = Nightly();
    s.cron = cron;
    s.timezone = zone;
    s.created_at = At("2026-01-01T00:00:00Z");
    const TimePoint to = At("2026-11-03T00:00:00Z");
    const auto page = Slots(s, "2026-01-01T00:00:00Z", "2026-11-03T00:00:00Z", 300);
    const auto parsed = cron::ParseCron(cron);
    const auto loc = cron::Location::Load(zone);
    std::vector<TimePoint> walked;
    for (auto t = parsed->LastFireAtOrBefore(std::chrono::floor<seconds>(to) - seconds(1), *loc);
         t && walked.size() < 301; t = parsed->LastFireAtOrBefore(*t - seconds(1), *loc)) {
      walked.emplace_back(*t);
    }
    ASSERT_EQ(walked.size(), 301u) << cron;
    EXPECT_EQ(Show(page.slots), Show({walked.begin(), walked.begin() + 300})) << cron;
    EXPECT_EQ(page.next_to, walked[299]) << cron;
  }
}

TEST(ScheduleSlots, AStoredCronThatNoLongerParsesIsAnError) {
  store::Schedule s = Nightly();
  s.cron = "61 * * * *";
  EXPECT_EQ(ScheduleSlots(s, At("2026-03-01T00:00:00Z"), At("2026-03-02T00:00:00Z"), 5).error().code,
            ErrorCode::kInvalidArgument);
  s = Nightly();
  s.timezone = "Mars/Olympus";
  EXPECT_EQ(ScheduleSlots(s, At("2026-03-01T00:00:00Z"), At("2026-03-02T00:00:00Z"), 5).error().field, "timezone");
}

// ------------------------------------------------------------ classify --

class Classify : public ::testing::Test {
 protected:
  void SetUp() override { record_.schedule = Nightly(); }

  store::Job Job(std::string id, std::string_view slot, std::optional<std::string> group, store::JobStatus status) {
    store::Job job;
    job.id = std::move(id);
    job.schedule_id = "S";
    job.source_group_id = std::move(group);
    job.window_slot = At(slot);
    job.status = status;
    return job;
  }

  //! The windows of one slot, at `now`.
  std::vector<Window> Of(std::string_view slot, std::string_view now = "2026-03-10T00:00:00Z") {
    const std::vector<TimePoint> slots{At(slot)};
    return ClassifyWindows(record_, slots, At(now));
  }

  store::WindowRecord record_;
};

TEST_F(Classify, AJobAnswersItsWindowWithItsStatusAndTheNewestJobWins) {
  record_.jobs = {Job("retry", "2026-03-01T03:00:00Z", "G1", store::JobStatus::kSucceeded),
                  Job("first", "2026-03-01T03:00:00Z", "G1", store::JobStatus::kFailed),
                  Job("g2", "2026-03-01T03:00:00Z", "G2", store::JobStatus::kPartial)};
  const auto windows = Of("2026-03-01T03:00:00Z");
  ASSERT_EQ(windows.size(), 2u);
  EXPECT_EQ(windows[0], (Window{"S", At("2026-03-01T03:00:00Z"), "G1", WindowOutcome::kSucceeded, "retry", ""}));
  EXPECT_EQ(windows[1], (Window{"S", At("2026-03-01T03:00:00Z"), "G2", WindowOutcome::kPartial, "g2", ""}));
}

TEST_F(Classify, EveryJobStatusHasItsOutcome) {
  EXPECT_EQ(OutcomeOfJob(store::JobStatus::kQueued), WindowOutcome::kQueued);
  EXPECT_EQ(OutcomeOfJob(store::JobStatus::kDispatched), WindowOutcome::kRunning);
  EXPECT_EQ(OutcomeOfJob(store::JobStatus::kRunning), WindowOutcome::kRunning);
  EXPECT_EQ(OutcomeOfJob(store::JobStatus::kFailed), WindowOutcome::kFailed);
  EXPECT_EQ(OutcomeOfJob(store::JobStatus::kCancelled), WindowOutcome::kCancelled);
  EXPECT_EQ(OutcomeOfJob(store::JobStatus::kInterrupted), WindowOutcome::kInterrupted);
  EXPECT_EQ(OutcomeOfJob(store::JobStatus::kLost), WindowOutcome::kLost);
  std::set<std::string_view> names;
  for (auto outcome : kAllWindowOutcomes) names.insert(ToString(outcome));
  EXPECT_EQ(names.size(), std::size(kAllWindowOutcomes));
}

TEST_F(Classify, AGrouplessScheduleHasOneWindowPerSlot) {
  record_.schedule.source_group_ids.clear();
  record_.jobs = {Job("forget", "2026-03-01T03:00:00Z", std::nullopt, store::JobStatus::kRunning)};
  const auto windows = Of("2026-03-01T03:00:00Z");
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0], (Window{"S", At("2026-03-01T03:00:00Z"), std::nullopt, WindowOutcome::kRunning, "forget", ""}));
}

TEST_F(Classify, APendingRunForTheSlotIsPending) {
  record_.pending_run = store::PendingRun{"S", "H", At("2026-03-01T03:00:05Z"), At("2026-03-01T03:00:00Z")};
  for (const auto& w : Of("2026-03-01T03:00:00Z")) EXPECT_EQ(w.outcome, WindowOutcome::kPending);
  for (const auto& w : Of("2026-02-28T03:00:00Z")) EXPECT_EQ(w.outcome, WindowOutcome::kMissed);
}

TEST_F(Classify, NotesGiveTheirOutcomeAndReasonTheGroupsOrTheWholeSchedules) {
  const TimePoint slot = At("2026-03-01T03:00:00Z");
  record_.notes = {{"S", "", slot, store::WindowNoteKind::kRefused, "", At("2026-03-01T03:00:01Z")},
                   {"S", "G2", slot, store::WindowNoteKind::kCoalesced, "", At("2026-03-01T03:00:02Z")}};
  auto windows = Of("2026-03-01T03:00:00Z");
  EXPECT_EQ(windows[0], (Window{"S", slot, "G1", WindowOutcome::kRefused, std::nullopt, "the server refused the fire"}));
  EXPECT_EQ(windows[1], (Window{"S", slot, "G2", WindowOutcome::kMissed, std::nullopt,
                                "repository busy; a later fire replaced this pending run"}));
  record_.notes = {{"S", "", slot, store::WindowNoteKind::kDeferred, "host came back", slot},
                   {"S", "", slot - days(1), store::WindowNoteKind::kNotApplied, "bad zone", slot},
                   {"S", "G1", slot - days(2), store::WindowNoteKind::kOffline, "", slot}};
  EXPECT_EQ(Of("2026-03-01T03:00:00Z")[0].outcome, WindowOutcome::kDeferred);
  EXPECT_EQ(Of("2026-03-01T03:00:00Z")[0].reason, "host came back");
  EXPECT_EQ(Of("2026-02-28T03:00:00Z")[1].reason, "bad zone");
  EXPECT_EQ(Of("2026-02-27T03:00:00Z")[0].reason, kReasonHostOffline);
  EXPECT_EQ(Of("2026-02-27T03:00:00Z")[1].reason, kReasonNoFire);
}

TEST_F(Classify, AQueuedJobsReasonIsWhatItWaitsFor) {
  record_.schedule.source_group_ids = {"G1"};
  record_.jobs = {Job("waits", "2026-03-01T03:00:00Z", "G1", store::JobStatus::kQueued)};
  record_.jobs[0].wait_reason = "waiting for prune of repository nas on host web-1";
  EXPECT_EQ(Of("2026-03-01T03:00:00Z")[0],
            (Window{"S", At("2026-03-01T03:00:00Z"), "G1", WindowOutcome::kQueued, "waits",
                    "waiting for prune of repository nas on host web-1"}));
  record_.jobs[0].status = store::JobStatus::kRunning;  // once it runs, no reason
  EXPECT_EQ(Of("2026-03-01T03:00:00Z")[0].reason, "");
}

TEST_F(Classify, AJobOutranksAPendingRunAndANote) {
  const TimePoint slot = At("2026-03-01T03:00:00Z");
  record_.schedule.source_group_ids = {"G1"};
  record_.notes = {{"S", "", slot, store::WindowNoteKind::kDeferred, "", slot}};
  record_.pending_run = store::PendingRun{"S", "H", slot, slot};
  EXPECT_EQ(Of("2026-03-01T03:00:00Z")[0].outcome, WindowOutcome::kPending);
  record_.jobs = {Job("catchup", "2026-03-01T03:00:00Z", "G1", store::JobStatus::kQueued)};
  EXPECT_EQ(Of("2026-03-01T03:00:00Z")[0].outcome, WindowOutcome::kQueued);
}

TEST_F(Classify, ARecentSlotIsDueUntilJitterAndGraceHavePassed) {
  record_.schedule.jitter = seconds(120);
  EXPECT_EQ(Of("2026-03-01T03:00:00Z", "2026-03-01T03:06:59Z")[0].outcome, WindowOutcome::kDue);
  EXPECT_EQ(Of("2026-03-01T03:00:00Z", "2026-03-01T03:07:00Z")[0].outcome, WindowOutcome::kMissed);
  EXPECT_EQ(Of("2026-03-01T03:00:00Z", "2026-03-01T03:07:00Z")[0].reason, kReasonNoFire);
}

TEST_F(Classify, ADisabledScheduleMissesWindowsSinceItsLastChange) {
  record_.schedule.enabled = false;
  record_.schedule.updated_at = At("2026-03-01T00:00:00Z");
  EXPECT_EQ(Of("2026-03-01T03:00:00Z", "2026-03-01T03:00:01Z")[0].reason, kReasonDisabled);
  EXPECT_EQ(Of("2026-02-28T03:00:00Z")[0].reason, kReasonNoFire);
}

TEST_F(Classify, AScheduleTheAgentCouldNotApplyMissesWindowsSinceItsAckSaidSo) {
  record_.schedule_rejected_json =
      R"([{"schedule_id":"other","reason":"bad cron","since":"2026-01-01T00:00:00Z"},)"
      R"({"schedule_id":"S","reason":"unknown time zone \"Mars/Olympus\"","since":"2026-03-01T00:00:00Z"}])";
  const auto windows = Of("2026-03-01T03:00:00Z", "2026-03-01T03:00:01Z");  // not "due": it will never fire
  ASSERT_EQ(windows.size(), 2u);
  for (const auto& w : windows) {
    EXPECT_EQ(w.outcome, WindowOutcome::kMissed);
    EXPECT_EQ(w.reason, "the agent could not apply the schedule: unknown time zone \"Mars/Olympus\"");
  }
  EXPECT_EQ(Of("2026-02-28T03:00:00Z")[0].reason, kReasonNoFire) << "before the ack that said so";
  record_.schedule_rejected_json = R"([{"schedule_id":"S","reason":"bad cron"}])";  // stored before "since" was kept
  EXPECT_EQ(Of("2026-02-28T03:00:00Z")[0].reason, "the agent could not apply the schedule: bad cron");
  record_.schedule_rejected_json = "not json";
  EXPECT_EQ(Of("2026-02-28T03:00:00Z")[0].reason, kReasonNoFire);
}

TEST_F(Classify, AGapBetweenServerRunsIsServerDown) {
  record_.server_runs = {{1, At("2026-02-01T00:00:00Z"), At("2026-03-01T02:00:00Z"), std::nullopt},
                         {2, At("2026-03-01T04:00:00Z"), At("2026-03-02T00:00:00Z"), At("2026-03-02T00:00:00Z")},
                         {3, At("2026-03-03T00:00:00Z"), At("2026-03-09T23:59:40Z"), std::nullopt}};
  record_.server_runs_since = At("2026-02-01T00:00:00Z");
  EXPECT_EQ(Of("2026-03-01T03:00:00Z")[0].reason, kReasonServerDown);  // crashed at ~02:00, back at 04:00
  EXPECT_EQ(Of("2026-03-02T03:00:00Z")[0].reason, kReasonServerDown);  // stopped cleanly at midnight
  // Up, and no presence recorded since runs began: the host was offline.
  EXPECT_EQ(Of("2026-03-04T03:00:00Z")[0].reason, kReasonHostOffline);
  record_.server_runs_since = At("2026-03-01T12:00:00Z");              // history began later
  EXPECT_EQ(Of("2026-03-01T03:00:00Z")[0].reason, kReasonNoFire);
}

TEST_F(Classify, NoPresenceFromTheSlotToItsLatestFireIsHostOffline) {
  record_.schedule.jitter = seconds(600);
  record_.presence_since = At("2026-02-01T00:00:00Z");
  record_.presence = {{At("2026-02-01T00:00:00Z"), At("2026-03-01T02:00:00Z")},
                      {At("2026-03-02T03:05:00Z"), At("2026-03-02T04:00:00Z")},
                      {At("2026-03-04T00:00:00Z"), std::nullopt}};
  EXPECT_EQ(Of("2026-03-01T03:00:00Z")[0].reason, kReasonHostOffline);
  EXPECT_EQ(Of("2026-03-02T03:00:00Z")[0].reason, kReasonNoFire);  // back within the jitter
  EXPECT_EQ(Of("2026-03-03T03:00:00Z")[0].reason, kReasonHostOffline);
  EXPECT_EQ(Of("2026-03-05T03:00:00Z")[0].reason, kReasonNoFire);  // connected: the agent said nothing
  EXPECT_EQ(Of("2026-01-20T03:00:00Z")[0].reason, kReasonNoFire);  // before presence was recorded
  // A server run that began before the first connect makes presence known from its start.
  record_.server_runs = {{1, At("2026-01-01T00:00:00Z"), At("2026-03-09T23:59:59Z"), std::nullopt}};
  record_.server_runs_since = At("2026-01-01T00:00:00Z");
  EXPECT_EQ(Of("2026-01-20T03:00:00Z")[0].reason, kReasonHostOffline);
}

TEST_F(Classify, AnEveryWindowIsAnsweredByAnySlotInsideIt) {
  record_.schedule.cron = "@every 6h";
  record_.schedule.source_group_ids = {"G1"};
  record_.jobs = {Job("late", "2026-03-01T09:41:00Z", "G1", store::JobStatus::kSucceeded)};
  EXPECT_EQ(Of("2026-03-01T06:00:00Z")[0].job_id, "late");
  EXPECT_EQ(Of("2026-03-01T12:00:00Z")[0].outcome, WindowOutcome::kMissed);
  // The fire may come anywhere in the window: due until its end + grace.
  EXPECT_EQ(Of("2026-03-01T12:00:00Z", "2026-03-01T18:04:00Z")[0].outcome, WindowOutcome::kDue);
}

TEST(RecordRange, CoversEverySlotOfThePageWithALead) {
  const store::Schedule s = Nightly();
  const std::vector<TimePoint> slots{At("2026-03-03T03:00:00Z"), At("2026-03-01T03:00:00Z")};
  const auto [from, to] = RecordRange(s, slots);
  EXPECT_LE(from, At("2026-03-01T02:55:00Z"));
  EXPECT_EQ(to, At("2026-03-03T03:00:01Z"));
}

}  // namespace
}  // namespace rmgr::server::scheduling

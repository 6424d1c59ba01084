#include "agent/scheduler/local_scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace rmgr::agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TimePoint At(std::string_view rfc3339) {
  auto parsed = ParseRfc3339(rfc3339);
  EXPECT_TRUE(parsed.ok()) << rfc3339;
  return parsed->time;
}

Seconds AtS(std::string_view rfc3339) {
  return std::chrono::floor<seconds>(At(rfc3339));
}

struct Fire {
  std::string id;
  Seconds slot;
  bool late = false;
  friend bool operator==(const Fire&, const Fire&) = default;
};

std::ostream& operator<<(std::ostream& os, const Fire& f) {
  return os << f.id << "@" << FormatRfc3339Utc(TimePoint{f.slot}) << (f.late ? " (late)" : "");
}

// A manual clock, a recording sink, and a scheduler in manual mode.
class Harness {
 public:
  explicit Harness(std::string_view start, LocalScheduler::Options options = {}) : now_(At(start)) {
    options.clock = [this] {
      std::lock_guard lock(mutex_);
      return now_;
    };
    if (!options.host_zone) options.host_zone = cron::Location::Utc();
    if (!options.jitter) options.jitter = [](uint32_t) { return 0u; };
    scheduler_ = std::make_unique<LocalScheduler>(
        [this](const std::string& id, Seconds slot, bool late) {
          std::lock_guard lock(mutex_);
          fires_.push_back(Fire{id, slot, late});
        },
        std::move(options));
  }

  LocalScheduler& scheduler() { return *scheduler_; }

  //! Moves the clock to `t` and runs what is due; returns the fires it made.
  std::vector<Fire> AdvanceTo(std::string_view t) {
    {
      std::lock_guard lock(mutex_);
      now_ = At(t);
      fires_.clear();
    }
    scheduler_->RunDue(At(t));
    std::lock_guard lock(mutex_);
    return fires_;
  }

  //! Moves the clock without running anything (the agent was down).
  void SetNow(std::string_view t) {
    std::lock_guard lock(mutex_);
    now_ = At(t);
  }

 private:
  std::mutex mutex_;
  TimePoint now_;
  std::vector<Fire> fires_;
  std::unique_ptr<LocalScheduler> scheduler_;
};

protocol::ScheduleEntry Entry(std::string id, std::string cron, std::string tz = {}, uint32_t jitter = 0) {
  return protocol::ScheduleEntry{.id = std::move(id),
                                 .kind = protocol::JobKind::kBackup,
                                 .cron = std::move(cron),
                                 .enabled = true,
                                 .timezone = std::move(tz),
                                 .jitter_seconds = jitter};
}

protocol::ScheduleSet Set(int64_t version, std::vector<protocol::ScheduleEntry> entries) {
  return protocol::ScheduleSet{.version = version, .schedules = std::move(entries)};
}

TEST(LocalScheduler, ApplyReturnsTheAckAndFiresAtTheRightSlots) {
  Harness h("2026-11-22T10:07:00Z");
  const auto ack = h.scheduler().Apply(Set(7, {Entry("A", "*/15 * * * *")}));
  EXPECT_EQ(ack.version, 7);
  EXPECT_EQ(ack.applied_at, At("2026-11-22T10:07:00Z"));
  EXPECT_EQ(h.scheduler().applied_version(), 7);
  EXPECT_EQ(h.scheduler().NextSlot("A"), AtS("2026-11-22T10:15:00Z"));

  EXPECT_TRUE(h.AdvanceTo("2026-11-22T10:14:59.999Z").empty());
  EXPECT_EQ(h.AdvanceTo("2026-11-22T10:15:00Z"), (std::vector<Fire>{{"A", AtS("2026-11-22T10:15:00Z")}}));
  EXPECT_TRUE(h.AdvanceTo("2026-11-22T10:15:00.500Z").empty()) << "one fire per slot";
  EXPECT_EQ(h.scheduler().NextSlot("A"), AtS("2026-11-22T10:30:00Z"));
  EXPECT_EQ(h.AdvanceTo("2026-11-22T10:30:01Z"), (std::vector<Fire>{{"A", AtS("2026-11-22T10:30:00Z")}}));
  EXPECT_FALSE(ack.rejected.has_value()) << "nothing rejected: the field stays off the wire";
}

TEST(LocalScheduler, SeveralEntriesFireIndependently) {
  Harness h("2026-11-22T10:00:30Z");
  h.scheduler().Apply(Set(1, {Entry("hourly", "0 * * * *"), Entry("minutely", "* * * * *")}));
  EXPECT_EQ(h.AdvanceTo("2026-11-22T10:01:00Z"),
            (std::vector<Fire>{{"minutely", AtS("2026-11-22T10:01:00Z")}}));
  const auto at11 = h.AdvanceTo("2026-11-22T11:00:00Z");
  EXPECT_EQ(at11, (std::vector<Fire>{{"hourly", AtS("2026-11-22T11:00:00Z")},
                                     {"minutely", AtS("2026-11-22T11:00:00Z")}}));
}

TEST(LocalScheduler, DisabledAndInvalidEntriesAreSkipped) {
  Harness h("2026-11-22T10:00:00Z");
  auto disabled = Entry("disabled", "* * * * *");
  disabled.enabled = false;
  h.scheduler().Apply(
      Set(2, {Entry("bad-cron", "61 * * * *"), disabled, Entry("good", "* * * * *"),
              Entry("bad-zone", "* * * * *", "Mars/Olympus_Mons"), Entry("good", "*/5 * * * *")}));
  EXPECT_EQ(h.scheduler().ActiveIds(), (std::vector<std::string>{"good"}));
  EXPECT_EQ(h.AdvanceTo("2026-11-22T10:01:00Z"), (std::vector<Fire>{{"good", AtS("2026-11-22T10:01:00Z")}}))
      << "the first of a duplicated id wins";
  EXPECT_EQ(h.scheduler().applied_version(), 2) << "skipped entries do not stop the ack";
}

TEST(LocalScheduler, EntriesThatCannotBeAppliedAreListedInTheAckWithTheReason) {
  Harness h("2026-11-22T10:00:00Z");
  auto disabled = Entry("disabled", "61 * * * *");
  disabled.enabled = false;
  const auto ack =
      h.scheduler().Apply(Set(2, {Entry("bad-cron", "61 * * * *"), disabled, Entry("good", "* * * * *"),
                                  Entry("bad-zone", "* * * * *", "Mars/Olympus_Mons")}));
  ASSERT_TRUE(ack.rejected.has_value());
  ASSERT_EQ(ack.rejected->size(), 2u) << "a disabled entry is not rejected";
  EXPECT_EQ(ack.rejected->at(0).schedule_id, "bad-cron");
  EXPECT_NE(ack.rejected->at(0).reason.find("invalid cron expression"), std::string::npos)
      << ack.rejected->at(0).reason;
  EXPECT_EQ(ack.rejected->at(1).schedule_id, "bad-zone");
  EXPECT_NE(ack.rejected->at(1).reason.find("invalid time zone"), std::string::npos)
      << ack.rejected->at(1).reason;
  EXPECT_EQ(h.scheduler().Apply(Set(2, {Entry("bad-cron", "61 * * * *"), disabled, Entry("good", "* * * * *"),
                                        Entry("bad-zone", "* * * * *", "Mars/Olympus_Mons")})),
            ack)
      << "re-applying the same set answers the same ack";
}

TEST(LocalScheduler, ApplyKeepsTheTimerAndPendingJitterOfUnchangedEntries) {
  LocalScheduler::Options options;
  options.jitter = [](uint32_t max) { return max; };
  Harness h("2026-11-22T10:00:00Z", options);
  h.scheduler().Apply(Set(1, {Entry("waiting", "0 * * * *", "", 600), Entry("other", "*/30 * * * *")}));
  // 11:00 passed; "waiting" waits out its 10 minute jitter.
  EXPECT_EQ(h.AdvanceTo("2026-11-22T11:02:00Z"), (std::vector<Fire>{{"other", AtS("2026-11-22T11:00:00Z")}}));
  ASSERT_EQ(h.scheduler().NextFireTime("waiting"), At("2026-11-22T11:10:00Z"));

  h.scheduler().Apply(Set(2, {Entry("waiting", "0 * * * *", "", 600), Entry("other", "*/20 * * * *")}));
  EXPECT_EQ(h.scheduler().NextFireTime("waiting"), At("2026-11-22T11:10:00Z")) << "unchanged: kept as it was";
  EXPECT_EQ(h.scheduler().NextSlot("other"), AtS("2026-11-22T11:20:00Z")) << "changed: rebuilt from now";
  EXPECT_EQ(h.AdvanceTo("2026-11-22T11:10:00Z"),
            (std::vector<Fire>{{"waiting", AtS("2026-11-22T11:00:00Z")}}))
      << "the fire waiting out its jitter survived the apply";

  h.scheduler().Apply(Set(3, {Entry("other", "*/20 * * * *")}));
  EXPECT_EQ(h.scheduler().ActiveIds(), (std::vector<std::string>{"other"})) << "removed entries stop";
}

TEST(LocalScheduler, ReapplyReplacesTheSetAndOldEntriesNeverFireAgain) {
  Harness h("2026-11-22T10:00:00Z");
  h.scheduler().Apply(Set(1, {Entry("old", "* * * * *"), Entry("kept", "*/2 * * * *")}));
  EXPECT_EQ(h.AdvanceTo("2026-11-22T10:01:00Z").size(), 1u);
  h.scheduler().Apply(Set(2, {Entry("new", "*/3 * * * *"), Entry("kept", "*/2 * * * *")}));
  EXPECT_EQ(h.scheduler().ActiveIds(), (std::vector<std::string>{"kept", "new"}));
  for (int minute = 2; minute <= 12; ++minute) {
    const std::string t =
        "2026-11-22T10:" + std::string(minute < 10 ? "0" : "") + std::to_string(minute) + ":00Z";
    for (const auto& fire : h.AdvanceTo(t)) EXPECT_NE(fire.id, "old") << fire;
  }
  h.scheduler().Apply(Set(3, {}));
  EXPECT_TRUE(h.scheduler().ActiveIds().empty());
  EXPECT_TRUE(h.AdvanceTo("2026-11-23T00:00:00Z").empty());
}

TEST(LocalScheduler, ApplyIsIdempotentForTheSameVersion) {
  int draws = 0;
  LocalScheduler::Options options;
  options.jitter = [&draws](uint32_t max) {
    ++draws;
    return max / 2;
  };
  Harness h("2026-11-22T10:00:00Z", options);
  const auto set = Set(5, {Entry("A", "0 * * * *", "", 600)});
  const auto first = h.scheduler().Apply(set);
  const auto next_fire = h.scheduler().NextFireTime("A");
  EXPECT_EQ(next_fire, At("2026-11-22T11:05:00Z"));
  EXPECT_TRUE(h.AdvanceTo("2026-11-22T10:30:00Z").empty());
  const auto second = h.scheduler().Apply(set);
  EXPECT_EQ(second, first) << "same version, same set: same ack, nothing rebuilt";
  EXPECT_EQ(h.scheduler().NextFireTime("A"), next_fire);
  EXPECT_EQ(draws, 1) << "no new jitter was drawn";
  EXPECT_EQ(h.AdvanceTo("2026-11-22T11:05:00Z"), (std::vector<Fire>{{"A", AtS("2026-11-22T11:00:00Z")}}));
}

TEST(LocalScheduler, ALateWakeUpFiresTheLatestPassedSlotOnce) {
  Harness h("2026-11-22T10:00:00Z");
  h.scheduler().Apply(Set(1, {Entry("A", "*/15 * * * *"), Entry("every", "@every 10m")}));
  // The host slept for hours: one fire each, for the latest slot passed.
  const auto fires = h.AdvanceTo("2026-11-22T13:47:00Z");
  EXPECT_EQ(fires,
            (std::vector<Fire>{{"A", AtS("2026-11-22T13:45:00Z")}, {"every", AtS("2026-11-22T13:40:00Z")}}));
  EXPECT_EQ(h.scheduler().NextSlot("A"), AtS("2026-11-22T14:00:00Z"));
  EXPECT_EQ(h.scheduler().NextSlot("every"), AtS("2026-11-22T13:50:00Z"));
}

// ---------------------------------------------------------------- slots missed while down

// What Options::record last received.
struct RecordSink {
  std::vector<EvaluationRecord> writes;
  LocalScheduler::Options Options(EvaluationRecord evaluated = {}) {
    LocalScheduler::Options options;
    options.evaluated = std::move(evaluated);
    options.record = [this](const EvaluationRecord& r) { writes.push_back(r); };
    return options;
  }
};

TEST(LocalScheduler, ASlotMissedWhileTheAgentWasDownFiresOnceAndLate) {
  RecordSink record;
  // The previous run handled everything up to 09:59:30; the agent comes back at 13:47.
  Harness h("2026-11-22T13:47:00Z",
            record.Options({{"A", AtS("2026-11-22T09:59:30Z")}, {"B", AtS("2026-11-22T13:40:00Z")}}));
  h.scheduler().Apply(
      Set(1, {Entry("A", "*/15 * * * *", "", 600), Entry("B", "0 * * * *"), Entry("new", "* * * * *")}));
  EXPECT_EQ(h.AdvanceTo("2026-11-22T13:47:00Z"),
            (std::vector<Fire>{{"A", AtS("2026-11-22T13:45:00Z"), true}}))
      << "the latest missed slot only, at once (no jitter); B missed nothing; an entry without a record "
         "fires nothing retroactively";
  EXPECT_EQ(h.scheduler().NextSlot("A"), AtS("2026-11-22T14:00:00Z"));
  EXPECT_TRUE(h.AdvanceTo("2026-11-22T13:47:30Z").empty()) << "once";
  EXPECT_EQ(h.AdvanceTo("2026-11-22T13:48:00Z"),
            (std::vector<Fire>{{"new", AtS("2026-11-22T13:48:00Z"), false}}));
}

TEST(LocalScheduler, AFreshInstallFiresNothingRetroactively) {
  RecordSink record;
  Harness h("2026-11-22T13:47:00Z", record.Options());
  h.scheduler().Apply(Set(1, {Entry("A", "*/15 * * * *")}));
  EXPECT_TRUE(h.AdvanceTo("2026-11-22T13:47:00Z").empty());
  ASSERT_FALSE(record.writes.empty()) << "Apply records at once";
  EXPECT_EQ(record.writes.back(), (EvaluationRecord{{"A", AtS("2026-11-22T13:47:00Z")}}));
}

TEST(LocalScheduler, OnlyTheFirstApplyAfterAStartFiresMissedSlots) {
  RecordSink record;
  Harness h("2026-11-22T13:47:00Z", record.Options({{"A", AtS("2026-11-22T09:00:00Z")}}));
  h.scheduler().Apply(Set(1, {}));
  h.scheduler().Apply(Set(2, {Entry("A", "*/15 * * * *")}));
  EXPECT_TRUE(h.AdvanceTo("2026-11-22T13:47:00Z").empty());
}

TEST(LocalScheduler, TheRecordIsWrittenOnEveryFireAndOtherwiseAtMostEveryFewSeconds) {
  RecordSink record;
  Harness h("2026-11-22T10:00:00Z", record.Options());
  h.scheduler().Apply(Set(1, {Entry("A", "0 * * * *")}));
  const auto after_apply = record.writes.size();
  h.AdvanceTo("2026-11-22T10:00:02Z");
  EXPECT_EQ(record.writes.size(), after_apply) << "within record_every of the last write";
  h.AdvanceTo("2026-11-22T10:00:06Z");
  EXPECT_EQ(record.writes.size(), after_apply + 1);
  h.AdvanceTo("2026-11-22T10:00:07Z");
  h.AdvanceTo("2026-11-22T11:00:00Z");
  EXPECT_EQ(record.writes.back(), (EvaluationRecord{{"A", AtS("2026-11-22T11:00:00Z")}}))
      << "written on the fire";
}

TEST(LocalScheduler, ASlotWaitingOutItsJitterIsNotRecordedAsHandled) {
  RecordSink record;
  LocalScheduler::Options options = record.Options();
  options.jitter = [](uint32_t max) { return max; };
  options.record_every = std::chrono::seconds{0};
  {
    Harness h("2026-11-22T10:00:00Z", options);
    h.scheduler().Apply(Set(1, {Entry("A", "0 * * * *", "", 600)}));
    EXPECT_TRUE(h.AdvanceTo("2026-11-22T11:05:00Z").empty());
    EXPECT_EQ(record.writes.back(), (EvaluationRecord{{"A", AtS("2026-11-22T10:59:59Z")}}));
  }
  // kill -9 at 11:05, back at 11:30: the 11:00 slot still fires, once and late.
  options.evaluated = record.writes.back();
  Harness h("2026-11-22T11:30:00Z", options);
  h.scheduler().Apply(Set(1, {Entry("A", "0 * * * *", "", 600)}));
  EXPECT_EQ(h.AdvanceTo("2026-11-22T11:30:00Z"),
            (std::vector<Fire>{{"A", AtS("2026-11-22T11:00:00Z"), true}}));
}

TEST(LocalScheduler, EntriesUseTheirOwnTimeZone) {
  Harness h("2026-11-22T00:00:00Z");
  h.scheduler().Apply(Set(1, {Entry("utc", "0 9 * * *"), Entry("india", "0 9 * * *", "Asia/Kolkata"),
                              Entry("prefixed", "CRON_TZ=America/New_York 0 9 * * *", "Asia/Kolkata")}));
  EXPECT_EQ(h.scheduler().NextSlot("utc"), AtS("2026-11-22T09:00:00Z"));
  EXPECT_EQ(h.scheduler().NextSlot("india"), AtS("2026-11-22T03:30:00Z"));
  EXPECT_EQ(h.scheduler().NextSlot("prefixed"), AtS("2026-11-22T14:00:00Z"))
      << "the expression's own zone wins";
}

TEST(LocalScheduler, EmptyTimezoneUsesTheHostZone) {
  LocalScheduler::Options options;
  options.host_zone = *cron::Location::Load("Europe/Berlin");
  Harness h("2026-11-22T00:00:00Z", options);
  h.scheduler().Apply(Set(1, {Entry("A", "0 9 * * *")}));
  EXPECT_EQ(h.scheduler().NextSlot("A"), AtS("2026-11-22T08:00:00Z"));
}

TEST(LocalScheduler, DaylightSavingSlotsFollowTheZone) {
  Harness h("2026-03-28T00:00:00Z");
  // Berlin springs forward on 2026-03-29: 09:00 local is 08:00Z before, 07:00Z after.
  // New York springs forward on 2026-03-08, which is before this test; use its
  // fall-back instead, below.
  h.scheduler().Apply(Set(1, {Entry("berlin", "0 9 * * *", "Europe/Berlin")}));
  EXPECT_EQ(h.AdvanceTo("2026-03-28T08:00:00Z"),
            (std::vector<Fire>{{"berlin", AtS("2026-03-28T08:00:00Z")}}));
  EXPECT_TRUE(h.AdvanceTo("2026-03-29T06:59:59Z").empty());
  EXPECT_EQ(h.AdvanceTo("2026-03-29T07:00:00Z"),
            (std::vector<Fire>{{"berlin", AtS("2026-03-29T07:00:00Z")}}));
}

TEST(LocalScheduler, ASlotInsideTheSpringForwardGapIsSkipped) {
  Harness h("2026-03-07T12:00:00Z");
  // 02:30 does not exist in New York on 2026-03-08 (02:00 EST jumps to 03:00 EDT).
  h.scheduler().Apply(Set(1, {Entry("ny", "30 2 * * *", "America/New_York")}));
  EXPECT_EQ(h.scheduler().NextSlot("ny"), AtS("2026-03-09T06:30:00Z"));
}

TEST(LocalScheduler, JitterDelaysTheFireButNotTheSlotAndIsCapped) {
  LocalScheduler::Options options;
  options.jitter = [](uint32_t max) { return max; };
  options.max_jitter_seconds = 600;
  Harness h("2026-11-22T10:00:00Z", options);
  h.scheduler().Apply(Set(1, {Entry("small", "0 11 * * *", "", 90), Entry("huge", "0 11 * * *", "", 86400)}));
  EXPECT_EQ(h.scheduler().NextFireTime("small"), At("2026-11-22T11:01:30Z"));
  EXPECT_EQ(h.scheduler().NextFireTime("huge"), At("2026-11-22T11:10:00Z")) << "capped by max_jitter_seconds";
  EXPECT_TRUE(h.AdvanceTo("2026-11-22T11:01:29Z").empty());
  EXPECT_EQ(h.AdvanceTo("2026-11-22T11:01:30Z"), (std::vector<Fire>{{"small", AtS("2026-11-22T11:00:00Z")}}));
  EXPECT_EQ(h.AdvanceTo("2026-11-22T11:10:00Z"), (std::vector<Fire>{{"huge", AtS("2026-11-22T11:00:00Z")}}));
}

TEST(LocalScheduler, DefaultJitterStaysWithinItsBound) {
  LocalScheduler::Options options;
  options.jitter = nullptr;
  Harness h("2026-11-22T10:00:00Z", options);
  std::vector<protocol::ScheduleEntry> entries;
  for (int i = 0; i < 50; ++i) entries.push_back(Entry("s" + std::to_string(i), "0 11 * * *", "", 30));
  h.scheduler().Apply(Set(1, entries));
  for (int i = 0; i < 50; ++i) {
    const auto at = h.scheduler().NextFireTime("s" + std::to_string(i));
    ASSERT_TRUE(at.has_value());
    EXPECT_GE(*at, At("2026-11-22T11:00:00Z"));
    EXPECT_LE(*at, At("2026-11-22T11:00:30Z"));
  }
}

TEST(LocalScheduler, StopEndsFiring) {
  Harness h("2026-11-22T10:00:00Z");
  h.scheduler().Apply(Set(1, {Entry("A", "* * * * *")}));
  h.scheduler().Stop();
  h.scheduler().Stop();
  EXPECT_TRUE(h.AdvanceTo("2026-11-22T10:05:00Z").empty());
}

TEST(LocalScheduler, ASinkThatThrowsDoesNotStopTheCron) {
  LocalScheduler::Options options;
  options.clock = [] { return At("2026-11-22T10:00:00Z"); };
  options.host_zone = cron::Location::Utc();
  LocalScheduler scheduler([](const std::string&, Seconds, bool) { throw std::runtime_error("disk full"); },
                           options);
  scheduler.Apply(Set(1, {Entry("A", "* * * * *")}));
  EXPECT_EQ(scheduler.RunDue(At("2026-11-22T10:01:00Z")), 1u);
  EXPECT_EQ(scheduler.NextSlot("A"), AtS("2026-11-22T10:02:00Z"));
  EXPECT_EQ(scheduler.RunDue(At("2026-11-22T10:02:00Z")), 1u);
}

TEST(LocalScheduler, ApplyWaitsForAFireInFlight) {
  LocalScheduler::Options options;
  options.clock = [] { return At("2026-11-22T10:00:00Z"); };
  options.host_zone = cron::Location::Utc();
  std::promise<void> entered;
  std::promise<void> release;
  auto release_future = release.get_future();
  std::atomic<bool> apply_returned{false};
  bool apply_returned_while_firing = true;
  LocalScheduler scheduler(
      [&](const std::string&, Seconds, bool) {
        entered.set_value();
        release_future.wait();
        apply_returned_while_firing = apply_returned.load();
      },
      options);
  scheduler.Apply(Set(1, {Entry("A", "* * * * *")}));
  std::thread firing([&] { scheduler.RunDue(At("2026-11-22T10:01:00Z")); });
  entered.get_future().wait();
  std::thread applying([&] {
    scheduler.Apply(Set(2, {}));
    apply_returned = true;
  });
  release.set_value();
  firing.join();
  applying.join();
  EXPECT_FALSE(apply_returned_while_firing);
  EXPECT_EQ(scheduler.applied_version(), 2);
}

// Timer mode on a private io_context: the clock maps real time onto a wall
// time just before a slot, so the timer fires within milliseconds.
TEST(LocalSchedulerTimer, TheTimerFiresDueSlotsThroughTheSameCode) {
  boost::asio::io_context io;
  const auto steady_start = std::chrono::steady_clock::now();
  const TimePoint wall_start = At("2026-11-22T10:59:59.950Z");
  LocalScheduler::Options options;
  options.clock = [=] {
    return wall_start +
           std::chrono::duration_cast<Clock::duration>(std::chrono::steady_clock::now() - steady_start);
  };
  options.host_zone = cron::Location::Utc();
  options.max_wait = milliseconds{20};
  std::promise<Fire> fired;
  std::atomic<int> count{0};
  LocalScheduler scheduler(
      io.get_executor(),
      [&](const std::string& id, Seconds slot, bool) {
        if (count.fetch_add(1) == 0) fired.set_value(Fire{id, slot});
      },
      options);
  scheduler.Apply(Set(1, {Entry("A", "0 11 * * *")}));
  auto work = boost::asio::make_work_guard(io);
  std::thread runner([&] { io.run(); });
  auto future = fired.get_future();
  ASSERT_EQ(future.wait_for(seconds{10}), std::future_status::ready);
  EXPECT_EQ(future.get(), (Fire{"A", AtS("2026-11-22T11:00:00Z")}));
  scheduler.Stop();
  work.reset();
  io.stop();
  runner.join();
  EXPECT_EQ(count.load(), 1);
  EXPECT_EQ(scheduler.NextSlot("A"), AtS("2026-11-23T11:00:00Z"));
}

// Apply from another thread while the timer runs: no fire of the old set
// happens after Apply returns.
TEST(LocalSchedulerTimer, ApplyFromAnotherThreadStopsTheOldEntries) {
  boost::asio::io_context io;
  LocalScheduler::Options options;
  // Every reading is a minute later: the "* * * * *" entry is always due.
  auto minutes = std::make_shared<std::atomic<int64_t>>(0);
  options.clock = [minutes] {
    return At("2026-11-22T10:00:00Z") + std::chrono::minutes{minutes->fetch_add(1)};
  };
  options.host_zone = cron::Location::Utc();
  options.max_wait = milliseconds{1};
  std::mutex mutex;
  std::vector<std::string> ids;
  std::promise<void> first_old;
  bool first_old_set = false;
  std::promise<void> first_new;
  bool first_new_set = false;
  LocalScheduler scheduler(
      io.get_executor(),
      [&](const std::string& id, Seconds, bool) {
        std::lock_guard lock(mutex);
        ids.push_back(id);
        if (id == "old" && !first_old_set) {
          first_old_set = true;
          first_old.set_value();
        }
        if (id == "new" && !first_new_set) {
          first_new_set = true;
          first_new.set_value();
        }
      },
      options);
  scheduler.Apply(Set(1, {Entry("old", "* * * * *")}));
  std::thread runner([&] { io.run(); });
  ASSERT_EQ(first_old.get_future().wait_for(seconds{10}), std::future_status::ready);
  scheduler.Apply(Set(2, {Entry("new", "* * * * *")}));
  std::size_t fires_at_apply = 0;
  {
    std::lock_guard lock(mutex);
    fires_at_apply = ids.size();
  }
  ASSERT_EQ(first_new.get_future().wait_for(seconds{10}), std::future_status::ready);
  scheduler.Stop();
  io.stop();
  runner.join();
  std::lock_guard lock(mutex);
  for (std::size_t i = fires_at_apply; i < ids.size(); ++i) EXPECT_EQ(ids[i], "new");
}

}  // namespace
}  // namespace rmgr::agent

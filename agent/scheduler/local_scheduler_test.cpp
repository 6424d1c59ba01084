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
  friend bool operator==(const Fire&, const Fire&) = default;
};

std::ostream& operator<<(std::ostream& os, const Fire& f) {
  return os << f.id << "@" << FormatRfc3339Utc(TimePoint{f.slot});
}

// A manual clock, a recording sink with a connected switch, and a scheduler in manual mode.
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
        [this](const std::string& id, Seconds slot) {
          std::lock_guard lock(mutex_);
          fires_.push_back(Fire{id, slot});
          return connected_;
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

  void SetConnected(bool connected) {
    std::lock_guard lock(mutex_);
    connected_ = connected;
  }

 private:
  std::mutex mutex_;
  TimePoint now_;
  bool connected_ = true;
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
  EXPECT_EQ(h.scheduler().MissedCount(), 0u);
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

TEST(LocalScheduler, AFireWhileDisconnectedIsRememberedOncePerScheduleWithTheLatestSlot) {
  Harness h("2026-11-22T10:00:00Z");
  h.scheduler().Apply(Set(1, {Entry("A", "* * * * *"), Entry("B", "*/2 * * * *"), Entry("C", "0 0 1 1 *")}));
  h.SetConnected(false);
  EXPECT_EQ(h.AdvanceTo("2026-11-22T10:01:00Z").size(), 1u);
  EXPECT_EQ(h.AdvanceTo("2026-11-22T10:02:00Z").size(), 2u);
  EXPECT_EQ(h.AdvanceTo("2026-11-22T10:03:00Z").size(), 1u);
  EXPECT_EQ(h.scheduler().MissedCount(), 2u);

  h.SetConnected(true);
  EXPECT_EQ(h.AdvanceTo("2026-11-22T10:04:00Z").size(), 2u) << "sent fires are not remembered";
  const auto missed = h.scheduler().TakeMissedFires();
  ASSERT_EQ(missed.size(), 2u);
  EXPECT_EQ(missed[0].schedule_id, "A");
  EXPECT_EQ(missed[0].scheduled_at, At("2026-11-22T10:03:00Z"));
  EXPECT_EQ(missed[1].schedule_id, "B");
  EXPECT_EQ(missed[1].scheduled_at, At("2026-11-22T10:02:00Z"));
  EXPECT_TRUE(h.scheduler().TakeMissedFires().empty()) << "taking clears them";
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

TEST(LocalScheduler, ApplyForgetsMissedFiresOfSchedulesNoLongerActive) {
  Harness h("2026-11-22T10:00:00Z");
  h.scheduler().Apply(Set(1, {Entry("A", "* * * * *"), Entry("B", "* * * * *")}));
  h.SetConnected(false);
  h.AdvanceTo("2026-11-22T10:01:00Z");
  auto b_disabled = Entry("B", "* * * * *");
  b_disabled.enabled = false;
  h.scheduler().Apply(Set(2, {Entry("A", "* * * * *"), b_disabled}));
  const auto missed = h.scheduler().TakeMissedFires();
  ASSERT_EQ(missed.size(), 1u);
  EXPECT_EQ(missed[0].schedule_id, "A");
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

TEST(LocalScheduler, ASinkThatThrowsCountsAsNotSent) {
  LocalScheduler::Options options;
  options.clock = [] { return At("2026-11-22T10:00:00Z"); };
  options.host_zone = cron::Location::Utc();
  LocalScheduler scheduler(
      [](const std::string&, Seconds) -> bool { throw std::runtime_error("socket gone"); }, options);
  scheduler.Apply(Set(1, {Entry("A", "* * * * *")}));
  EXPECT_EQ(scheduler.RunDue(At("2026-11-22T10:01:00Z")), 1u);
  const auto missed = scheduler.TakeMissedFires();
  ASSERT_EQ(missed.size(), 1u);
  EXPECT_EQ(missed[0].scheduled_at, At("2026-11-22T10:01:00Z"));
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
      [&](const std::string&, Seconds) {
        entered.set_value();
        release_future.wait();
        apply_returned_while_firing = apply_returned.load();
        return true;
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
      [&](const std::string& id, Seconds slot) {
        if (count.fetch_add(1) == 0) fired.set_value(Fire{id, slot});
        return true;
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
      [&](const std::string& id, Seconds) {
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
        return true;
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

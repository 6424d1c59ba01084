#include "agent/scheduler/local_scheduler.h"

#include <date/tz.h>

#include <algorithm>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <exception>
#include <mutex>
#include <random>
#include <set>
#include <utility>

#include "common/cron/cron_parser.h"
#include "common/util/log.h"

namespace rmgr::agent {
namespace {

std::shared_ptr<spdlog::logger> Log() {
  return Logger("scheduler");
}

cron::Location HostZone() {
  try {
    if (const auto* zone = date::current_zone(); zone != nullptr) return cron::Location::Zone(*zone);
  } catch (const std::exception& e) {
    Log()->warn("cannot determine the host time zone, using UTC: {}", e.what());
  }
  return cron::Location::Utc();
}

}  // namespace

struct LocalScheduler::Core : std::enable_shared_from_this<LocalScheduler::Core> {
  struct Entry {
    protocol::ScheduleEntry source;  // as the server sent it: unchanged entries are kept on Apply
    cron::CronSchedule schedule;
    cron::Location location;      // where the fields are evaluated (a TZ= prefix still wins)
    uint32_t jitter_max = 0;      // already capped by Options::max_jitter_seconds
    std::optional<Seconds> slot;  // next slot; nullopt = never fires again
    TimePoint fire_at{};          // slot + jitter
    bool late = false;            // the pending slot passed while the agent was down
  };

  Core(FireSink s, Options o)
      : sink(std::move(s)), options(std::move(o)), evaluated(options.evaluated), rng(std::random_device{}()) {
    if (!options.clock) options.clock = [] { return Clock::now(); };
    if (!options.host_zone) options.host_zone = HostZone();
    if (options.max_wait <= std::chrono::milliseconds::zero())
      options.max_wait = std::chrono::milliseconds{1};
  }

  // --- everything below is guarded by run_mutex
  uint32_t DrawJitter(uint32_t max) {
    if (max == 0) return 0;
    if (options.jitter) return std::min(options.jitter(max), max);
    return std::uniform_int_distribution<uint32_t>(0, max)(rng);
  }

  void Schedule(Entry& e, std::optional<Seconds> slot) {
    e.slot = slot;
    if (slot) e.fire_at = TimePoint{*slot} + std::chrono::seconds{DrawJitter(e.jitter_max)};
  }

  // The latest slot at or before `now`, never earlier than `slot` (which is <= now).
  static Seconds LatestSlot(const Entry& e, Seconds slot, Seconds now) {
    const auto next = e.schedule.Next(slot, e.location);
    if (!next || *next > now) return slot;
    if (e.schedule.IsInterval()) {
      const auto step = e.schedule.interval();
      return slot + step * ((now - slot) / step);
    }
    const auto last = e.schedule.LastFireAtOrBefore(now, e.location);
    return last && *last > slot ? *last : slot;
  }

  // Every slot of `e` up to the result was handled: all of them before its
  // pending slot when that one is due but waits out its jitter, else up to now.
  static Seconds HandledThrough(const Entry& e, Seconds now) {
    return e.slot && *e.slot <= now ? *e.slot - std::chrono::seconds{1} : now;
  }

  // Updates the record for every entry and persists it when `force` or when due.
  void Record(Seconds now, bool force) {
    EvaluationRecord next;
    for (const auto& [id, e] : entries) next.emplace(id, HandledThrough(e, now));
    evaluated = std::move(next);
    if (!options.record || (!force && last_recorded && now - *last_recorded < options.record_every)) return;
    last_recorded = now;
    try {
      options.record(evaluated);
    } catch (const std::exception& ex) {
      Log()->warn("cannot record the scheduler's evaluation time: {}", ex.what());
    }
  }

  // First Apply after a start: an entry with a record fires the latest slot it
  // missed while the agent was down, at once and late.
  void ScheduleMissedSlot(const std::string& id, Entry& e, Seconds now, TimePoint now_tp) {
    const auto recorded = evaluated.find(id);
    if (recorded == evaluated.end() || recorded->second >= now) return;
    const auto first = e.schedule.Next(recorded->second, e.location);
    if (!first || *first > now) return;
    e.slot = LatestSlot(e, *first, now);
    e.fire_at = now_tp;
    e.late = true;
    Log()->info("schedule {} missed its slot {} while the agent was down; firing it once now", id,
                FormatRfc3339Utc(TimePoint{*e.slot}));
  }

  std::size_t RunDueLocked(TimePoint now) {
    if (stopped) return 0;
    const auto now_s = std::chrono::floor<std::chrono::seconds>(now);
    std::size_t fired = 0;
    for (auto& [id, e] : entries) {
      if (!e.slot || e.fire_at > now) continue;
      const Seconds slot = LatestSlot(e, *e.slot, now_s);
      try {
        sink(id, slot, e.late);
      } catch (const std::exception& ex) {
        Log()->error("fire sink threw for schedule {} (slot {}): {}", id, FormatRfc3339Utc(TimePoint{slot}),
                     ex.what());
      }
      e.late = false;
      Schedule(e, e.schedule.Next(slot, e.location));
      ++fired;
    }
    Record(now_s, fired > 0);
    Arm();
    return fired;
  }

  void Arm() {
    if (!timer || stopped) return;
    ++generation;
    std::optional<TimePoint> earliest;
    for (const auto& [id, e] : entries) {
      if (e.slot && (!earliest || e.fire_at < *earliest)) earliest = e.fire_at;
    }
    if (!earliest) {
      timer->cancel();
      return;
    }
    const auto remaining = *earliest - options.clock();
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(remaining);
    // Round up so the timer never wakes just before the slot and spins.
    if (remaining > wait) wait += std::chrono::milliseconds{1};
    wait = std::clamp(wait, std::chrono::milliseconds::zero(), options.max_wait);
    timer->expires_after(wait);
    timer->async_wait([weak = weak_from_this(), gen = generation](const boost::system::error_code& ec) {
      if (ec == boost::asio::error::operation_aborted) return;
      auto self = weak.lock();
      if (!self) return;
      std::lock_guard lock(self->run_mutex);
      // A completion queued before a re-arm belongs to an older plan.
      if (gen != self->generation) return;
      self->RunDueLocked(self->options.clock());
    });
  }

  FireSink sink;
  Options options;
  std::optional<boost::asio::steady_timer> timer;

  std::mutex run_mutex;  // serialises Apply, RunDue, Stop and timer use
  bool stopped = false;
  bool applied = false;
  protocol::ScheduleSet applied_set;
  protocol::ScheduleAck applied_ack;
  std::map<std::string, Entry, std::less<>> entries;
  EvaluationRecord evaluated;            // from the last run until the first Apply, then of `entries`
  std::optional<Seconds> last_recorded;  // when options.record was last called
  std::mt19937 rng;
  uint64_t generation = 0;
};

LocalScheduler::LocalScheduler(FireSink sink, Options options)
    : core_(std::make_shared<Core>(std::move(sink), std::move(options))) {}

LocalScheduler::LocalScheduler(boost::asio::any_io_executor executor, FireSink sink, Options options)
    : LocalScheduler(std::move(sink), std::move(options)) {
  core_->timer.emplace(std::move(executor));
}

LocalScheduler::~LocalScheduler() {
  Stop();
}

protocol::ScheduleAck LocalScheduler::Apply(const protocol::ScheduleSet& set) {
  Core& c = *core_;
  std::lock_guard lock(c.run_mutex);  // waits for an in-flight fire
  if (c.applied && set == c.applied_set) {
    Log()->debug("schedule set version {} already in force", set.version);
    return c.applied_ack;
  }
  if (c.applied && set.version == c.applied_set.version) {
    Log()->warn("schedule set version {} changed content; applying it again", set.version);
  }

  const TimePoint now = c.options.clock();
  const auto now_s = std::chrono::floor<std::chrono::seconds>(now);
  const bool first_apply = !c.applied;
  std::map<std::string, Core::Entry, std::less<>> next;
  std::vector<protocol::ScheduleRejection> rejected;
  std::size_t kept = 0;
  auto reject = [&](const protocol::ScheduleEntry& s, std::string reason) {
    Log()->warn("schedule {} cannot be applied: {}", s.id, reason);
    rejected.push_back({.schedule_id = s.id, .reason = std::move(reason)});
  };
  for (const auto& s : set.schedules) {
    if (!s.enabled) {
      Log()->info("schedule {} is disabled; not scheduling it", s.id);
      continue;
    }
    if (next.contains(s.id)) {
      Log()->warn("schedule {} appears twice in version {}; keeping the first", s.id, set.version);
      continue;
    }
    if (auto old = c.entries.find(s.id); old != c.entries.end() && old->second.source == s) {
      next.emplace(s.id, std::move(old->second));  // same timer, same jitter already drawn
      ++kept;
      continue;
    }
    auto parsed = cron::ParseCron(s.cron);
    if (!parsed) {
      reject(s, "invalid cron expression: " + parsed.error().Describe());
      continue;
    }
    cron::Location location = *c.options.host_zone;
    if (!s.timezone.empty()) {
      auto loaded = cron::Location::Load(s.timezone);
      if (!loaded) {
        reject(s, "invalid time zone: " + loaded.error().Describe());
        continue;
      }
      location = *loaded;
    }
    Core::Entry entry{.source = s,
                      .schedule = std::move(parsed).value(),
                      .location = location,
                      .jitter_max = std::min(s.jitter_seconds, c.options.max_jitter_seconds),
                      .slot = std::nullopt,
                      .fire_at = {}};
    c.Schedule(entry, entry.schedule.Next(now_s, entry.location));
    if (first_apply) c.ScheduleMissedSlot(s.id, entry, now_s, now);
    if (!entry.slot) Log()->warn("schedule {} has no fire time within five years", s.id);
    next.emplace(s.id, std::move(entry));
  }

  c.entries = std::move(next);  // the removed entries are gone: they can never fire again
  c.applied = true;
  c.applied_set = set;
  c.Record(now_s, /*force=*/true);
  c.Arm();
  Log()->info("applied schedule set version {}: {} active of {} ({} unchanged, {} rejected)", set.version,
              c.entries.size(), set.schedules.size(), kept, rejected.size());
  protocol::ScheduleAck ack{.version = set.version, .applied_at = now};
  if (!rejected.empty()) ack.rejected = std::move(rejected);
  c.applied_ack = ack;
  return ack;
}

std::size_t LocalScheduler::RunDue(TimePoint now) {
  std::lock_guard lock(core_->run_mutex);
  return core_->RunDueLocked(now);
}

int64_t LocalScheduler::applied_version() const {
  std::lock_guard lock(core_->run_mutex);
  return core_->applied ? core_->applied_set.version : 0;
}

std::vector<std::string> LocalScheduler::ActiveIds() const {
  std::lock_guard lock(core_->run_mutex);
  std::vector<std::string> out;
  for (const auto& [id, e] : core_->entries) out.push_back(id);
  return out;
}

std::optional<TimePoint> LocalScheduler::NextFireTime(const std::string& schedule_id) const {
  std::lock_guard lock(core_->run_mutex);
  auto it = core_->entries.find(schedule_id);
  if (it == core_->entries.end() || !it->second.slot) return std::nullopt;
  return it->second.fire_at;
}

std::optional<Seconds> LocalScheduler::NextSlot(const std::string& schedule_id) const {
  std::lock_guard lock(core_->run_mutex);
  auto it = core_->entries.find(schedule_id);
  if (it == core_->entries.end()) return std::nullopt;
  return it->second.slot;
}

void LocalScheduler::Stop() {
  std::lock_guard lock(core_->run_mutex);  // waits for an in-flight fire
  core_->stopped = true;
  ++core_->generation;
  if (core_->timer) core_->timer->cancel();
}

}  // namespace rmgr::agent

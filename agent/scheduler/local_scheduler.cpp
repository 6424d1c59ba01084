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
    cron::CronSchedule schedule;
    cron::Location location;      // where the fields are evaluated (a TZ= prefix still wins)
    uint32_t jitter_max = 0;      // already capped by Options::max_jitter_seconds
    std::optional<Seconds> slot;  // next slot; nullopt = never fires again
    TimePoint fire_at{};          // slot + jitter
  };

  Core(FireSink s, Options o) : sink(std::move(s)), options(std::move(o)), rng(std::random_device{}()) {
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

  void Remember(const std::string& id, Seconds slot) {
    std::lock_guard lock(missed_mutex);
    auto [it, inserted] = missed.try_emplace(id, slot);
    if (!inserted && it->second < slot) it->second = slot;
  }

  std::size_t RunDueLocked(TimePoint now) {
    if (stopped) return 0;
    const auto now_s = std::chrono::floor<std::chrono::seconds>(now);
    std::size_t fired = 0;
    for (auto& [id, e] : entries) {
      if (!e.slot || e.fire_at > now) continue;
      const Seconds slot = LatestSlot(e, *e.slot, now_s);
      bool sent = false;
      try {
        sent = sink(id, slot);
      } catch (const std::exception& ex) {
        Log()->error("fire sink threw for schedule {}: {}", id, ex.what());
      }
      if (!sent) {
        Log()->info("schedule {} fired for {} while it cannot be sent; kept for reconnect", id,
                    FormatRfc3339Utc(TimePoint{slot}));
        Remember(id, slot);
      }
      Schedule(e, e.schedule.Next(slot, e.location));
      ++fired;
    }
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
  TimePoint applied_at{};
  std::map<std::string, Entry, std::less<>> entries;
  std::mt19937 rng;
  uint64_t generation = 0;

  mutable std::mutex missed_mutex;  // leaf lock: never held while taking run_mutex
  std::map<std::string, Seconds> missed;
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
    return protocol::ScheduleAck{.version = set.version, .applied_at = c.applied_at};
  }
  if (c.applied && set.version == c.applied_set.version) {
    Log()->warn("schedule set version {} changed content; applying it again", set.version);
  }

  const TimePoint now = c.options.clock();
  const auto now_s = std::chrono::floor<std::chrono::seconds>(now);
  std::map<std::string, Core::Entry, std::less<>> next;
  for (const auto& s : set.schedules) {
    if (!s.enabled) {
      Log()->warn("schedule {} is disabled; not scheduling it", s.id);
      continue;
    }
    if (next.contains(s.id)) {
      Log()->warn("schedule {} appears twice in version {}; keeping the first", s.id, set.version);
      continue;
    }
    auto parsed = cron::ParseCron(s.cron);
    if (!parsed) {
      Log()->warn("schedule {} has an invalid cron expression; skipping it: {}", s.id,
                  parsed.error().Describe());
      continue;
    }
    cron::Location location = *c.options.host_zone;
    if (!s.timezone.empty()) {
      auto loaded = cron::Location::Load(s.timezone);
      if (!loaded) {
        Log()->warn("schedule {} has an invalid time zone; skipping it: {}", s.id, loaded.error().Describe());
        continue;
      }
      location = *loaded;
    }
    Core::Entry entry{.schedule = std::move(parsed).value(),
                      .location = location,
                      .jitter_max = std::min(s.jitter_seconds, c.options.max_jitter_seconds),
                      .slot = std::nullopt,
                      .fire_at = {}};
    c.Schedule(entry, entry.schedule.Next(now_s, entry.location));
    if (!entry.slot) Log()->warn("schedule {} has no fire time within five years", s.id);
    next.emplace(s.id, std::move(entry));
  }

  c.entries = std::move(next);  // the old entries are gone: they can never fire again
  c.applied = true;
  c.applied_set = set;
  c.applied_at = now;
  {
    std::lock_guard missed_lock(c.missed_mutex);
    std::erase_if(c.missed, [&](const auto& kv) { return !c.entries.contains(kv.first); });
  }
  c.Arm();
  Log()->info("applied schedule set version {}: {} active of {}", set.version, c.entries.size(),
              set.schedules.size());
  return protocol::ScheduleAck{.version = set.version, .applied_at = now};
}

std::size_t LocalScheduler::RunDue(TimePoint now) {
  std::lock_guard lock(core_->run_mutex);
  return core_->RunDueLocked(now);
}

std::vector<protocol::ScheduleFire> LocalScheduler::TakeMissedFires() {
  std::map<std::string, Seconds> taken;
  {
    std::lock_guard lock(core_->missed_mutex);
    taken.swap(core_->missed);
  }
  std::vector<protocol::ScheduleFire> out;
  out.reserve(taken.size());
  for (auto& [id, slot] : taken)
    out.push_back(protocol::ScheduleFire{.schedule_id = id, .scheduled_at = TimePoint{slot}});
  return out;
}

std::size_t LocalScheduler::MissedCount() const {
  std::lock_guard lock(core_->missed_mutex);
  return core_->missed.size();
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

#include "server/scheduling/window_record.h"

#include <algorithm>
#include <cstdlib>

#include "common/cron/cron_parser.h"
#include "server/scheduling/stored_rejections.h"

namespace rmgr::server::scheduling {
namespace {

using std::chrono::seconds;

//! How far before its oldest slot a record is read: a server run whose last
//! keep-alive lies just before the range still covers the first slot.
constexpr std::chrono::minutes kRecordLead{10};

//! The interval of an `@every` schedule; nullopt for a cron schedule (or one
//! that no longer parses, which ScheduleSlots reports).
std::optional<seconds> IntervalOf(const store::Schedule& schedule) {
  auto parsed = cron::ParseCron(schedule.cron);
  if (parsed && parsed->IsInterval()) return parsed->interval();
  return std::nullopt;
}

//! End (exclusive) of the window starting at `slot`: a cron slot is one
//! instant (kept to the second), an @every window one interval.
TimePoint WindowEnd(TimePoint slot, std::optional<seconds> interval) {
  return slot + (interval ? *interval : seconds(1));
}

bool In(TimePoint t, TimePoint start, TimePoint end) {
  return t >= start && t < end;
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

std::string_view DefaultReason(store::WindowNoteKind kind) {
  switch (kind) {
    case store::WindowNoteKind::kRefused: return "the server refused the fire";
    case store::WindowNoteKind::kCoalesced: return "repository busy; a later fire replaced this pending run";
    case store::WindowNoteKind::kNotApplied: return kReasonNotApplied;
    case store::WindowNoteKind::kDeferred: return "handed to catch-up";
    case store::WindowNoteKind::kOffline: return kReasonHostOffline;
  }
  std::abort();  // not a WindowNoteKind
}

WindowOutcome OutcomeOfNote(store::WindowNoteKind kind) {
  switch (kind) {
    case store::WindowNoteKind::kRefused: return WindowOutcome::kRefused;
    case store::WindowNoteKind::kDeferred: return WindowOutcome::kDeferred;
    case store::WindowNoteKind::kCoalesced:
    case store::WindowNoteKind::kNotApplied:
    case store::WindowNoteKind::kOffline:
      return WindowOutcome::kMissed;
  }
  std::abort();  // not a WindowNoteKind
}

//! The earlier of two optional instants (either may be missing).
std::optional<TimePoint> Earliest(std::optional<TimePoint> a, std::optional<TimePoint> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

//! True when server runs are known at `slot` and none covers it.
bool ServerDownAt(const store::WindowRecord& record, TimePoint slot, const WindowSettings& settings) {
  if (!record.server_runs_since || slot < *record.server_runs_since) return false;
  return std::none_of(record.server_runs.begin(), record.server_runs.end(), [&](const store::ServerRun& run) {
    const TimePoint end = run.stopped_at ? *run.stopped_at : run.last_alive_at + settings.server_alive_slack;
    return slot >= run.started_at && slot <= end;
  });
}

//! True when presence is known at `slot` and the host was connected at no
//! moment of [slot, latest_fire]. Presence is recorded from the first
//! server run on (or the first recorded connect, without runs).
bool HostOfflineAt(const store::WindowRecord& record, TimePoint slot, TimePoint latest_fire) {
  const auto known_since = Earliest(record.presence_since, record.server_runs_since);
  if (!known_since || slot < *known_since) return false;
  return std::none_of(record.presence.begin(), record.presence.end(), [&](const store::PresenceInterval& p) {
    return p.connected_at <= latest_fire && (!p.disconnected_at || *p.disconnected_at >= slot);
  });
}

//! Why the agent could not apply the schedule, and since when (server
//! time), from its host's last ack; nullopt when it applied it. An entry
//! stored before "since" was kept counts from the start of time.
struct NotApplied {
  std::string reason;
  TimePoint since;
};
std::optional<NotApplied> NotAppliedOf(const store::WindowRecord& record) {
  for (const auto& rejection : ParseRejections(record.schedule_rejected_json)) {
    if (rejection.schedule_id != record.schedule.id) continue;
    std::string reason(kReasonNotApplied);
    if (!rejection.reason.empty()) reason += ": " + rejection.reason;
    return NotApplied{std::move(reason), rejection.since.value_or(TimePoint{})};
  }
  return std::nullopt;
}

//! Up to `count` fire times of `schedule` in [lower, last], newest first.
//! Walking back with LastFireAtOrBefore lists a day's candidates per slot,
//! which adds up for dense schedules; Next is cheap. So list forward from a
//! start far enough back to hold `count` slots (guessed from the gap
//! between the newest two), doubling the look-back until it does or
//! reaches `lower`.
std::vector<Seconds> CronSlotsBefore(const cron::CronSchedule& schedule, const cron::Location& zone, Seconds last,
                                     TimePoint lower, size_t count) {
  const auto newest = schedule.LastFireAtOrBefore(last, zone);
  if (!newest || TimePoint{*newest} < lower) return {};
  const auto before = schedule.LastFireAtOrBefore(*newest - seconds(1), zone);
  seconds lookback = std::max<seconds>(before ? *newest - *before : std::chrono::days(1), std::chrono::minutes(1)) *
                     static_cast<int64_t>(count + 1);
  const Seconds floor_lower = std::chrono::ceil<seconds>(lower);
  for (;;) {
    const Seconds start = std::max(floor_lower, *newest - lookback);
    std::vector<Seconds> forward;
    for (auto t = schedule.Next(start - seconds(1), zone); t && *t <= *newest; t = schedule.Next(*t, zone)) {
      forward.push_back(*t);
    }
    if (forward.size() >= count || start == floor_lower) {
      std::vector<Seconds> out(forward.rbegin(), forward.rend());
      if (out.size() > count) out.resize(count);
      return out;
    }
    lookback *= 2;
  }
}

Window Classify(const store::WindowRecord& record, TimePoint slot, TimePoint end,
                const std::optional<std::string>& group, std::optional<seconds> interval,
                const std::optional<NotApplied>& not_applied, TimePoint now, const WindowSettings& settings) {
  const store::Schedule& schedule = record.schedule;
  Window window{schedule.id, slot, group, WindowOutcome::kMissed, std::nullopt, {}};
  // Jobs come newest slot first, newest job first: the first match is the latest word.
  for (const auto& job : record.jobs) {
    if (!job.window_slot || !In(*job.window_slot, slot, end) || job.source_group_id != group) continue;
    window.outcome = OutcomeOfJob(job.status);
    window.job_id = job.id;
    // A queued job says what it waits for (another host's prune, a backup slot, the maintenance window).
    if (job.status == store::JobStatus::kQueued) window.reason = job.wait_reason;
    return window;
  }
  if (record.pending_run && In(record.pending_run->scheduled_at, slot, end)) {
    window.outcome = WindowOutcome::kPending;
    return window;
  }
  const store::WindowNote* note = nullptr;
  for (const auto& n : record.notes) {
    if (!In(n.slot, slot, end)) continue;
    if (!n.source_group_id.empty() && n.source_group_id != group.value_or("")) continue;
    if (note == nullptr || n.recorded_at > note->recorded_at) note = &n;
  }
  if (note != nullptr) {
    window.outcome = OutcomeOfNote(note->kind);
    window.reason = note->reason.empty() ? std::string(DefaultReason(note->kind)) : note->reason;
    return window;
  }
  // Nobody recorded anything: infer. The agent fires an @every window at
  // some point inside it, a cron slot at the slot, each up to jitter later.
  const TimePoint latest_fire = (interval ? slot + *interval : slot) + schedule.jitter;
  if (!schedule.enabled && slot >= schedule.updated_at) {
    window.reason = kReasonDisabled;
  } else if (not_applied && slot >= not_applied->since) {
    window.reason = not_applied->reason;
  } else if (now < latest_fire + settings.grace) {
    window.outcome = WindowOutcome::kDue;
  } else if (ServerDownAt(record, slot, settings)) {
    window.reason = kReasonServerDown;
  } else if (HostOfflineAt(record, slot, latest_fire)) {
    window.reason = kReasonHostOffline;
  } else {
    window.reason = kReasonNoFire;
  }
  return window;
}

}  // namespace

std::string_view ToString(WindowOutcome outcome) {
  switch (outcome) {
    case WindowOutcome::kQueued: return "queued";
    case WindowOutcome::kRunning: return "running";
    case WindowOutcome::kSucceeded: return "succeeded";
    case WindowOutcome::kPartial: return "partial";
    case WindowOutcome::kFailed: return "failed";
    case WindowOutcome::kCancelled: return "cancelled";
    case WindowOutcome::kInterrupted: return "interrupted";
    case WindowOutcome::kLost: return "lost";
    case WindowOutcome::kPending: return "pending";
    case WindowOutcome::kDue: return "due";
    case WindowOutcome::kMissed: return "missed";
    case WindowOutcome::kRefused: return "refused";
    case WindowOutcome::kDeferred: return "deferred";
  }
  std::abort();  // not a WindowOutcome
}

WindowOutcome OutcomeOfJob(store::JobStatus status) {
  switch (status) {
    case store::JobStatus::kQueued: return WindowOutcome::kQueued;
    case store::JobStatus::kDispatched:
    case store::JobStatus::kRunning:
      return WindowOutcome::kRunning;
    case store::JobStatus::kSucceeded: return WindowOutcome::kSucceeded;
    case store::JobStatus::kPartial: return WindowOutcome::kPartial;
    case store::JobStatus::kFailed: return WindowOutcome::kFailed;
    case store::JobStatus::kCancelled: return WindowOutcome::kCancelled;
    case store::JobStatus::kInterrupted: return WindowOutcome::kInterrupted;
    case store::JobStatus::kLost: return WindowOutcome::kLost;
  }
  std::abort();  // not a JobStatus
}

Result<SlotPage> ScheduleSlots(const store::Schedule& schedule, TimePoint from, TimePoint to, int limit) {
  auto parsed = cron::ParseCron(schedule.cron);
  if (!parsed) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the stored cron of schedule " + schedule.id + " does not parse: " + parsed.error().message,
                     "cron");
  }
  auto zone = cron::Location::Load(schedule.timezone);
  if (!zone) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the stored zone of schedule " + schedule.id + " does not load: " + zone.error().message,
                     "timezone");
  }
  const auto max_slots = static_cast<size_t>(std::max(limit, 1));
  const TimePoint lower = std::max(from, schedule.created_at);
  SlotPage page;
  if (to <= lower) return page;

  // Slots are whole seconds; `to` is exclusive.
  const Seconds last = std::chrono::floor<seconds>(to - std::chrono::milliseconds(1));
  std::vector<Seconds> newest_first;  // up to max_slots + 1: the extra one says "more"
  if (parsed->IsInterval()) {
    const auto step = parsed->interval();
    for (Seconds slot{seconds{FloorDiv(last.time_since_epoch().count(), step.count()) * step.count()}};
         TimePoint{slot} >= lower && newest_first.size() <= max_slots; slot -= step) {
      newest_first.push_back(slot);
    }
  } else {
    newest_first = CronSlotsBefore(*parsed, *zone, last, lower, max_slots + 1);
  }
  if (newest_first.size() > max_slots) {
    newest_first.resize(max_slots);
    page.next_to = TimePoint{newest_first.back()};
  }
  page.slots.assign(newest_first.begin(), newest_first.end());
  return page;
}

std::pair<TimePoint, TimePoint> RecordRange(const store::Schedule& schedule, std::span<const TimePoint> slots) {
  const auto interval = IntervalOf(schedule);
  return {slots.back() - kRecordLead, WindowEnd(slots.front(), interval)};
}

std::vector<Window> ClassifyWindows(const store::WindowRecord& record, std::span<const TimePoint> slots,
                                    TimePoint now, const WindowSettings& settings) {
  const auto interval = IntervalOf(record.schedule);
  const auto not_applied = NotAppliedOf(record);
  std::vector<std::optional<std::string>> groups(record.schedule.source_group_ids.begin(),
                                                 record.schedule.source_group_ids.end());
  if (groups.empty()) groups.emplace_back(std::nullopt);
  std::vector<Window> out;
  out.reserve(slots.size() * groups.size());
  for (const TimePoint slot : slots) {
    const TimePoint end = WindowEnd(slot, interval);
    for (const auto& group : groups) out.push_back(Classify(record, slot, end, group, interval, not_applied, now, settings));
  }
  return out;
}

}  // namespace rmgr::server::scheduling

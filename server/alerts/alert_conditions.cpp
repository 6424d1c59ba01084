#include "server/alerts/alert_conditions.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

#include "common/cron/cron_parser.h"
#include "common/cron/location.h"
#include "server/scheduling/stored_rejections.h"

namespace rmgr::server::alerts {
namespace {

using std::chrono::duration_cast;
using std::chrono::minutes;
using std::chrono::seconds;
using store::AlertKind;
using store::JobKind;
using store::JobStatus;

//! "3 h 20 min", "2 d 4 h", "45 min": how long, for a reason line.
std::string Span(std::chrono::milliseconds span) {
  const auto total = duration_cast<minutes>(span).count();
  if (total < 60) return std::to_string(std::max<int64_t>(total, 0)) + " min";
  if (total < 48 * 60) {
    const auto rest = total % 60;
    return std::to_string(total / 60) + " h" + (rest ? " " + std::to_string(rest) + " min" : "");
  }
  const auto hours = total / 60;
  return std::to_string(hours / 24) + " d" + (hours % 24 ? " " + std::to_string(hours % 24) + " h" : "");
}

//! The store keeps subjects and reasons up to 1024 bytes.
constexpr size_t kMaxReasonBytes = 1000;

//! Cuts `text` to at most `limit` bytes without splitting a UTF-8 sequence.
void TruncateUtf8(std::string& text, size_t limit) {
  if (text.size() <= limit) return;
  size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
}

Condition Base(AlertKind kind, const RuleSet& rules, const store::Host& host, std::string key) {
  Condition c;
  c.kind = kind;
  c.severity = rules.Of(kind).severity;
  c.subject_key = std::move(key);
  c.host_id = host.id;
  c.host_name = host.name;
  c.subject = host.name;
  return c;
}

//! A parsed schedule, cached per (cron, zone) for the pass.
struct Cron {
  std::optional<cron::CronSchedule> schedule;
  std::optional<cron::Location> zone;
};

void Unprotected(
    const store::Host& host, const std::vector<const store::Schedule*>& schedules,
    const std::map<std::string, const store::SourceGroup*>& groups,
    const std::map<std::pair<std::string, std::string>, const store::ScheduleGroupState*>& states,
    const RuleSet& rules, TimePoint now, const Watch& watch,
    std::map<std::pair<std::string, std::string>, Cron>& crons, std::vector<Condition>& out) {
  const RuleSettings& rule = rules.Of(AlertKind::kHostUnprotected);
  for (const store::Schedule* schedule : schedules) {
    if (!schedule->enabled || schedule->kind != JobKind::kBackup) continue;
    Cron& parsed = crons[{schedule->cron, schedule->timezone}];
    if (!parsed.schedule) {
      auto cron = cron::ParseCron(schedule->cron);
      auto zone = cron::Location::Load(schedule->timezone);
      if (!cron || !zone) continue;  // refused at validation; drift shows the agent's view
      parsed.schedule = std::move(*cron);
      parsed.zone = std::move(*zone);
    }
    for (const std::string& group_id : schedule->source_group_ids) {
      const auto state = states.find({schedule->id, group_id});
      const auto group = groups.find(group_id);
      std::optional<TimePoint> last_success;
      if (state != states.end()) last_success = state->second->last_success_at;
      // Counted from the last success, or from when the schedule (or the
      // group, added later) came to be.
      TimePoint base = last_success.value_or(schedule->created_at);
      if (!last_success && group != groups.end()) base = std::max(base, group->second->created_at);
      const auto expected = parsed.schedule->Next(std::chrono::floor<seconds>(base), *parsed.zone);
      if (!expected) continue;
      const auto after = parsed.schedule->Next(*expected, *parsed.zone);
      const auto interval = after ? seconds(*after - *expected) : seconds(std::chrono::hours(24));
      auto grace =
          duration_cast<seconds>(std::chrono::duration<double>(interval.count() * rule.grace_factor));
      if (!host.always_on) grace = std::max<seconds>(grace, rule.intermittent_grace);
      const TimePoint deadline = TimePoint(*expected) + grace;
      if (now < deadline) continue;
      Condition c = Base(AlertKind::kHostUnprotected, rules, host, JobSubjectKey(schedule->id, group_id));
      c.schedule_id = schedule->id;
      c.source_group_id = group_id;
      c.repository_id = schedule->repository_id;
      if (state != states.end()) c.job_id = state->second->last_job_id;
      const std::string group_name = group != groups.end() ? group->second->name : group_id;
      c.subject = host.name + " / " + schedule->name + " / " + group_name;
      c.reason = (last_success ? "no successful backup since " + FormatRfc3339Utc(*last_success)
                               : std::string("never backed up successfully")) +
                 "; due " + FormatRfc3339Utc(TimePoint(*expected)) + ", overdue by " +
                 Span(duration_cast<std::chrono::milliseconds>(now - deadline)) + " past its grace of " +
                 Span(grace);
      if (state != states.end() && state->second->last_status &&
          *state->second->last_status != JobStatus::kSucceeded &&
          *state->second->last_status != JobStatus::kPartial) {
        c.reason += "; its last job ended " + std::string(ToString(*state->second->last_status));
      }
      if (!host.connected) c.reason += "; the host is offline";
      // Results kept by agents while the server was down arrive after it starts.
      c.may_open = now >= watch.since + watch.settle;
      out.push_back(std::move(c));
    }
  }
}

void Offline(const store::Host& host, const RuleSet& rules, TimePoint now, const Watch& watch,
             std::vector<Condition>& out) {
  const RuleSettings& rule = rules.Of(AlertKind::kHostOffline);
  if (host.connected || (rule.always_on_only && !host.always_on)) return;
  const TimePoint seen = host.last_seen_at.value_or(host.created_at);
  if (now - seen < rule.after) return;
  Condition c = Base(AlertKind::kHostOffline, rules, host, host.id);
  c.reason = host.last_seen_at
                 ? "no agent connected since " + FormatRfc3339Utc(seen) + " (" +
                       Span(duration_cast<std::chrono::milliseconds>(now - seen)) + ")"
                 : "its agent has never connected (added " + FormatRfc3339Utc(host.created_at) + ")";
  // A host that was there when the server went down gets `after` to come back.
  c.may_open = now - std::max(seen, watch.since) >= rule.after;
  out.push_back(std::move(c));
}

void Drift(const store::Host& host, const std::map<std::string, const store::Schedule*>& schedule_by_id,
           const std::map<std::string, TimePoint>& connected_since, const RuleSet& rules, TimePoint now,
           const Watch& watch, std::vector<Condition>& out) {
  const RuleSettings& rule = rules.Of(AlertKind::kScheduleDrift);
  std::string reason;
  const auto rejections = scheduling::ParseRejections(host.schedule_rejected_json);
  for (const auto& rejection : rejections) {
    const auto schedule = schedule_by_id.find(rejection.schedule_id);
    if (!reason.empty()) reason += "; ";
    reason += "the agent could not apply schedule " +
              (schedule != schedule_by_id.end() ? schedule->second->name : rejection.schedule_id) +
              (rejection.reason.empty() ? "" : ": " + rejection.reason);
  }
  if (host.connected && host.schedule_version_applied < host.schedule_version_canonical) {
    // The set is pushed on a change and again at every hello: the lag counts
    // from the later of the two (the connect as this server saw it, or its start).
    const auto connected = connected_since.find(host.id);
    const TimePoint pushed = std::max(host.schedule_changed_at.value_or(host.created_at),
                                      connected != connected_since.end() ? connected->second : watch.since);
    if (now - pushed >= rule.after) {
      if (!reason.empty()) reason += "; ";
      reason += "schedule version " + std::to_string(host.schedule_version_canonical) +
                " not applied after " + Span(duration_cast<std::chrono::milliseconds>(now - pushed)) +
                " (the agent runs version " + std::to_string(host.schedule_version_applied) + ")";
    }
  }
  if (reason.empty()) return;
  Condition c = Base(AlertKind::kScheduleDrift, rules, host, host.id);
  TruncateUtf8(reason, kMaxReasonBytes);
  c.reason = std::move(reason);
  out.push_back(std::move(c));
}

void Outdated(const store::Host& host, const RuleSet& rules, std::vector<Condition>& out) {
  const RuleSettings& rule = rules.Of(AlertKind::kAgentOutdated);
  if (host.agent_version.empty()) return;  // never said hello: nothing known
  std::string reason;
  auto below = [](const std::string& have, const std::string& need) {
    if (need.empty()) return false;
    const auto order = CompareVersions(have, need);
    return order && *order < 0;
  };
  if (below(host.agent_version, rule.min_agent_version)) {
    reason = "agent " + host.agent_version + " is older than " + rule.min_agent_version;
  }
  if (!rule.min_restic_version.empty()) {
    if (host.restic_version.empty()) {
      reason += std::string(reason.empty() ? "" : "; ") + "restic was not found on the host";
    } else if (below(host.restic_version, rule.min_restic_version)) {
      reason += std::string(reason.empty() ? "" : "; ") + "restic " + host.restic_version +
                " is older than " + rule.min_restic_version;
    }
  }
  if (reason.empty()) return;
  Condition c = Base(AlertKind::kAgentOutdated, rules, host, host.id);
  c.reason = std::move(reason);
  out.push_back(std::move(c));
}

void Locked(const store::Host& host, const std::vector<const store::LockStreak*>& streaks,
            const std::map<std::string, std::string>& repository_names, const RuleSet& rules, TimePoint now,
            std::vector<Condition>& out) {
  const RuleSettings& rule = rules.Of(AlertKind::kRepositoryLocked);
  for (const store::LockStreak* streak : streaks) {
    if (now - streak->since < rule.after) continue;
    Condition c = Base(AlertKind::kRepositoryLocked, rules, host, host.id + "/" + streak->repository_id);
    c.repository_id = streak->repository_id;
    const auto name = repository_names.find(streak->repository_id);
    const std::string repository = name != repository_names.end() ? name->second : streak->repository_id;
    c.subject = host.name + " / " + repository;
    c.reason = "jobs have found the repository locked since " + FormatRfc3339Utc(streak->since) + " (" +
               std::to_string(streak->jobs) + (streak->jobs == 1 ? " job" : " jobs") +
               "); a stale lock may need `unlock`";
    out.push_back(std::move(c));
  }
}

}  // namespace

bool IsFleetKind(AlertKind kind) {
  switch (kind) {
    case AlertKind::kHostUnprotected:
    case AlertKind::kHostOffline:
    case AlertKind::kRepositoryLocked:
    case AlertKind::kScheduleDrift:
    case AlertKind::kAgentOutdated:
      return true;
    case AlertKind::kJobFailed:
    case AlertKind::kJobPartial:
    case AlertKind::kCheckFailed:
    case AlertKind::kDrillFailed:
      return false;
  }
  return false;
}

std::string JobSubjectKey(std::string_view schedule_id, std::string_view source_group_id) {
  return std::string(schedule_id) + "/" + std::string(source_group_id);
}

std::vector<Condition> EvaluateFleet(const FleetState& state, const RuleSet& rules, TimePoint now,
                                     const Watch& watch) {
  std::map<std::string, std::vector<const store::Schedule*>> schedules_of;
  std::map<std::string, const store::Schedule*> schedule_by_id;
  for (const auto& schedule : state.schedules) {
    schedules_of[schedule.host_id].push_back(&schedule);
    schedule_by_id[schedule.id] = &schedule;
  }
  std::map<std::string, const store::SourceGroup*> groups;
  for (const auto& group : state.groups) groups[group.id] = &group;
  std::map<std::pair<std::string, std::string>, const store::ScheduleGroupState*> states;
  for (const auto& s : state.group_states) states[{s.schedule_id, s.source_group_id}] = &s;
  std::map<std::string, std::string> repository_names;
  for (const auto& repository : state.repositories) repository_names[repository.id] = repository.name;
  std::map<std::string, std::vector<const store::LockStreak*>> streaks_of;
  for (const auto& streak : state.lock_streaks) streaks_of[streak.host_id].push_back(&streak);
  std::map<std::pair<std::string, std::string>, Cron> crons;

  static const std::vector<const store::Schedule*> kNoSchedules;
  static const std::vector<const store::LockStreak*> kNoStreaks;
  std::vector<Condition> out;
  for (const auto& host : state.hosts) {
    const auto own = schedules_of.find(host.id);
    const auto& schedules = own != schedules_of.end() ? own->second : kNoSchedules;
    if (rules.Of(AlertKind::kHostUnprotected).enabled) {
      Unprotected(host, schedules, groups, states, rules, now, watch, crons, out);
    }
    if (rules.Of(AlertKind::kHostOffline).enabled) Offline(host, rules, now, watch, out);
    if (rules.Of(AlertKind::kScheduleDrift).enabled) {
      Drift(host, schedule_by_id, state.connected_since, rules, now, watch, out);
    }
    if (rules.Of(AlertKind::kAgentOutdated).enabled) Outdated(host, rules, out);
    if (rules.Of(AlertKind::kRepositoryLocked).enabled) {
      const auto streaks = streaks_of.find(host.id);
      Locked(host, streaks != streaks_of.end() ? streaks->second : kNoStreaks, repository_names, rules, now,
             out);
    }
  }
  return out;
}

std::optional<Condition> EvaluateJobOutcome(const store::Job& latest, const SubjectNames& names,
                                            const RuleSet& rules) {
  if (!latest.schedule_id) return std::nullopt;
  AlertKind kind{};
  switch (latest.status) {
    case JobStatus::kSucceeded:
      return std::nullopt;
    case JobStatus::kPartial:
      kind = AlertKind::kJobPartial;
      break;
    case JobStatus::kFailed:
    case JobStatus::kLost:
      kind = AlertKind::kJobFailed;
      // restic check exits non-zero for damage; a lock, a wrong password or
      // a timeout says nothing about the data: those are plain failures.
      if (latest.kind == JobKind::kCheck && latest.status == JobStatus::kFailed &&
          (latest.error_kind == store::ErrorKind::kOther || latest.error_kind == store::ErrorKind::kNone)) {
        kind = AlertKind::kCheckFailed;
      }
      // A drill that restored different bytes than were backed up: the
      // backups themselves are in doubt.
      if (latest.kind == JobKind::kDrill && latest.error_kind == store::ErrorKind::kVerifyMismatch) {
        kind = AlertKind::kDrillFailed;
      }
      break;
    case JobStatus::kQueued:
    case JobStatus::kDispatched:
    case JobStatus::kRunning:
    case JobStatus::kCancelled:
    case JobStatus::kInterrupted:
      return std::nullopt;  // not decisive: the caller passes only decisive jobs
  }
  if (!rules.Of(kind).enabled) return std::nullopt;
  Condition c;
  c.kind = kind;
  c.severity = rules.Of(kind).severity;
  c.subject_key = JobSubjectKey(*latest.schedule_id, latest.source_group_id.value_or(""));
  c.host_id = latest.host_id;
  c.host_name = names.host_name;
  c.schedule_id = latest.schedule_id;
  c.source_group_id = latest.source_group_id;
  c.repository_id = latest.repository_id;
  c.job_id = latest.id;
  c.subject = names.host_name + " / " + names.schedule_name +
              (names.group_name.empty() ? "" : " / " + names.group_name);
  const std::string what = std::string(ToString(latest.kind));
  const std::string when = latest.finished_at ? " at " + FormatRfc3339Utc(*latest.finished_at) : "";
  if (kind == AlertKind::kJobPartial) {
    c.reason = what + when + " made a snapshot but could not read some files" +
               (latest.error.empty() ? "" : ": " + latest.error);
  } else if (kind == AlertKind::kDrillFailed) {
    c.reason = "restore drill" + when + " restored files that differ from the backup" +
               (latest.error.empty() ? "" : ": " + latest.error);
  } else if (kind == AlertKind::kCheckFailed) {
    c.reason = "restic check" + when + " found problems in repository " +
               (names.repository_name.empty() ? latest.repository_id.value_or("") : names.repository_name) +
               (latest.error.empty() ? "" : ": " + latest.error);
  } else {
    c.reason = what + " " + std::string(ToString(latest.status)) + when +
               (latest.error_kind == store::ErrorKind::kNone
                    ? ""
                    : " (" + std::string(ToString(latest.error_kind)) + ")") +
               (latest.error.empty() ? "" : ": " + latest.error);
  }
  TruncateUtf8(c.reason, kMaxReasonBytes);
  return c;
}

}  // namespace rmgr::server::alerts

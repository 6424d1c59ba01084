#pragma once
// Record types of the alert engine (DESIGN.md "Alerts and observability"):
// the closed sets an alert is made of and the alert record itself. Names
// are spelled once, here, in the protocol vocabulary's style (Spell /
// ToString / FromString); every value is server-only — alerts never travel
// to agents. The store keeps the names in CHECK lists and the REST API
// answers them; server/store/vocabulary_test.cpp checks both against these.
// Thread safety: value types and pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/protocol/enums.h"
#include "common/util/time_format.h"

namespace rmgr::store {

using protocol::ToString;  ///< The names of these enums, as of every vocabulary.

//! What an alert is about. Each kind is one rule of the alert engine.
enum class AlertKind {
  kHostUnprotected,   ///< "host_unprotected": a schedule × group with no success by its expected time.
  kHostOffline,       ///< "host_offline": the agent has been away longer than the threshold.
  kJobFailed,         ///< "job_failed": the latest job of a schedule × group failed.
  kJobPartial,        ///< "job_partial": the latest backup made a snapshot but skipped unreadable files.
  kCheckFailed,       ///< "check_failed": restic check found the repository damaged (critical).
  kRepositoryLocked,  ///< "repository_locked": jobs keep failing on a lock held longer than the threshold.
  kScheduleDrift,     ///< "schedule_drift": pushed schedules not applied in time, or an entry refused.
  kAgentOutdated,     ///< "agent_outdated": agent or restic older than the configured minimum.
  kDrillFailed,       ///< "drill_failed": a restore drill found files that do not match (critical).
};

//! Where an alert is in its lifecycle.
enum class AlertState {
  kFiring,        ///< "firing": the condition holds; notified, re-notified on the interval.
  kAcknowledged,  ///< "acknowledged": an operator owns it; no more reminders.
  kSilenced,      ///< "silenced": no notifications until silenced_until (then firing again).
  kResolved,      ///< "resolved": the condition cleared (terminal; the next occurrence is a new alert).
};

//! How loud an alert is.
enum class AlertSeverity {
  kWarning,   ///< "warning".
  kCritical,  ///< "critical": data at risk (damaged repository, failed drill, unprotected host).
};

//! Name and reach of an alert kind (server only).
constexpr protocol::Spelling Spell(AlertKind value) {
  using protocol::Reach;
  switch (value) {
    case AlertKind::kHostUnprotected:
      return {"host_unprotected", Reach::kServerOnly};
    case AlertKind::kHostOffline:
      return {"host_offline", Reach::kServerOnly};
    case AlertKind::kJobFailed:
      return {"job_failed", Reach::kServerOnly};
    case AlertKind::kJobPartial:
      return {"job_partial", Reach::kServerOnly};
    case AlertKind::kCheckFailed:
      return {"check_failed", Reach::kServerOnly};
    case AlertKind::kRepositoryLocked:
      return {"repository_locked", Reach::kServerOnly};
    case AlertKind::kScheduleDrift:
      return {"schedule_drift", Reach::kServerOnly};
    case AlertKind::kAgentOutdated:
      return {"agent_outdated", Reach::kServerOnly};
    case AlertKind::kDrillFailed:
      return {"drill_failed", Reach::kServerOnly};
  }
  return {};
}

//! Name and reach of an alert state (server only).
constexpr protocol::Spelling Spell(AlertState value) {
  using protocol::Reach;
  switch (value) {
    case AlertState::kFiring:
      return {"firing", Reach::kServerOnly};
    case AlertState::kAcknowledged:
      return {"acknowledged", Reach::kServerOnly};
    case AlertState::kSilenced:
      return {"silenced", Reach::kServerOnly};
    case AlertState::kResolved:
      return {"resolved", Reach::kServerOnly};
  }
  return {};
}

//! Name and reach of an alert severity (server only).
constexpr protocol::Spelling Spell(AlertSeverity value) {
  using protocol::Reach;
  switch (value) {
    case AlertSeverity::kWarning:
      return {"warning", Reach::kServerOnly};
    case AlertSeverity::kCritical:
      return {"critical", Reach::kServerOnly};
  }
  return {};
}

//! One alert: one occurrence of a rule's condition for one subject, from
//! the moment it fired until it resolved. At most one unresolved alert
//! exists per (kind, subject_key): that is the de-duplication.
struct Alert {
  std::string id;                                    ///< ULID.
  AlertKind kind = AlertKind::kHostUnprotected;      ///< The rule that raised it.
  AlertSeverity severity = AlertSeverity::kWarning;  ///< How loud.
  AlertState state = AlertState::kFiring;            ///< Lifecycle state.
  std::string subject_key;                 ///< De-duplication key within the kind ("host/schedule/group").
  std::string host_id;                     ///< The host it is about.
  std::string host_name;                   ///< The host's name when it fired (kept if the host goes).
  std::optional<std::string> schedule_id;  ///< The schedule, for schedule-level rules.
  std::optional<std::string> source_group_id;  ///< The source group, for schedule × group rules.
  std::optional<std::string> repository_id;    ///< The repository, for repository rules.
  std::optional<std::string> job_id;           ///< The job that raised (or last confirmed) it.
  std::string subject;                         ///< Human subject: "laptop / nightly / home".
  std::string reason;                          ///< Why, in words (updated while firing).
  TimePoint started_at;                        ///< When it fired.
  TimePoint updated_at;                        ///< Last change of any field.
  std::optional<TimePoint> resolved_at;        ///< When the condition cleared.
  std::optional<TimePoint> acknowledged_at;    ///< When an operator acknowledged it.
  std::optional<std::string> acknowledged_by;  ///< Who (user id).
  std::optional<TimePoint> silenced_until;     ///< Silenced until this time.
  std::optional<std::string> silenced_by;      ///< Who silenced it (user id).
  std::optional<TimePoint> last_notified_at;   ///< Last time notices were queued for it.
  int64_t notify_count = 0;                    ///< How many times notices were queued.
};

//! Alert listing filters; unset fields do not filter. Newest first.
struct AlertFilter {
  std::vector<AlertState> states;          ///< Any of these states; empty: all.
  std::optional<AlertKind> kind;           ///< Only this kind.
  std::optional<std::string> host_id;      ///< Only this host.
  std::optional<std::string> schedule_id;  ///< Only this schedule.
};

//! How many unresolved alerts there are of one kind in one state.
struct AlertCount {
  AlertKind kind = AlertKind::kHostUnprotected;      ///< The kind.
  AlertState state = AlertState::kFiring;            ///< The state (never resolved).
  AlertSeverity severity = AlertSeverity::kWarning;  ///< The severity.
  int64_t count = 0;                                 ///< How many.
};

//! An admin's settings of one rule as stored (a kind without a row runs on
//! its defaults; the alert engine knows them).
struct AlertRule {
  AlertKind kind = AlertKind::kHostUnprotected;  ///< The rule.
  bool enabled = true;                           ///< false: the rule raises nothing and its alerts resolve.
  std::string params_json = "{}";                ///< Thresholds (JSON object), validated by the engine.
  TimePoint updated_at;                          ///< Set by the store.
};

//! A schedule × group (group "" for a group-less schedule) whose jobs finished recently.
struct JobSubject {
  std::string schedule_id;      ///< The schedule.
  std::string source_group_id;  ///< The group; "" when the job had none.
};

//! A run of jobs of one host on one repository that all failed on a lock.
struct LockStreak {
  std::string host_id;        ///< The host.
  std::string repository_id;  ///< The repository.
  TimePoint since;            ///< When the first of the run finished.
  std::string last_job_id;    ///< The newest of the run.
  int64_t jobs = 0;           ///< How many jobs in the run.
};

}  // namespace rmgr::store

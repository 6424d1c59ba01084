#pragma once
// The rules themselves: pure functions from the store's state (and a clock
// reading) to the conditions that should be alerting now. They decide
// nothing about lifecycle — AlertLifecycle turns conditions into alerts.
//
// Two families, each authoritative for its own kinds:
//  - fleet rules (host_unprotected, host_offline, schedule_drift,
//    agent_outdated, repository_locked) read hosts, schedules and their last
//    successes: evaluated by the periodic pass, and for one host when it
//    connects, leaves, acks or finishes a job;
//  - job-outcome rules (job_failed, job_partial, check_failed,
//    drill_failed) read the newest decisive job of one schedule × group:
//    evaluated when a job there finishes.
//
// Thread safety: pure functions over values.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "server/alerts/alert_rules.h"
#include "server/store/store.h"

namespace rmgr::server::alerts {

//! What a rule found: one subject in trouble, and why.
struct Condition {
  store::AlertKind kind = store::AlertKind::kHostUnprotected;      ///< The rule.
  store::AlertSeverity severity = store::AlertSeverity::kWarning;  ///< From the rule's settings.
  std::string subject_key;                                         ///< De-duplication key within the kind.
  std::string host_id;                                             ///< The host.
  std::string host_name;                                           ///< Its name now.
  std::optional<std::string> schedule_id;                          ///< For schedule rules.
  std::optional<std::string> source_group_id;                      ///< For schedule × group rules.
  std::optional<std::string> repository_id;                        ///< For repository rules.
  std::optional<std::string> job_id;                               ///< The job that shows it.
  std::string subject;                                             ///< "laptop / nightly / home".
  std::string reason;                                              ///< Why, in one line.
  //! false: the condition holds but may only keep an alert open, not open
  //! one — the server has not watched long enough since it started to
  //! tell absence from its own downtime.
  bool may_open = true;
};

//! Whether a kind belongs to the fleet rules (else to the job-outcome rules).
bool IsFleetKind(store::AlertKind kind);

//! The subject key of a schedule × group ("" for a group-less schedule).
std::string JobSubjectKey(std::string_view schedule_id, std::string_view source_group_id);

//! What the fleet rules read: some hosts (all, or one) with their schedules,
//! groups and last successes, the repositories, and the lock streaks.
struct FleetState {
  std::vector<store::Host> hosts;                       ///< The hosts evaluated.
  std::vector<store::Schedule> schedules;               ///< Their schedules.
  std::vector<store::SourceGroup> groups;               ///< Their source groups.
  std::vector<store::Repository> repositories;          ///< Every repository (names).
  std::vector<store::ScheduleGroupState> group_states;  ///< Their schedules' last outcomes.
  std::vector<store::LockStreak> lock_streaks;          ///< Runs of lock failures (any host; filtered).
  std::map<std::string, TimePoint> connected_since;     ///< When hosts connected, as far as this server saw.
};

//! Since when this server has watched, and how long agents get after it
//! started to reconnect and deliver what they kept while it was down.
struct Watch {
  TimePoint since;                                             ///< The server's start.
  std::chrono::milliseconds settle{std::chrono::minutes(10)};  ///< Before an overdue backup opens an alert.
};

//! The fleet rules' conditions for `state` at `now`. Absence (offline,
//! drift) is measured from no earlier than `watch.since` and overdue
//! backups wait `watch.settle` after it before they may open an alert, so
//! a server that was down raises nothing for what it could not see — but
//! an alert open from before keeps going (Condition::may_open).
std::vector<Condition> EvaluateFleet(const FleetState& state, const RuleSet& rules, TimePoint now,
                                     const Watch& watch);

//! Names a job-outcome condition shows.
struct SubjectNames {
  std::string host_name;        ///< The host.
  std::string schedule_name;    ///< The schedule.
  std::string group_name;       ///< The source group; "" for none.
  std::string repository_name;  ///< The repository; "" when unknown.
};

//! The job-outcome condition shown by `latest`, the newest decisive job of
//! its schedule × group; nullopt when it worked (or its rule is off).
std::optional<Condition> EvaluateJobOutcome(const store::Job& latest, const SubjectNames& names,
                                            const RuleSet& rules);

}  // namespace rmgr::server::alerts

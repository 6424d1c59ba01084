#include "server/alerts/alert_lifecycle.h"

#include <boost/json.hpp>
#include <map>
#include <utility>

#include "server/scheduling/job_queries.h"

namespace rmgr::server::alerts {
namespace {

using store::Alert;
using store::AlertState;

constexpr auto kMaxSilence = std::chrono::days(90);

boost::json::object Detail(const Alert& alert) {
  boost::json::object detail{{"kind", ToString(alert.kind)},   {"severity", ToString(alert.severity)},
                             {"state", ToString(alert.state)}, {"host_id", alert.host_id},
                             {"subject", alert.subject},       {"reason", alert.reason}};
  if (alert.schedule_id) detail["schedule_id"] = *alert.schedule_id;
  if (alert.job_id) detail["job_id"] = *alert.job_id;
  return detail;
}

Result<void> AuditSystem(store::WriteTx& tx, const Alert& alert, std::string action) {
  auto logged = tx.AppendAudit(scheduling::SystemAudit(store::ActorKind::kSystem, "alerts", std::move(action),
                                                       "alert", alert.id, Detail(alert)));
  if (!logged.ok()) return logged.error();
  return Ok();
}

Result<void> AuditActor(store::WriteTx& tx, const Alert& alert, const Actor& actor, std::string action,
                        boost::json::object extra = {}) {
  store::AuditEntry entry;
  entry.actor_kind = actor.kind;
  entry.actor_id = actor.id;
  entry.source_addr = actor.source_addr;
  entry.action = std::move(action);
  entry.target_kind = "alert";
  entry.target_id = alert.id;
  boost::json::object detail = Detail(alert);
  for (auto& [key, value] : extra) detail[key] = value;
  entry.detail_json = boost::json::serialize(detail);
  auto logged = tx.AppendAudit(entry);
  if (!logged.ok()) return logged.error();
  return Ok();
}

//! Queues a notice and stamps the alert as notified.
Result<void> Notify(store::WriteTx& tx, AlertNoticeSink* sink, NoticeEvent event, Alert& alert,
                    TimePoint now) {
  alert.last_notified_at = now;
  alert.notify_count += 1;
  if (sink == nullptr) return Ok();
  return sink->Enqueue(tx, AlertNotice{event, alert});
}

Alert FromCondition(const Condition& c, TimePoint now) {
  Alert alert;
  alert.kind = c.kind;
  alert.severity = c.severity;
  alert.state = AlertState::kFiring;
  alert.subject_key = c.subject_key;
  alert.host_id = c.host_id;
  alert.host_name = c.host_name;
  alert.schedule_id = c.schedule_id;
  alert.source_group_id = c.source_group_id;
  alert.repository_id = c.repository_id;
  alert.job_id = c.job_id;
  alert.subject = c.subject;
  alert.reason = c.reason;
  alert.started_at = now;
  alert.updated_at = now;
  return alert;
}

//! Copies what a condition says into its alert; true when something changed.
bool Refresh(Alert& alert, const Condition& c) {
  const bool same = alert.severity == c.severity && alert.host_name == c.host_name &&
                    alert.subject == c.subject && alert.reason == c.reason && alert.job_id == c.job_id &&
                    alert.schedule_id == c.schedule_id && alert.source_group_id == c.source_group_id &&
                    alert.repository_id == c.repository_id;
  if (same) return false;
  alert.severity = c.severity;
  alert.host_name = c.host_name;
  alert.subject = c.subject;
  alert.reason = c.reason;
  alert.job_id = c.job_id;
  alert.schedule_id = c.schedule_id;
  alert.source_group_id = c.source_group_id;
  alert.repository_id = c.repository_id;
  return true;
}

Result<Alert> LoadOpen(store::WriteTx& tx, std::string_view alert_id) {
  auto alert = tx.GetAlert(alert_id);
  if (!alert.ok()) return alert.error();
  if (alert->state == AlertState::kResolved) {
    return MakeError(ErrorCode::kConflict, "the alert is resolved", "state");
  }
  return alert;
}

//! Where a silence ends: acknowledged when an operator took it before, else firing.
AlertState AfterSilence(const Alert& alert) {
  return alert.acknowledged_at ? AlertState::kAcknowledged : AlertState::kFiring;
}

}  // namespace

Result<LifecycleResult> Reconcile(store::WriteTx& tx, AlertNoticeSink* sink,
                                  const std::vector<Condition>& desired, const std::vector<Alert>& scope,
                                  TimePoint now) {
  LifecycleResult result;
  std::map<std::pair<store::AlertKind, std::string>, const Condition*> wanted;
  for (const auto& condition : desired) wanted[{condition.kind, condition.subject_key}] = &condition;

  for (Alert alert : scope) {
    if (alert.state == AlertState::kResolved) continue;
    const auto match = wanted.find({alert.kind, alert.subject_key});
    if (match != wanted.end()) {
      const Condition& condition = *match->second;
      wanted.erase(match);
      if (!Refresh(alert, condition)) continue;
      alert.updated_at = now;
      auto stored = tx.UpdateAlert(alert);
      if (!stored.ok()) return stored.error();
      result.changed.push_back(std::move(*stored));
      continue;
    }
    // Told it fired, told it cleared — unless an operator silenced it.
    const bool told = alert.notify_count > 0 && alert.state != AlertState::kSilenced;
    alert.state = AlertState::kResolved;
    alert.resolved_at = now;
    alert.updated_at = now;
    if (told) {
      if (auto queued = Notify(tx, sink, NoticeEvent::kResolved, alert, now); !queued.ok())
        return queued.error();
    }
    auto stored = tx.UpdateAlert(alert);
    if (!stored.ok()) return stored.error();
    if (auto logged = AuditSystem(tx, *stored, "alert.resolve"); !logged.ok()) return logged.error();
    result.changed.push_back(std::move(*stored));
    ++result.resolved;
  }

  // What is left has no unresolved alert: each fires one. Iterate in the
  // order the rules produced them (the map would sort by kind).
  for (const auto& condition : desired) {
    if (!wanted.contains({condition.kind, condition.subject_key})) continue;
    wanted.erase({condition.kind, condition.subject_key});
    if (!condition.may_open) continue;
    Alert alert = FromCondition(condition, now);
    auto inserted = tx.InsertAlert(alert);
    if (!inserted.ok()) return inserted.error();
    alert = std::move(*inserted);
    if (auto queued = Notify(tx, sink, NoticeEvent::kFiring, alert, now); !queued.ok()) return queued.error();
    auto stored = tx.UpdateAlert(alert);
    if (!stored.ok()) return stored.error();
    if (auto logged = AuditSystem(tx, *stored, "alert.fire"); !logged.ok()) return logged.error();
    result.changed.push_back(std::move(*stored));
    ++result.fired;
  }
  return result;
}

Result<LifecycleResult> Tick(store::WriteTx& tx, AlertNoticeSink* sink, const std::vector<Alert>& open,
                             const RuleSet& rules, TimePoint now) {
  LifecycleResult result;
  for (Alert alert : open) {
    bool changed = false;
    if (alert.state == AlertState::kSilenced && alert.silenced_until && *alert.silenced_until <= now) {
      alert.state = AfterSilence(alert);
      alert.updated_at = now;
      changed = true;
      if (auto logged = AuditSystem(tx, alert, "alert.silence_end"); !logged.ok()) return logged.error();
    }
    const auto renotify = rules.Of(alert.kind).renotify;
    if (alert.state == AlertState::kFiring && renotify.count() > 0 &&
        alert.last_notified_at.value_or(alert.started_at) + renotify <= now) {
      // A silence that hid the first notice makes this the first one.
      const NoticeEvent event = alert.notify_count == 0 ? NoticeEvent::kFiring : NoticeEvent::kReminder;
      if (auto queued = Notify(tx, sink, event, alert, now); !queued.ok()) return queued.error();
      if (auto logged = AuditSystem(tx, alert, "alert.remind"); !logged.ok()) return logged.error();
      changed = true;
      ++result.reminded;
    }
    if (!changed) continue;
    auto stored = tx.UpdateAlert(alert);
    if (!stored.ok()) return stored.error();
    result.changed.push_back(std::move(*stored));
  }
  return result;
}

Result<Alert> Acknowledge(store::WriteTx& tx, std::string_view alert_id, const Actor& actor, TimePoint now) {
  auto alert = LoadOpen(tx, alert_id);
  if (!alert.ok()) return alert.error();
  if (alert->state == AlertState::kAcknowledged) return alert;
  alert->acknowledged_at = now;
  alert->acknowledged_by = actor.id;
  // Acknowledging a silenced alert keeps the silence; it ends in acknowledged.
  if (alert->state == AlertState::kFiring) alert->state = AlertState::kAcknowledged;
  alert->updated_at = now;
  auto stored = tx.UpdateAlert(*alert);
  if (!stored.ok()) return stored.error();
  if (auto logged = AuditActor(tx, *stored, actor, "alert.acknowledge"); !logged.ok()) return logged.error();
  return stored;
}

Result<Alert> Silence(store::WriteTx& tx, std::string_view alert_id, TimePoint until, const Actor& actor,
                      TimePoint now) {
  if (until <= now)
    return MakeError(ErrorCode::kInvalidArgument, "a silence must end in the future", "until");
  if (until > now + kMaxSilence) {
    return MakeError(ErrorCode::kInvalidArgument, "a silence may last at most 90 days", "until");
  }
  auto alert = LoadOpen(tx, alert_id);
  if (!alert.ok()) return alert.error();
  alert->state = AlertState::kSilenced;
  alert->silenced_until = until;
  alert->silenced_by = actor.id;
  alert->updated_at = now;
  auto stored = tx.UpdateAlert(*alert);
  if (!stored.ok()) return stored.error();
  if (auto logged = AuditActor(tx, *stored, actor, "alert.silence", {{"until", FormatRfc3339Utc(until)}});
      !logged.ok()) {
    return logged.error();
  }
  return stored;
}

Result<Alert> Unsilence(store::WriteTx& tx, std::string_view alert_id, const Actor& actor, TimePoint now) {
  auto alert = LoadOpen(tx, alert_id);
  if (!alert.ok()) return alert.error();
  if (alert->state != AlertState::kSilenced) {
    return MakeError(ErrorCode::kConflict, "the alert is not silenced", "state");
  }
  alert->state = AfterSilence(*alert);
  alert->silenced_until = std::nullopt;
  alert->silenced_by = std::nullopt;
  alert->updated_at = now;
  auto stored = tx.UpdateAlert(*alert);
  if (!stored.ok()) return stored.error();
  if (auto logged = AuditActor(tx, *stored, actor, "alert.unsilence"); !logged.ok()) return logged.error();
  return stored;
}

}  // namespace rmgr::server::alerts

// SqliteTx: alerts and alert rules, and the job-outcome reads the alert
// engine's rules are computed from (the bulk ListAll* reads live in their
// area's file, beside their row mappers).
#include <string>

#include "common/util/ulid.h"
#include "server/store/page_cursor.h"
#include "server/store/sqlite/sqlite_tx.h"

namespace rmgr::store::sqlite {
namespace {

constexpr std::string_view kAlertListing = "alerts";

constexpr std::string_view kSelectAlerts =
    "SELECT id, kind, severity, state, subject_key, host_id, host_name, schedule_id, source_group_id,"
    " repository_id, job_id, subject, reason, started_at, updated_at, resolved_at, acknowledged_at,"
    " acknowledged_by, silenced_until, silenced_by, last_notified_at, notify_count FROM alerts";

Alert MapAlert(Row& row) {
  Alert alert;
  alert.id = row.Text(0);
  alert.kind = row.Enum<AlertKind>(1);
  alert.severity = row.Enum<AlertSeverity>(2);
  alert.state = row.Enum<AlertState>(3);
  alert.subject_key = row.Text(4);
  alert.host_id = row.Text(5);
  alert.host_name = row.Text(6);
  alert.schedule_id = row.OptText(7);
  alert.source_group_id = row.OptText(8);
  alert.repository_id = row.OptText(9);
  alert.job_id = row.OptText(10);
  alert.subject = row.Text(11);
  alert.reason = row.Text(12);
  alert.started_at = row.Time(13);
  alert.updated_at = row.Time(14);
  alert.resolved_at = row.OptTime(15);
  alert.acknowledged_at = row.OptTime(16);
  alert.acknowledged_by = row.OptText(17);
  alert.silenced_until = row.OptTime(18);
  alert.silenced_by = row.OptText(19);
  alert.last_notified_at = row.OptTime(20);
  alert.notify_count = row.Int(21);
  return alert;
}

//! Longest subject and reason kept: a line for operators, never a log.
constexpr size_t kMaxTextBytes = 1024;

Result<void> ValidateAlert(const Alert& alert) {
  if (alert.subject_key.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "an alert needs a subject key", "subject_key");
  }
  if (alert.host_id.empty())
    return MakeError(ErrorCode::kInvalidArgument, "an alert needs a host", "host_id");
  if (alert.subject.size() > kMaxTextBytes || alert.reason.size() > kMaxTextBytes) {
    return MakeError(ErrorCode::kInvalidArgument, "an alert's subject or reason is longer than 1024 bytes",
                     "reason");
  }
  return Ok();
}

}  // namespace

Result<Alert> SqliteTx::GetAlert(std::string_view id) {
  static const std::string kSql = JoinSql(kSelectAlerts, " WHERE id = ?");
  return QueryOne<Alert>(conn_, "alert", kSql, MapAlert, id);
}

Result<Page<Alert>> SqliteTx::ListAlerts(const AlertFilter& filter, const PageRequest& page) {
  const int limit = ClampPageLimit(page.limit);
  SqlFilter where;
  if (!filter.states.empty()) {
    std::string in = "state IN (";
    for (size_t i = 0; i < filter.states.size(); ++i) in += i == 0 ? "?" : ", ?";
    in += ")";
    where.And(in);  // its values follow at once, in `?` order
    for (AlertState state : filter.states) where.values().emplace_back(std::string(ToString(state)));
  }
  if (filter.kind) where.And("kind = ?", std::string(ToString(*filter.kind)));
  if (filter.host_id) where.And("host_id = ?", *filter.host_id);
  if (filter.schedule_id) where.And("schedule_id = ?", *filter.schedule_id);
  if (!page.cursor.empty()) {
    auto after = DecodeCursor(page.cursor, kAlertListing, 2);
    if (!after.ok()) return after.error();
    auto started_ms = CursorInt((*after)[0]);
    if (!started_ms.ok()) return started_ms.error();
    where.And("(started_at, id) < (?, ?)", *started_ms, std::move((*after)[1]));
  }
  where.values().emplace_back(int64_t{limit} + 1);
  const std::string sql = JoinSql(kSelectAlerts, where.sql() + " ORDER BY started_at DESC, id DESC LIMIT ?");
  auto rows = QueryAllBound<Alert>(conn_, sql, where.values(), MapAlert);
  if (!rows.ok()) return rows.error();
  return MakePage(std::move(*rows), limit, kAlertListing, [](const Alert& alert) {
    return std::vector<std::string>{std::to_string(ToUnixMs(alert.started_at)), alert.id};
  });
}

Result<std::vector<Alert>> SqliteTx::ListOpenAlerts(const std::optional<std::string>& host_id) {
  static const std::string kAll =
      JoinSql(kSelectAlerts, " WHERE state <> 'resolved' ORDER BY started_at, id");
  static const std::string kHost =
      JoinSql(kSelectAlerts, " WHERE state <> 'resolved' AND host_id = ? ORDER BY started_at, id");
  if (host_id) return QueryAll<Alert>(conn_, kHost, MapAlert, *host_id);
  return QueryAll<Alert>(conn_, kAll, MapAlert);
}

Result<std::vector<AlertCount>> SqliteTx::CountOpenAlerts() {
  return QueryAll<AlertCount>(conn_,
                              "SELECT kind, state, severity, count(*) FROM alerts WHERE state <> 'resolved'"
                              " GROUP BY kind, state, severity ORDER BY kind, state, severity",
                              [](Row& row) {
                                return AlertCount{row.Enum<AlertKind>(0), row.Enum<AlertState>(1),
                                                  row.Enum<AlertSeverity>(2), row.Int(3)};
                              });
}

Result<std::vector<AlertRule>> SqliteTx::ListAlertRules() {
  return QueryAll<AlertRule>(
      conn_, "SELECT kind, enabled, params, updated_at FROM alert_rules ORDER BY kind", [](Row& row) {
        return AlertRule{row.Enum<AlertKind>(0), row.Bool(1), row.Text(2), row.Time(3)};
      });
}

Result<std::vector<JobSubject>> SqliteTx::ListJobSubjectsFinishedSince(TimePoint since) {
  // created_at bounds the scan through jobs_created: a job finishes after it
  // is created, and no job runs longer than a week (max runtime's ceiling).
  return QueryAll<JobSubject>(
      conn_,
      "SELECT DISTINCT schedule_id, COALESCE(source_group_id, '') FROM jobs"
      " WHERE created_at >= ? AND finished_at >= ? AND schedule_id IS NOT NULL"
      " ORDER BY 1, 2",
      [](Row& row) {
        return JobSubject{row.Text(0), row.Text(1)};
      },
      since - std::chrono::days(8), since);
}

Result<std::vector<LockStreak>> SqliteTx::ListLockStreaks(TimePoint since) {
  // Lock failures are few: start from them (jobs_status_created) and keep
  // those with no later decisive job that was not a lock failure.
  return QueryAll<LockStreak>(
      conn_,
      "SELECT j.host_id, j.repository_id, MIN(j.finished_at), COUNT(*), MAX(j.finished_at) FROM jobs j"
      " WHERE j.status = 'failed' AND j.error_kind = 'repository_locked' AND j.repository_id IS NOT NULL"
      " AND j.created_at >= ? AND j.finished_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM jobs k"
      " WHERE k.host_id = j.host_id AND k.repository_id = j.repository_id AND k.finished_at > j.finished_at"
      " AND k.status IN ('succeeded', 'partial', 'failed', 'lost')"
      " AND NOT (k.status = 'failed' AND k.error_kind = 'repository_locked'))"
      " GROUP BY j.host_id, j.repository_id HAVING MAX(j.finished_at) >= ? ORDER BY j.host_id, "
      "j.repository_id",
      [](Row& row) {
        LockStreak streak;
        streak.host_id = row.Text(0);
        streak.repository_id = row.Text(1);
        streak.since = row.Time(2);
        streak.jobs = row.Int(3);
        return streak;
      },
      since - std::chrono::days(8), since);
}

Result<Alert> SqliteTx::InsertAlert(const Alert& alert) {
  if (auto valid = ValidateAlert(alert); !valid.ok()) return valid.error();
  const std::string id = alert.id.empty() ? NewUlid(Now()) : alert.id;
  auto inserted = Execute(
      conn_,
      "INSERT INTO alerts (id, kind, severity, state, subject_key, host_id, host_name, schedule_id,"
      " source_group_id, repository_id, job_id, subject, reason, started_at, updated_at, resolved_at,"
      " acknowledged_at, acknowledged_by, silenced_until, silenced_by, last_notified_at, notify_count)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      id, alert.kind, alert.severity, alert.state, alert.subject_key, alert.host_id, alert.host_name,
      alert.schedule_id, alert.source_group_id, alert.repository_id, alert.job_id, alert.subject,
      alert.reason, TruncateToMs(alert.started_at), TruncateToMs(alert.updated_at), alert.resolved_at,
      alert.acknowledged_at, alert.acknowledged_by, alert.silenced_until, alert.silenced_by,
      alert.last_notified_at, alert.notify_count);
  if (!inserted.ok()) {
    if (inserted.error().code == ErrorCode::kConflict) {
      return MakeError(ErrorCode::kConflict, "an unresolved alert of this kind exists for this subject",
                       "subject_key");
    }
    return inserted.error();
  }
  return GetAlert(id);
}

Result<Alert> SqliteTx::UpdateAlert(const Alert& alert) {
  if (auto valid = ValidateAlert(alert); !valid.ok()) return valid.error();
  auto changed =
      Execute(conn_,
              "UPDATE alerts SET severity = ?, state = ?, host_id = ?, host_name = ?, schedule_id = ?,"
              " source_group_id = ?, repository_id = ?, job_id = ?, subject = ?, reason = ?,"
              " updated_at = ?, resolved_at = ?, acknowledged_at = ?, acknowledged_by = ?,"
              " silenced_until = ?, silenced_by = ?, last_notified_at = ?, notify_count = ?"
              " WHERE id = ?",
              alert.severity, alert.state, alert.host_id, alert.host_name, alert.schedule_id,
              alert.source_group_id, alert.repository_id, alert.job_id, alert.subject, alert.reason,
              TruncateToMs(alert.updated_at), alert.resolved_at, alert.acknowledged_at, alert.acknowledged_by,
              alert.silenced_until, alert.silenced_by, alert.last_notified_at, alert.notify_count, alert.id);
  if (auto found = RequireChanged(changed, "alert"); !found.ok()) return found.error();
  return GetAlert(alert.id);
}

Result<AlertRule> SqliteTx::PutAlertRule(const AlertRule& rule) {
  const TimePoint now = Now();
  auto written =
      Execute(conn_,
              "INSERT INTO alert_rules (kind, enabled, params, updated_at) VALUES (?, ?, ?, ?)"
              " ON CONFLICT (kind) DO UPDATE SET enabled = excluded.enabled, params = excluded.params,"
              " updated_at = excluded.updated_at",
              rule.kind, rule.enabled, rule.params_json, now);
  if (!written.ok()) return written.error();
  AlertRule stored = rule;
  stored.updated_at = now;
  return stored;
}

}  // namespace rmgr::store::sqlite

// SqliteTx: schedules (each change bumps the host's canonical schedule
// version in the same transaction), their group state and pending runs.
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "common/util/ulid.h"
#include "server/store/page_cursor.h"
#include "server/store/sqlite/sqlite_tx.h"

namespace rmgr::store::sqlite {
namespace {

constexpr std::string_view kScheduleListing = "schedules";

constexpr std::string_view kSelectSchedules =
    "SELECT id, host_id, name, kind, cron, timezone, repository_id, retention, options, pre_hook, post_hook,"
    " hook_timeout_s, enabled, jitter_s, created_at, updated_at, max_runtime_s FROM schedules";

Schedule MapSchedule(Row& row) {
  Schedule schedule;
  schedule.id = row.Text(0);
  schedule.host_id = row.Text(1);
  schedule.name = row.Text(2);
  schedule.kind = row.Enum<JobKind>(3);
  schedule.cron = row.Text(4);
  schedule.timezone = row.Text(5);
  schedule.repository_id = row.Text(6);
  schedule.retention_json = row.Text(7);
  schedule.options_json = row.Text(8);
  schedule.pre_hook = row.Text(9);
  schedule.post_hook = row.Text(10);
  schedule.hook_timeout = row.Seconds(11);
  schedule.enabled = row.Bool(12);
  schedule.jitter = row.Seconds(13);
  schedule.created_at = row.Time(14);
  schedule.updated_at = row.Time(15);
  schedule.max_runtime = row.Seconds(16);
  return schedule;
}

Result<void> ValidateSchedule(const Schedule& schedule) {
  if (schedule.name.empty()) return MakeError(ErrorCode::kInvalidArgument, "name must not be empty", "name");
  const std::set<std::string> unique(schedule.source_group_ids.begin(), schedule.source_group_ids.end());
  if (unique.size() != schedule.source_group_ids.size()) {
    return MakeError(ErrorCode::kInvalidArgument, "a source group is listed twice", "source_group_ids");
  }
  if (schedule.max_runtime.count() < 0) {
    return MakeError(ErrorCode::kInvalidArgument, "max runtime must not be negative", "max_runtime_seconds");
  }
  return Ok();
}

//! A schedule's link to one of its groups.
using Link = std::pair<std::string, std::string>;

Link MapLink(Row& row) {
  return Link{row.Text(0), row.Text(1)};
}

//! Gives each schedule its groups from links ordered by schedule, then position.
void AttachGroups(std::vector<Schedule>& schedules, std::vector<Link> links) {
  std::map<std::string, std::vector<std::string>> by_schedule;
  for (auto& [schedule_id, group_id] : links) by_schedule[schedule_id].push_back(std::move(group_id));
  for (auto& schedule : schedules) schedule.source_group_ids = std::move(by_schedule[schedule.id]);
}

ScheduleGroupState MapGroupState(Row& row) {
  return ScheduleGroupState{row.Text(0), row.Text(1), row.OptTime(2), row.OptText(3),
                            row.OptEnum<JobStatus>(4)};
}

}  // namespace

Result<Schedule> SqliteTx::GetSchedule(std::string_view host_id, std::string_view id) {
  static const std::string kSql = JoinSql(kSelectSchedules, " WHERE id = ? AND host_id = ?");
  auto schedule = QueryOne<Schedule>(conn_, "schedule", kSql, MapSchedule, id, host_id);
  if (!schedule.ok()) return schedule;
  auto groups = QueryAll<std::string>(
      conn_, "SELECT source_group_id FROM schedule_source_groups WHERE schedule_id = ? ORDER BY position",
      [](Row& row) { return row.Text(0); }, id);
  if (!groups.ok()) return groups.error();
  schedule->source_group_ids = std::move(*groups);
  return schedule;
}

Result<std::vector<Schedule>> SqliteTx::ListSchedulesByHost(std::string_view host_id) {
  static const std::string kSql = JoinSql(kSelectSchedules, " WHERE host_id = ? ORDER BY name");
  auto schedules = QueryAll<Schedule>(conn_, kSql, MapSchedule, host_id);
  if (!schedules.ok()) return schedules;
  auto links =
      QueryAll<Link>(conn_,
                     "SELECT schedule_id, source_group_id FROM schedule_source_groups WHERE host_id = ?"
                     " ORDER BY schedule_id, position",
                     MapLink, host_id);
  if (!links.ok()) return links.error();
  AttachGroups(*schedules, std::move(*links));
  return schedules;
}

Result<std::vector<Schedule>> SqliteTx::ListAllSchedules() {
  static const std::string kSql = JoinSql(kSelectSchedules, " ORDER BY host_id, name");
  auto schedules = QueryAll<Schedule>(conn_, kSql, MapSchedule);
  if (!schedules.ok()) return schedules;
  auto links = QueryAll<Link>(
      conn_, "SELECT schedule_id, source_group_id FROM schedule_source_groups ORDER BY schedule_id, position",
      MapLink);
  if (!links.ok()) return links.error();
  AttachGroups(*schedules, std::move(*links));
  return schedules;
}

Result<std::vector<ScheduleGroupState>> SqliteTx::ListAllScheduleGroupStates() {
  return QueryAll<ScheduleGroupState>(
      conn_,
      "SELECT schedule_id, source_group_id, last_success_at, last_job_id, last_status"
      " FROM schedule_group_state ORDER BY schedule_id, source_group_id",
      MapGroupState);
}

Result<Schedule> SqliteTx::GetScheduleById(std::string_view id) {
  auto host_id = QueryOne<std::string>(
      conn_, "schedule", "SELECT host_id FROM schedules WHERE id = ?", [](Row& row) { return row.Text(0); },
      id);
  if (!host_id.ok()) return host_id.error();
  return GetSchedule(*host_id, id);
}

Result<Page<Schedule>> SqliteTx::ListSchedulesPage(const std::optional<std::string>& host_id,
                                                   const PageRequest& page) {
  const int limit = ClampPageLimit(page.limit);
  SqlFilter where;
  if (host_id) where.And("host_id = ?", *host_id);
  if (!page.cursor.empty()) {
    auto after = DecodeCursor(page.cursor, kScheduleListing, 2);
    if (!after.ok()) return after.error();
    where.And("(name, id) > (?, ?)", std::move((*after)[0]), std::move((*after)[1]));
  }
  where.values().emplace_back(int64_t{limit} + 1);
  const std::string sql = JoinSql(kSelectSchedules, where.sql() + " ORDER BY name, id LIMIT ?");
  auto rows = QueryAllBound<Schedule>(conn_, sql, where.values(), MapSchedule);
  if (!rows.ok()) return rows.error();
  Page<Schedule> result = MakePage(std::move(*rows), limit, kScheduleListing, [](const Schedule& schedule) {
    return std::vector<std::string>{schedule.name, schedule.id};
  });
  // The page's group links in one query: its ids go in as one JSON array.
  std::vector<std::string> ids;
  ids.reserve(result.items.size());
  for (const auto& schedule : result.items) ids.push_back(schedule.id);
  using Link = std::pair<std::string, std::string>;
  auto links = QueryAll<Link>(
      conn_,
      "SELECT schedule_id, source_group_id FROM schedule_source_groups"
      " WHERE schedule_id IN (SELECT value FROM json_each(?)) ORDER BY schedule_id, position",
      [](Row& row) {
        return Link{row.Text(0), row.Text(1)};
      },
      EncodeStringList(ids));
  if (!links.ok()) return links.error();
  std::map<std::string, std::vector<std::string>> by_schedule;
  for (auto& [schedule_id, group_id] : *links) by_schedule[schedule_id].push_back(std::move(group_id));
  for (auto& schedule : result.items) schedule.source_group_ids = std::move(by_schedule[schedule.id]);
  return result;
}

Result<ScheduleChange> SqliteTx::CreateSchedule(const Schedule& schedule) {
  if (auto valid = ValidateSchedule(schedule); !valid.ok()) return valid.error();
  const TimePoint now = Now();
  Schedule stored = schedule;
  if (stored.id.empty()) stored.id = NewUlid(now);
  auto inserted = Execute(
      conn_,
      "INSERT INTO schedules (id, host_id, name, kind, cron, timezone, repository_id, retention,"
      " options, pre_hook, post_hook, hook_timeout_s, enabled, jitter_s, created_at,"
      " updated_at, max_runtime_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      stored.id, stored.host_id, stored.name, stored.kind, stored.cron, stored.timezone, stored.repository_id,
      stored.retention_json, stored.options_json, stored.pre_hook, stored.post_hook, stored.hook_timeout,
      stored.enabled, stored.jitter, now, now, stored.max_runtime);
  if (!inserted.ok()) return inserted.error();
  return FinishScheduleWrite(stored);
}

Result<ScheduleChange> SqliteTx::UpdateSchedule(const Schedule& schedule) {
  if (auto valid = ValidateSchedule(schedule); !valid.ok()) return valid.error();
  auto changed =
      Execute(conn_,
              "UPDATE schedules SET name = ?, kind = ?, cron = ?, timezone = ?, repository_id = ?,"
              " retention = ?, options = ?, pre_hook = ?, post_hook = ?, hook_timeout_s = ?,"
              " enabled = ?, jitter_s = ?, max_runtime_s = ?, updated_at = ? WHERE id = ? AND host_id = ?",
              schedule.name, schedule.kind, schedule.cron, schedule.timezone, schedule.repository_id,
              schedule.retention_json, schedule.options_json, schedule.pre_hook, schedule.post_hook,
              schedule.hook_timeout, schedule.enabled, schedule.jitter, schedule.max_runtime, Now(),
              schedule.id, schedule.host_id);
  if (auto found = RequireChanged(changed, "schedule"); !found.ok()) return found.error();
  return FinishScheduleWrite(schedule);
}

Result<int64_t> SqliteTx::DeleteSchedule(std::string_view host_id, std::string_view id) {
  auto deleted = Execute(conn_, "DELETE FROM schedules WHERE id = ? AND host_id = ?", id, host_id);
  if (auto found = RequireChanged(deleted, "schedule"); !found.ok()) return found.error();
  return BumpHostScheduleVersion(host_id);
}

Result<ScheduleChange> SqliteTx::FinishScheduleWrite(const Schedule& schedule) {
  auto cleared = Execute(conn_, "DELETE FROM schedule_source_groups WHERE schedule_id = ?", schedule.id);
  if (!cleared.ok()) return cleared.error();
  int64_t position = 0;
  for (const auto& group_id : schedule.source_group_ids) {
    // The composite foreign key rejects a group of another host (kConstraint).
    auto linked =
        Execute(conn_,
                "INSERT INTO schedule_source_groups (schedule_id, host_id, source_group_id, position)"
                " VALUES (?, ?, ?, ?)",
                schedule.id, schedule.host_id, group_id, position++);
    if (!linked.ok()) return linked.error();
  }
  auto version = BumpHostScheduleVersion(schedule.host_id);
  if (!version.ok()) return version.error();
  auto reread = GetSchedule(schedule.host_id, schedule.id);
  if (!reread.ok()) return reread.error();
  return ScheduleChange{std::move(*reread), *version};
}

Result<std::vector<ScheduleGroupState>> SqliteTx::ListScheduleGroupStates(std::string_view host_id) {
  return QueryAll<ScheduleGroupState>(
      conn_,
      "SELECT g.schedule_id, g.source_group_id, g.last_success_at, g.last_job_id, g.last_status"
      " FROM schedule_group_state g JOIN schedules s ON s.id = g.schedule_id WHERE s.host_id = ?"
      " ORDER BY g.schedule_id, g.source_group_id",
      MapGroupState, host_id);
}

// --------------------------------------------------------- pending runs --

Result<std::vector<PendingRun>> SqliteTx::ListPendingRuns(std::string_view host_id) {
  return QueryAll<PendingRun>(
      conn_,
      "SELECT schedule_id, host_id, requested_at, scheduled_at FROM pending_runs WHERE host_id = ?"
      " ORDER BY requested_at, schedule_id",
      [](Row& row) {
        return PendingRun{row.Text(0), row.Text(1), row.Time(2), row.Time(3)};
      },
      host_id);
}

Result<std::optional<TimePoint>> SqliteTx::UpsertPendingRun(const PendingRun& run) {
  auto previous = QueryAll<TimePoint>(
      conn_, "SELECT scheduled_at FROM pending_runs WHERE schedule_id = ?",
      [](Row& row) { return row.Time(0); }, run.schedule_id);
  if (!previous.ok()) return previous.error();
  // Coalesce: keep the first request time (queue order) and the latest slot.
  auto upserted = Execute(conn_,
                          "INSERT INTO pending_runs (schedule_id, host_id, requested_at, scheduled_at)"
                          " VALUES (?, ?, ?, ?) ON CONFLICT (schedule_id) DO UPDATE SET"
                          " scheduled_at = MAX(pending_runs.scheduled_at, excluded.scheduled_at)",
                          run.schedule_id, run.host_id, run.requested_at, run.scheduled_at);
  if (!upserted.ok()) return upserted.error();
  if (previous->empty() || previous->front() == run.scheduled_at) return std::optional<TimePoint>{};
  return std::optional<TimePoint>{std::min(previous->front(), run.scheduled_at)};
}

Result<void> SqliteTx::DeletePendingRun(std::string_view schedule_id) {
  return RequireChanged(Execute(conn_, "DELETE FROM pending_runs WHERE schedule_id = ?", schedule_id),
                        "pending run");
}

}  // namespace rmgr::store::sqlite

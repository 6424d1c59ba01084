// SqliteTx: the window record — window notes, host presence history and
// server runs, and the one read that gathers a schedule's record for a range.
#include <string>

#include "server/store/sqlite/sqlite_tx.h"

namespace rmgr::store::sqlite {
namespace {

constexpr std::string_view kSelectServerRuns = "SELECT id, started_at, last_alive_at, stopped_at FROM server_runs";

ServerRun MapServerRun(Row& row) {
  return ServerRun{row.Int(0), row.Time(1), row.Time(2), row.OptTime(3)};
}

WindowNote MapNote(Row& row) {
  WindowNote note;
  note.schedule_id = row.Text(0);
  note.source_group_id = row.Text(1);
  note.slot = row.Time(2);
  note.kind = row.Enum<WindowNoteKind>(3);
  note.reason = row.Text(4);
  note.recorded_at = row.Time(5);
  return note;
}

//! Largest reason kept: one line for operators, never a log.
constexpr size_t kMaxReasonBytes = 512;

}  // namespace

Result<void> SqliteTx::RecordWindowNote(const WindowNote& note) {
  if (note.schedule_id.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "a window note needs a schedule", "schedule_id");
  }
  if (note.reason.size() > kMaxReasonBytes) {
    return MakeError(ErrorCode::kInvalidArgument, "a window note's reason is longer than 512 bytes", "reason");
  }
  auto written = Execute(conn_,
                         "INSERT INTO window_notes (schedule_id, source_group_id, slot, kind, reason, recorded_at)"
                         " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (schedule_id, source_group_id, slot) DO UPDATE SET"
                         " kind = excluded.kind, reason = excluded.reason, recorded_at = excluded.recorded_at",
                         note.schedule_id, note.source_group_id, TruncateToMs(note.slot), note.kind, note.reason,
                         Now());
  if (!written.ok()) return written.error();
  return Ok();
}

Result<void> SqliteTx::RecordPresence(std::string_view host_id, bool connected, TimePoint at) {
  if (!connected) {
    auto closed = Execute(conn_,
                          "UPDATE host_presence SET disconnected_at = MAX(connected_at, ?)"
                          " WHERE host_id = ? AND disconnected_at IS NULL",
                          at, host_id);
    if (!closed.ok()) return closed.error();
    return Ok();
  }
  // A repeated "connected" (hello after the upgrade, a connection replacing
  // another) keeps the open interval: the agent has been there all along.
  auto opened = Execute(conn_,
                        "INSERT INTO host_presence (host_id, connected_at) SELECT ?, ? WHERE NOT EXISTS"
                        " (SELECT 1 FROM host_presence WHERE host_id = ? AND disconnected_at IS NULL)",
                        host_id, at, host_id);
  if (!opened.ok()) return opened.error();
  if (*opened == 0) return Ok();
  auto pruned = Execute(conn_, "DELETE FROM host_presence WHERE host_id = ? AND disconnected_at < ?", host_id,
                        Now() - kWindowHistoryKeep);
  if (!pruned.ok()) return pruned.error();
  return Ok();
}

Result<ServerRun> SqliteTx::StartServerRun() {
  const TimePoint now = Now();
  // The previous run ended without closing its hosts' intervals: they were
  // last heard of at last_seen_at (the sweep refreshes it while connected).
  auto closed = Execute(conn_,
                        "UPDATE host_presence SET disconnected_at = MIN(?, MAX(connected_at,"
                        " COALESCE((SELECT last_seen_at FROM hosts WHERE hosts.id = host_presence.host_id),"
                        " connected_at))) WHERE disconnected_at IS NULL",
                        now);
  if (!closed.ok()) return closed.error();
  // Nor is any agent connected to a run that is only starting (a killed run
  // never marked its hosts disconnected).
  if (auto reset = Execute(conn_, "UPDATE hosts SET connected = 0 WHERE connected = 1"); !reset.ok()) {
    return reset.error();
  }
  const TimePoint oldest = now - kWindowHistoryKeep;
  if (auto pruned = Execute(conn_, "DELETE FROM host_presence WHERE disconnected_at < ?", oldest); !pruned.ok()) {
    return pruned.error();
  }
  auto old_runs = Execute(conn_, "DELETE FROM server_runs WHERE COALESCE(stopped_at, last_alive_at) < ?", oldest);
  if (!old_runs.ok()) return old_runs.error();
  static const std::string kInsert =
      "INSERT INTO server_runs (started_at, last_alive_at) VALUES (?, ?) RETURNING id, started_at, last_alive_at,"
      " stopped_at";
  return QueryOne<ServerRun>(conn_, "server run", kInsert, MapServerRun, now, now);
}

Result<void> SqliteTx::TouchServerRun(int64_t id) {
  return RequireChanged(
      Execute(conn_, "UPDATE server_runs SET last_alive_at = MAX(last_alive_at, ?) WHERE id = ?", Now(), id),
      "server run");
}

Result<void> SqliteTx::StopServerRun(int64_t id) {
  const TimePoint now = Now();
  return RequireChanged(Execute(conn_,
                                "UPDATE server_runs SET last_alive_at = MAX(last_alive_at, ?),"
                                " stopped_at = COALESCE(stopped_at, MAX(started_at, ?)) WHERE id = ?",
                                now, now, id),
                        "server run");
}

Result<ServerRun> SqliteTx::GetLatestServerRun() {
  static const std::string kSql = JoinSql(kSelectServerRuns, " ORDER BY id DESC LIMIT 1");
  return QueryOne<ServerRun>(conn_, "server run", kSql, MapServerRun);
}

Result<WindowRecord> SqliteTx::GetWindowRecord(std::string_view schedule_id, TimePoint from, TimePoint to) {
  WindowRecord record;
  auto schedule = GetScheduleById(schedule_id);
  if (!schedule.ok()) return schedule.error();
  record.schedule = std::move(*schedule);

  auto rejected = QueryOne<std::string>(conn_, "host", "SELECT schedule_rejected FROM hosts WHERE id = ?",
                                       [](Row& row) { return row.Text(0); }, record.schedule.host_id);
  if (!rejected.ok()) return rejected.error();
  record.schedule_rejected_json = std::move(*rejected);

  auto jobs = ListWindowJobs(schedule_id, from, to);
  if (!jobs.ok()) return jobs.error();
  record.jobs = std::move(*jobs);

  auto pending = ListPendingRuns(record.schedule.host_id);
  if (!pending.ok()) return pending.error();
  for (auto& run : *pending) {
    if (run.schedule_id == schedule_id) record.pending_run = std::move(run);
  }

  auto notes = QueryAll<WindowNote>(conn_,
                                    "SELECT schedule_id, source_group_id, slot, kind, reason, recorded_at"
                                    " FROM window_notes WHERE schedule_id = ? AND slot >= ? AND slot < ?"
                                    " ORDER BY slot DESC, source_group_id",
                                    MapNote, schedule_id, from, to);
  if (!notes.ok()) return notes.error();
  record.notes = std::move(*notes);

  auto presence = QueryAll<PresenceInterval>(
      conn_,
      "SELECT connected_at, disconnected_at FROM host_presence WHERE host_id = ? AND connected_at < ?"
      " AND (disconnected_at IS NULL OR disconnected_at >= ?) ORDER BY connected_at",
      [](Row& row) { return PresenceInterval{row.Time(0), row.OptTime(1)}; }, record.schedule.host_id, to, from);
  if (!presence.ok()) return presence.error();
  record.presence = std::move(*presence);
  auto since = QueryOne<TimePoint>(conn_, "presence",
                                   "SELECT connected_at FROM host_presence WHERE host_id = ? ORDER BY connected_at LIMIT 1",
                                   [](Row& row) { return row.Time(0); }, record.schedule.host_id);
  if (since.ok()) {
    record.presence_since = *since;
  } else if (since.error().code != ErrorCode::kNotFound) {
    return since.error();
  }

  static const std::string kRuns =
      JoinSql(kSelectServerRuns,
              " WHERE started_at < ? AND COALESCE(stopped_at, last_alive_at) >= ? ORDER BY started_at, id");
  auto runs = QueryAll<ServerRun>(conn_, kRuns, MapServerRun, to, from);
  if (!runs.ok()) return runs.error();
  record.server_runs = std::move(*runs);
  static const std::string kFirstRun = JoinSql(kSelectServerRuns, " ORDER BY started_at, id LIMIT 1");
  auto first = QueryOne<ServerRun>(conn_, "server run", kFirstRun, MapServerRun);
  if (first.ok()) {
    record.server_runs_since = first->started_at;
  } else if (first.error().code != ErrorCode::kNotFound) {
    return first.error();
  }
  return record;
}

}  // namespace rmgr::store::sqlite

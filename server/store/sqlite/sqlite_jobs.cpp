// SqliteTx: jobs, their lifecycle, progress and logs. Lifecycle checks read
// then write inside the transaction; that is race-free because SQLite write
// transactions are serialized (BEGIN IMMEDIATE). A PostgreSQL port must lock
// the row (SELECT ... FOR UPDATE) to keep the same guarantee.
#include <algorithm>
#include <string>

#include "common/util/ulid.h"
#include "server/store/page_cursor.h"
#include "server/store/sqlite/sqlite_tx.h"

namespace rmgr::store::sqlite {
namespace {

constexpr std::string_view kJobListing = "jobs";

constexpr std::string_view kSelectJobs =
    "SELECT id, host_id, kind, status, actor_kind, actor_id, schedule_id, source_group_id, repository_id,"
    " scheduled_at, created_at, dispatched_at, started_at, finished_at, exit_code, error, error_kind,"
    " snapshot_id, summary, progress, args, cancel_requested_at, window_slot, wait_reason FROM jobs";

Job MapJob(Row& row) {
  Job job;
  job.id = row.Text(0);
  job.host_id = row.Text(1);
  job.kind = row.Enum<JobKind>(2);
  job.status = row.Enum<JobStatus>(3);
  job.actor_kind = row.Enum<ActorKind>(4);
  job.actor_id = row.Text(5);
  job.schedule_id = row.OptText(6);
  job.source_group_id = row.OptText(7);
  job.repository_id = row.OptText(8);
  job.scheduled_at = row.OptTime(9);
  job.created_at = row.Time(10);
  job.dispatched_at = row.OptTime(11);
  job.started_at = row.OptTime(12);
  job.finished_at = row.OptTime(13);
  job.exit_code = row.OptInt(14);
  job.error = row.Text(15);
  job.error_kind = row.Text(16).empty() ? ErrorKind::kNone : row.Enum<ErrorKind>(16);
  job.snapshot_id = row.Text(17);
  job.summary_json = row.Text(18);
  job.progress_json = row.Text(19);
  job.args_json = row.Text(20);
  job.cancel_requested_at = row.OptTime(21);
  job.window_slot = row.OptTime(22);
  job.wait_reason = row.Text(23);
  return job;
}

// The filter part shared by ListJobs and CountJobs.
SqlFilter JobWhere(const JobFilter& filter) {
  SqlFilter where;
  if (filter.host_id) where.And("host_id = ?", *filter.host_id);
  if (filter.status) where.And("status = ?", std::string(ToString(*filter.status)));
  if (filter.kind) where.And("kind = ?", std::string(ToString(*filter.kind)));
  return where;
}

Error IllegalTransition(const Job& job, JobStatus to) {
  return MakeError(ErrorCode::kConflict,
                   "job " + job.id + " cannot go from " + std::string(ToString(job.status)) + " to " +
                       std::string(ToString(to)),
                   "status");
}

// jobs.error_kind keeps "no error" as '' (as it always has); every other kind by its name.
std::string_view ErrorKindColumn(ErrorKind kind) {
  return kind == ErrorKind::kNone ? std::string_view("")
                                  : ToString(kind);  // "", not {}: a null view binds NULL
}

bool IsSuccess(JobStatus status) {
  return status == JobStatus::kSucceeded || status == JobStatus::kPartial;
}

}  // namespace

Result<Job> SqliteTx::GetJob(std::string_view id) {
  static const std::string kSql = JoinSql(kSelectJobs, " WHERE id = ?");
  return QueryOne<Job>(conn_, "job", kSql, MapJob, id);
}

Result<Page<Job>> SqliteTx::ListJobs(const JobFilter& filter, const PageRequest& page) {
  const int limit = ClampPageLimit(page.limit);
  SqlFilter where = JobWhere(filter);
  if (!page.cursor.empty()) {
    auto after = DecodeCursor(page.cursor, kJobListing, 2);
    if (!after.ok()) return after.error();
    auto created_ms = CursorInt((*after)[0]);
    if (!created_ms.ok()) return created_ms.error();
    where.And("(created_at, id) < (?, ?)", *created_ms, std::move((*after)[1]));
  }
  where.values().emplace_back(int64_t{limit} + 1);
  const std::string sql = JoinSql(kSelectJobs, where.sql() + " ORDER BY created_at DESC, id DESC LIMIT ?");
  auto rows = QueryAllBound<Job>(conn_, sql, where.values(), MapJob);
  if (!rows.ok()) return rows.error();
  return MakePage(std::move(*rows), limit, kJobListing, [](const Job& job) {
    return std::vector<std::string>{std::to_string(ToUnixMs(job.created_at)), job.id};
  });
}

Result<std::optional<Job>> SqliteTx::GetLatestDecisiveJob(std::string_view schedule_id,
                                                          std::string_view source_group_id) {
  // Two spellings so each uses jobs_schedule_finished (schedule_id, source_group_id, finished_at).
  static const std::string kWithGroup = JoinSql(
      kSelectJobs,
      " WHERE schedule_id = ? AND source_group_id = ? AND finished_at IS NOT NULL"
      " AND status IN ('succeeded', 'partial', 'failed', 'lost') ORDER BY finished_at DESC, id DESC LIMIT 1");
  static const std::string kWithoutGroup = JoinSql(
      kSelectJobs,
      " WHERE schedule_id = ? AND source_group_id IS NULL AND finished_at IS NOT NULL"
      " AND status IN ('succeeded', 'partial', 'failed', 'lost') ORDER BY finished_at DESC, id DESC LIMIT 1");
  auto rows = source_group_id.empty()
                  ? QueryAll<Job>(conn_, kWithoutGroup, MapJob, schedule_id)
                  : QueryAll<Job>(conn_, kWithGroup, MapJob, schedule_id, source_group_id);
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return std::optional<Job>();
  return std::optional<Job>(std::move(rows->front()));
}

Result<std::vector<Job>> SqliteTx::ListWindowJobs(std::string_view schedule_id, TimePoint from,
                                                  TimePoint to) {
  static const std::string kSql = JoinSql(kSelectJobs,
                                          " WHERE schedule_id = ? AND window_slot >= ? AND window_slot < ? "
                                          "ORDER BY window_slot DESC, created_at DESC, id DESC");
  return QueryAll<Job>(conn_, kSql, MapJob, schedule_id, from, to);
}

Result<int64_t> SqliteTx::CountJobs(const JobFilter& filter) {
  SqlFilter where = JobWhere(filter);
  auto rows = QueryAllBound<int64_t>(conn_, JoinSql("SELECT count(*) FROM jobs", where.sql()), where.values(),
                                     [](Row& row) { return row.Int(0); });
  if (!rows.ok()) return rows.error();
  return rows->empty() ? 0 : rows->front();
}

Result<Job> SqliteTx::CreateJob(const NewJob& job) {
  const TimePoint now = Now();
  const std::string id = job.id.empty() ? NewUlid(now) : job.id;
  // The group part of the fire-slot key ('' for a group-less schedule); NULL
  // for a job that is not a fire, which the unique key then ignores.
  std::optional<std::string> fire_group;
  if (job.schedule_id && job.scheduled_at) fire_group = job.source_group_id.value_or("");
  std::optional<TimePoint> scheduled_at;
  if (job.scheduled_at) scheduled_at = TruncateToMs(*job.scheduled_at);
  // The window a job answers: its fire slot unless the caller names another
  // (a catch-up retry of a slot whose first job exists).
  std::optional<TimePoint> window_slot = scheduled_at;
  if (job.window_slot) window_slot = TruncateToMs(*job.window_slot);
  auto inserted =
      Execute(conn_,
              "INSERT INTO jobs (id, host_id, kind, status, actor_kind, actor_id, schedule_id,"
              " source_group_id, repository_id, scheduled_at, fire_group, created_at, args, window_slot)"
              " VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              id, job.host_id, job.kind, job.actor_kind, job.actor_id, job.schedule_id, job.source_group_id,
              job.repository_id, scheduled_at, fire_group, now, job.args_json, window_slot);
  if (!inserted.ok()) return inserted.error();
  return GetJob(id);
}

Result<Job> SqliteTx::TransitionJob(std::string_view id, JobStatus to) {
  if (IsTerminal(to)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "TransitionJob moves a job to queued, dispatched or running only", "status");
  }
  auto job = GetJob(id);
  if (!job.ok()) return job;
  if (!IsAllowedTransition(job->status, to)) return IllegalTransition(*job, to);
  const TimePoint now = Now();
  std::optional<TimePoint> dispatched_at = job->dispatched_at;
  if (to == JobStatus::kDispatched) dispatched_at = now;
  if (to == JobStatus::kQueued) {
    dispatched_at.reset();
    auto current =
        Execute(conn_, "UPDATE hosts SET current_job_id = NULL WHERE id = ? AND current_job_id = ?",
                job->host_id, id);
    if (!current.ok()) return current.error();
  }
  const auto started_at = to == JobStatus::kRunning ? std::optional(now) : job->started_at;
  auto updated = Execute(conn_, "UPDATE jobs SET status = ?, dispatched_at = ?, started_at = ? WHERE id = ?",
                         to, dispatched_at, started_at, id);
  if (!updated.ok()) return updated.error();
  if (to == JobStatus::kDispatched) {
    auto current = Execute(conn_, "UPDATE hosts SET current_job_id = ? WHERE id = ?", id, job->host_id);
    if (!current.ok()) return current.error();
  }
  return GetJob(id);
}

Result<FinishOutcome> SqliteTx::FinishJob(std::string_view id, const JobResult& result) {
  if (!IsTerminal(result.status)) {
    return MakeError(ErrorCode::kInvalidArgument, "FinishJob needs a terminal status", "status");
  }
  auto job = GetJob(id);
  if (!job.ok()) return job.error();
  if (IsTerminal(job->status)) {
    // Idempotent by job id: the agent resends results until acked.
    if (job->ToJobResult() == result) return FinishOutcome{std::move(*job), true};
    // lost / interrupted were the server's guesses; the agent's own result wins.
    if (job->status == JobStatus::kLost || job->status == JobStatus::kInterrupted)
      return StoreResult(*job, result);
    return MakeError(ErrorCode::kConflict,
                     "job " + job->id + " already finished as " + std::string(ToString(job->status)) +
                         " with a different result",
                     "status");
  }
  if (!IsAllowedTransition(job->status, result.status)) return IllegalTransition(*job, result.status);
  return StoreResult(*job, result);
}

Result<FinishOutcome> SqliteTx::StoreResult(const Job& job, const JobResult& result) {
  const std::string& id = job.id;
  // The agent's own end time, bounded by what the server knows: not before
  // the job was made or started, not after now (clocks differ and jump).
  const TimePoint now = Now();
  TimePoint finished_at = now;
  if (result.reported_finished_at) {
    const TimePoint earliest = job.started_at.value_or(job.dispatched_at.value_or(job.created_at));
    finished_at = std::clamp(*result.reported_finished_at, std::min(earliest, now), now);
  }
  auto updated =
      Execute(conn_,
              "UPDATE jobs SET status = ?, finished_at = ?, exit_code = ?, error = ?, error_kind = ?,"
              " snapshot_id = ?, summary = ? WHERE id = ?",
              result.status, finished_at, result.exit_code, result.error, ErrorKindColumn(result.error_kind),
              result.snapshot_id, NullIfEmpty(result.summary_json), id);
  if (!updated.ok()) return updated.error();
  auto finished = GetJob(id);
  if (!finished.ok()) return finished.error();
  if (auto recorded = RecordOutcome(*finished); !recorded.ok()) return recorded.error();
  return FinishOutcome{std::move(*finished), false};
}

Result<void> SqliteTx::RecordOutcome(const Job& job) {
  const bool success = IsSuccess(job.status);
  const std::optional<TimePoint> success_at = success ? job.finished_at : std::nullopt;
  if (job.schedule_id && job.source_group_id) {
    // last_success_at only moves forward (results may arrive out of order);
    // NULLIF/COALESCE with 0 stand in for "never".
    auto state = Execute(conn_,
                         "INSERT INTO schedule_group_state (schedule_id, source_group_id, last_success_at,"
                         " last_job_id, last_status) VALUES (?, ?, ?, ?, ?)"
                         " ON CONFLICT (schedule_id, source_group_id) DO UPDATE SET"
                         " last_job_id = excluded.last_job_id, last_status = excluded.last_status,"
                         " last_success_at = NULLIF(MAX(COALESCE(schedule_group_state.last_success_at, 0),"
                         " COALESCE(excluded.last_success_at, 0)), 0)",
                         job.schedule_id, job.source_group_id, success_at, job.id, job.status);
    if (!state.ok()) return state.error();
  }
  if (job.kind == JobKind::kBackup && success) {
    auto host =
        Execute(conn_, "UPDATE hosts SET last_backup_at = MAX(COALESCE(last_backup_at, 0), ?) WHERE id = ?",
                job.finished_at, job.host_id);
    if (!host.ok()) return host.error();
  }
  auto cleared = Execute(conn_, "UPDATE hosts SET current_job_id = NULL WHERE id = ? AND current_job_id = ?",
                         job.host_id, job.id);
  if (!cleared.ok()) return cleared.error();
  return Ok();
}

Result<void> SqliteTx::RequestJobCancel(std::string_view id, TimePoint at) {
  auto job = GetJob(id);
  if (!job.ok()) return job.error();
  if (IsTerminal(job->status)) {
    return MakeError(ErrorCode::kConflict, "job " + job->id + " already finished", "status");
  }
  if (job->cancel_requested_at) return Ok();  // the first request counts
  return RequireChanged(Execute(conn_, "UPDATE jobs SET cancel_requested_at = ? WHERE id = ?", at, id),
                        "job");
}

Result<void> SqliteTx::SetJobProgress(std::string_view id, std::string_view progress_json) {
  auto changed =
      Execute(conn_, "UPDATE jobs SET progress = ? WHERE id = ? AND status IN ('dispatched', 'running')",
              NullIfEmpty(progress_json), id);
  if (!changed.ok()) return changed.error();
  if (*changed > 0) return Ok();
  auto job = GetJob(id);
  if (!job.ok()) return job.error();
  return MakeError(ErrorCode::kConflict,
                   "job " + job->id + " is " + std::string(ToString(job->status)) + "; progress not accepted",
                   "status");
}

Result<void> SqliteTx::SetJobWaitReason(std::string_view id, std::string_view reason) {
  // "" binds as '' (a null view would bind NULL against NOT NULL).
  return RequireChanged(Execute(conn_, "UPDATE jobs SET wait_reason = ? WHERE id = ?",
                                reason.empty() ? std::string_view("") : reason, id),
                        "job");
}

Result<int64_t> SqliteTx::AppendJobLogs(std::string_view job_id, std::span<const JobLogLine> lines) {
  int64_t added = 0;
  for (const auto& line : lines) {
    auto inserted = Execute(conn_,
                            "INSERT INTO job_logs (job_id, seq, stream, at, text) VALUES (?, ?, ?, ?, ?)"
                            " ON CONFLICT (job_id, seq) DO NOTHING",
                            job_id, line.seq, line.stream, line.at, line.text);
    if (!inserted.ok()) return inserted.error();
    added += *inserted;
  }
  return added;
}

Result<std::vector<JobLogLine>> SqliteTx::ListJobLogs(std::string_view job_id, int64_t after_seq, int limit) {
  return QueryAll<JobLogLine>(
      conn_, "SELECT seq, stream, at, text FROM job_logs WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?",
      [](Row& row) {
        return JobLogLine{row.Int(0), row.Enum<LogStream>(1), row.Time(2), row.Text(3)};
      },
      job_id, after_seq, ClampPageLimit(limit));
}

}  // namespace rmgr::store::sqlite

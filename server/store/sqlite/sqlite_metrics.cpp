// SqliteTx: what a Prometheus scrape reads (metrics_types.h). Six queries,
// each aggregated or one row per host / repository / schedule × group, so
// the cost of a scrape grows with the fleet's size but never issues a query
// per host. The job counts read every job row (no index has both kind and
// status); bench/metrics_scrape_bench measures that cost with and without
// an index jobs (kind, status).
#include "server/store/sqlite/sqlite_tx.h"

namespace rmgr::store::sqlite {
namespace {

// A nullable integer column (Row has no 64-bit optional accessor).
std::optional<int64_t> OptInt64(Row& row, int col) {
  if (!row.OptText(col).has_value()) return std::nullopt;
  return row.Int(col);
}

constexpr std::string_view kBackupPairs =
    "SELECT h.id, h.name, s.id, s.name, g.id, g.name, s.repository_id, COALESCE(r.name, ''), s.enabled,"
    " st.last_success_at, st.last_status, j.finished_at,"
    " CASE WHEN json_extract(j.summary, '$.total_duration') > 0"
    "   THEN CAST(ROUND(json_extract(j.summary, '$.total_duration') * 1000) AS INTEGER)"
    "   WHEN j.started_at IS NOT NULL AND j.finished_at IS NOT NULL THEN j.finished_at - j.started_at END,"
    " json_extract(j.summary, '$.files_new'), json_extract(j.summary, '$.files_changed'),"
    " json_extract(j.summary, '$.total_files_processed'), json_extract(j.summary, '$.data_added'),"
    " json_extract(j.summary, '$.total_bytes_processed')"
    " FROM schedule_source_groups ssg"
    " JOIN schedules s ON s.id = ssg.schedule_id"
    " JOIN hosts h ON h.id = s.host_id"
    " JOIN source_groups g ON g.id = ssg.source_group_id"
    " LEFT JOIN repositories r ON r.id = s.repository_id"
    " LEFT JOIN schedule_group_state st"
    "   ON st.schedule_id = ssg.schedule_id AND st.source_group_id = ssg.source_group_id"
    " LEFT JOIN jobs j ON j.id = st.last_job_id"
    " WHERE s.kind = 'backup'"
    " ORDER BY h.name, s.name, g.name";

BackupPairMetrics MapBackupPair(Row& row) {
  BackupPairMetrics pair;
  pair.host_id = row.Text(0);
  pair.host_name = row.Text(1);
  pair.schedule_id = row.Text(2);
  pair.schedule_name = row.Text(3);
  pair.source_group_id = row.Text(4);
  pair.source_group_name = row.Text(5);
  pair.repository_id = row.Text(6);
  pair.repository_name = row.Text(7);
  pair.enabled = row.Bool(8);
  pair.last_success_at = row.OptTime(9);
  pair.last_status = row.OptEnum<JobStatus>(10);
  pair.last_finished_at = row.OptTime(11);
  pair.last_duration_ms = OptInt64(row, 12);
  pair.files_new = OptInt64(row, 13);
  pair.files_changed = OptInt64(row, 14);
  pair.files_total = OptInt64(row, 15);
  pair.bytes_added = OptInt64(row, 16);
  pair.bytes_total = OptInt64(row, 17);
  return pair;
}

// Snapshot counts come from the index (snapshots_time covers both).
constexpr std::string_view kRepositories =
    "SELECT r.id, r.name,"
    " (SELECT COUNT(*) FROM snapshots sn WHERE sn.repository_id = r.id),"
    " (SELECT MAX(sn.time) FROM snapshots sn WHERE sn.repository_id = r.id),"
    " COALESCE((SELECT st.raw_data_bytes FROM repository_stats st WHERE st.repository_id = r.id"
    " ORDER BY st.at DESC, st.id DESC LIMIT 1), -1)"
    " FROM repositories r ORDER BY r.name";

// SQLite returns the bare columns of the row holding MAX(); a cancelled or
// lost check says nothing about the repository, so only real outcomes count.
constexpr std::string_view kLastChecks =
    "SELECT repository_id, status, MAX(finished_at) FROM jobs"
    " WHERE kind = 'check' AND repository_id IS NOT NULL AND finished_at IS NOT NULL"
    " AND status IN ('succeeded', 'partial', 'failed') GROUP BY repository_id";

struct LastCheck {
  std::string repository_id;
  JobStatus status = JobStatus::kSucceeded;
  TimePoint at;
};

constexpr std::string_view kSnapshotsByHost =
    "SELECT r.name, COALESCE(h.name, ''), COUNT(*) FROM snapshots sn"
    " JOIN repositories r ON r.id = sn.repository_id LEFT JOIN hosts h ON h.id = sn.host_id"
    " GROUP BY sn.repository_id, sn.host_id ORDER BY r.name, COALESCE(h.name, '')";

constexpr std::string_view kHosts =
    "SELECT id, name, token_hash IS NOT NULL, connected, always_on, last_seen_at,"
    " schedule_version_canonical, schedule_version_applied,"
    " CASE WHEN schedule_rejected <> '' AND json_valid(schedule_rejected)"
    "   AND json_type(schedule_rejected) = 'array' THEN json_array_length(schedule_rejected) ELSE 0 END"
    " FROM hosts ORDER BY name";

HostMetrics MapHost(Row& row) {
  HostMetrics host;
  host.id = row.Text(0);
  host.name = row.Text(1);
  host.enrolled = row.Bool(2);
  host.connected = row.Bool(3);
  host.always_on = row.Bool(4);
  host.last_seen_at = row.OptTime(5);
  host.schedule_version_canonical = row.Int(6);
  host.schedule_version_applied = row.Int(7);
  host.rejected_entries = row.Int(8);
  return host;
}

// One pass over jobs (an index on (kind, status) would make it index-only).
constexpr std::string_view kJobCounts = "SELECT kind, status, COUNT(*) FROM jobs GROUP BY kind, status";

}  // namespace

Result<MetricsSnapshot> SqliteTx::GetMetricsSnapshot() {
  MetricsSnapshot snapshot;

  auto backups = QueryAll<BackupPairMetrics>(conn_, kBackupPairs, MapBackupPair);
  if (!backups.ok()) return backups.error();
  snapshot.backups = std::move(*backups);

  auto repositories = QueryAll<RepositoryMetrics>(conn_, kRepositories, [](Row& row) {
    RepositoryMetrics repository;
    repository.id = row.Text(0);
    repository.name = row.Text(1);
    repository.snapshots = row.Int(2);
    repository.latest_snapshot_at = row.OptTime(3);
    // The newest stats job's raw-data size; -1: never measured (sizes are >= 0).
    if (const int64_t size = row.Int(4); size >= 0) repository.size_bytes = size;
    return repository;
  });
  if (!repositories.ok()) return repositories.error();
  snapshot.repositories = std::move(*repositories);

  auto checks = QueryAll<LastCheck>(conn_, kLastChecks, [](Row& row) {
    return LastCheck{row.Text(0), row.Enum<JobStatus>(1), row.Time(2)};
  });
  if (!checks.ok()) return checks.error();
  for (const auto& check : *checks) {
    for (auto& repository : snapshot.repositories) {
      if (repository.id != check.repository_id) continue;
      repository.last_check_status = check.status;
      repository.last_check_at = check.at;
    }
  }
  // Repository size: the `stats` job kind (issue 11, built separately) is
  // what will record it; fill RepositoryMetrics::size_bytes here from its
  // table once it exists. Until then the size stays unset (no gauge).

  auto by_host = QueryAll<HostSnapshotCount>(conn_, kSnapshotsByHost, [](Row& row) {
    return HostSnapshotCount{row.Text(0), row.Text(1), row.Int(2)};
  });
  if (!by_host.ok()) return by_host.error();
  snapshot.snapshots_by_host = std::move(*by_host);

  auto hosts = QueryAll<HostMetrics>(conn_, kHosts, MapHost);
  if (!hosts.ok()) return hosts.error();
  snapshot.hosts = std::move(*hosts);

  auto jobs = QueryAll<JobCount>(conn_, kJobCounts, [](Row& row) {
    return JobCount{row.Enum<JobKind>(0), row.Enum<JobStatus>(1), row.Int(2)};
  });
  if (!jobs.ok()) return jobs.error();
  snapshot.jobs = std::move(*jobs);

  auto pending = QueryInt(conn_, "pending runs", "SELECT COUNT(*) FROM pending_runs");
  if (!pending.ok()) return pending.error();
  snapshot.pending_runs = *pending;
  return snapshot;
}

}  // namespace rmgr::store::sqlite

#include "server/metrics/snapshot_families.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace rmgr::server::metrics {
namespace {

using protocol::JobStatus;

double Seconds(TimePoint at) {
  return static_cast<double>(
             std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count()) /
         1000.0;
}

bool IsSuccess(JobStatus status) {
  return status == JobStatus::kSucceeded || status == JobStatus::kPartial;
}

// restic-exporter types its "_total" families as counters although they can
// go down (forget, a smaller backup); they keep that type here so that rules
// written for it (and promtool's lint) see the same thing.
constexpr std::string_view kExporterCounter = "counter";

// Every backup family has the same labels, in this order.
void BackupFamily(TextWriter& out, const store::MetricsSnapshot& snapshot, std::string_view name,
                  std::string_view help,
                  const std::function<std::optional<double>(const store::BackupPairMetrics&)>& value,
                  std::string_view type = "gauge") {
  out.Family(name, type, help);
  for (const auto& pair : snapshot.backups) {
    const auto v = value(pair);
    if (!v) continue;
    out.Sample(name,
               {{"host", pair.host_name},
                {"schedule", pair.schedule_name},
                {"source_group", pair.source_group_name},
                {"repository", pair.repository_name}},
               *v);
  }
}

std::optional<double> AsDouble(const std::optional<int64_t>& value) {
  if (!value) return std::nullopt;
  return static_cast<double>(*value);
}

void WriteBackups(const store::MetricsSnapshot& snapshot, TextWriter& out) {
  BackupFamily(out, snapshot, "rmgr_backup_enabled",
               "1 for every source group of an enabled backup schedule, 0 when the schedule is disabled "
               "(present whether or not a backup ever ran)",
               [](const auto& p) { return std::optional<double>(p.enabled ? 1 : 0); });
  BackupFamily(out, snapshot, "restic_backup_timestamp",
               "Unix time the last backup of this schedule and source group ended, whatever its outcome",
               [](const auto& p) -> std::optional<double> {
                 if (!p.last_finished_at) return std::nullopt;
                 return Seconds(*p.last_finished_at);
               });
  BackupFamily(out, snapshot, "restic_backup_success_timestamp",
               "Unix time the last succeeded or partial backup of this schedule and source group ended",
               [](const auto& p) -> std::optional<double> {
                 if (!p.last_success_at) return std::nullopt;
                 return Seconds(*p.last_success_at);
               });
  BackupFamily(
      out, snapshot, "restic_backup_success",
      "1 when the last backup succeeded (or was partial: a snapshot with unreadable files), 0 when it "
      "failed, was cancelled, interrupted or lost",
      [](const auto& p) -> std::optional<double> {
        if (!p.last_status) return std::nullopt;
        return IsSuccess(*p.last_status) ? 1.0 : 0.0;
      });
  BackupFamily(out, snapshot, "restic_backup_partial",
               "1 when the last backup was partial (restic exit 3: snapshot made, some files unreadable)",
               [](const auto& p) -> std::optional<double> {
                 if (!p.last_status) return std::nullopt;
                 return *p.last_status == JobStatus::kPartial ? 1.0 : 0.0;
               });
  BackupFamily(out, snapshot, "restic_backup_duration_seconds", "Duration of the last backup in seconds",
               [](const auto& p) -> std::optional<double> {
                 if (!p.last_duration_ms) return std::nullopt;
                 return static_cast<double>(*p.last_duration_ms) / 1000.0;
               });
  BackupFamily(out, snapshot, "restic_backup_files_new", "New files in the last backup (restic summary)",
               [](const auto& p) { return AsDouble(p.files_new); });
  BackupFamily(out, snapshot, "restic_backup_files_changed",
               "Changed files in the last backup (restic summary)",
               [](const auto& p) { return AsDouble(p.files_changed); });
  BackupFamily(
      out, snapshot, "restic_backup_files_total", "Files processed by the last backup (restic summary)",
      [](const auto& p) { return AsDouble(p.files_total); }, kExporterCounter);
  BackupFamily(out, snapshot, "restic_backup_added_bytes",
               "Bytes the last backup added to the repository (restic summary data_added)",
               [](const auto& p) { return AsDouble(p.bytes_added); });
  BackupFamily(
      out, snapshot, "restic_backup_size_total", "Bytes processed by the last backup (restic summary)",
      [](const auto& p) { return AsDouble(p.bytes_total); }, kExporterCounter);
}

void WriteRepositories(const store::MetricsSnapshot& snapshot, TextWriter& out) {
  out.Family("restic_snapshots_total", kExporterCounter,
             "Snapshots of the repository in the server's snapshot index");
  for (const auto& r : snapshot.repositories) {
    out.Sample("restic_snapshots_total", {{"repository", r.name}}, static_cast<double>(r.snapshots));
  }
  out.Family("restic_snapshots_latest_timestamp", "gauge", "Unix time of the newest indexed snapshot");
  for (const auto& r : snapshot.repositories) {
    if (!r.latest_snapshot_at) continue;
    out.Sample("restic_snapshots_latest_timestamp", {{"repository", r.name}}, Seconds(*r.latest_snapshot_at));
  }
  out.Family("restic_backup_snapshots_total", kExporterCounter,
             "Indexed snapshots of the repository per host that made them (host \"\" for unknown)");
  for (const auto& c : snapshot.snapshots_by_host) {
    out.Sample("restic_backup_snapshots_total", {{"repository", c.repository_name}, {"host", c.host_name}},
               static_cast<double>(c.count));
  }
  out.Family("restic_check_success", "gauge",
             "1 when the last finished restic check of the repository passed, else 0");
  for (const auto& r : snapshot.repositories) {
    if (!r.last_check_status) continue;
    out.Sample("restic_check_success", {{"repository", r.name}}, IsSuccess(*r.last_check_status) ? 1 : 0);
  }
  out.Family("restic_check_timestamp", "gauge",
             "Unix time the last finished restic check of the repository ended");
  for (const auto& r : snapshot.repositories) {
    if (!r.last_check_at) continue;
    out.Sample("restic_check_timestamp", {{"repository", r.name}}, Seconds(*r.last_check_at));
  }
  out.Family("restic_repository_size_bytes", "gauge",
             "Size of the repository in bytes as restic stats last measured it; absent until measured");
  for (const auto& r : snapshot.repositories) {
    if (!r.size_bytes) continue;
    out.Sample("restic_repository_size_bytes", {{"repository", r.name}}, static_cast<double>(*r.size_bytes));
  }
}

void WriteHosts(const store::MetricsSnapshot& snapshot, TextWriter& out) {
  const auto mode = [](const store::HostMetrics& h) { return h.always_on ? "always_on" : "intermittent"; };
  out.Family("rmgr_host_connected", "gauge",
             "1 while the host's agent is connected (as the store records it), else 0");
  for (const auto& h : snapshot.hosts) {
    out.Sample("rmgr_host_connected", {{"host", h.name}, {"mode", mode(h)}}, h.connected ? 1 : 0);
  }
  out.Family("rmgr_host_last_seen_timestamp", "gauge", "Unix time of the host agent's last hello or ping");
  for (const auto& h : snapshot.hosts) {
    if (!h.last_seen_at) continue;
    out.Sample("rmgr_host_last_seen_timestamp", {{"host", h.name}, {"mode", mode(h)}},
               Seconds(*h.last_seen_at));
  }
  out.Family("rmgr_host_schedule_versions_behind", "gauge",
             "Schedule versions the agent has not applied yet (canonical minus applied; 0 = in sync)");
  for (const auto& h : snapshot.hosts) {
    const auto behind = std::max<int64_t>(0, h.schedule_version_canonical - h.schedule_version_applied);
    out.Sample("rmgr_host_schedule_versions_behind", {{"host", h.name}, {"mode", mode(h)}},
               static_cast<double>(behind));
  }
  out.Family("rmgr_host_schedule_entries_rejected", "gauge",
             "Schedule entries the host's agent could not apply with its last ack");
  for (const auto& h : snapshot.hosts) {
    out.Sample("rmgr_host_schedule_entries_rejected", {{"host", h.name}, {"mode", mode(h)}},
               static_cast<double>(h.rejected_entries));
  }

  int64_t connected = 0;
  int64_t disconnected = 0;
  int64_t not_enrolled = 0;
  int64_t drifting = 0;
  int64_t rejected = 0;
  for (const auto& h : snapshot.hosts) {
    if (!h.enrolled) {
      ++not_enrolled;
    } else if (h.connected) {
      ++connected;
    } else {
      ++disconnected;
    }
    if (h.schedule_version_applied < h.schedule_version_canonical) ++drifting;
    rejected += h.rejected_entries;
  }
  out.Family("rmgr_hosts", "gauge",
             "Hosts by state: connected, disconnected (enrolled), not_enrolled (no agent yet)");
  out.Sample("rmgr_hosts", {{"state", "connected"}}, static_cast<double>(connected));
  out.Sample("rmgr_hosts", {{"state", "disconnected"}}, static_cast<double>(disconnected));
  out.Sample("rmgr_hosts", {{"state", "not_enrolled"}}, static_cast<double>(not_enrolled));
  out.Family("rmgr_schedule_drift_hosts", "gauge",
             "Hosts whose applied schedule version lags the canonical one");
  out.Sample("rmgr_schedule_drift_hosts", static_cast<double>(drifting));
  out.Family("rmgr_schedule_entries_rejected", "gauge",
             "Schedule entries agents could not apply, all hosts together");
  out.Sample("rmgr_schedule_entries_rejected", static_cast<double>(rejected));
}

void WriteJobs(const store::MetricsSnapshot& snapshot, TextWriter& out) {
  // Every kind × status, 0 included, so a query never meets a missing series.
  std::map<std::pair<protocol::JobKind, JobStatus>, int64_t> counts;
  for (const auto& c : snapshot.jobs) counts[{c.kind, c.status}] += c.count;
  out.Family("rmgr_jobs", "gauge", "Jobs in the store by kind and status");
  for (const auto kind : protocol::AllValues<protocol::JobKind>()) {
    for (const auto status : protocol::AllValues<JobStatus>()) {
      const auto it = counts.find({kind, status});
      out.Sample("rmgr_jobs", {{"kind", protocol::ToString(kind)}, {"status", protocol::ToString(status)}},
                 it == counts.end() ? 0 : static_cast<double>(it->second));
    }
  }
  out.Family("rmgr_pending_runs", "gauge",
             "Fires waiting for a busy repository (coalesced: at most one per schedule)");
  out.Sample("rmgr_pending_runs", static_cast<double>(snapshot.pending_runs));
}

}  // namespace

void WriteSnapshotFamilies(const store::MetricsSnapshot& snapshot, TextWriter& out) {
  WriteBackups(snapshot, out);
  WriteRepositories(snapshot, out);
  WriteHosts(snapshot, out);
  WriteJobs(snapshot, out);
}

}  // namespace rmgr::server::metrics

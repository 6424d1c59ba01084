#pragma once
// What a Prometheus scrape reads from the store (server/metrics): the state
// of every backup schedule × source group, every repository, every host and
// the job counts, gathered in one read snapshot by a handful of aggregated
// queries (no query per host), so a scrape stays cheap at 10,000 hosts.
// Thread safety: value types.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/protocol/enums.h"
#include "common/util/time_format.h"

namespace rmgr::store {

//! One source group of one backup schedule, with the outcome of its last job.
struct BackupPairMetrics {
  std::string host_id;                             ///< The schedule's host.
  std::string host_name;                           ///< Its display name.
  std::string schedule_id;                         ///< The backup schedule.
  std::string schedule_name;                       ///< Its name (unique per host).
  std::string source_group_id;                     ///< The group.
  std::string source_group_name;                   ///< Its name (unique per host).
  std::string repository_id;                       ///< The schedule's repository.
  std::string repository_name;                     ///< Its name.
  bool enabled = true;                             ///< Whether the schedule is enabled.
  std::optional<TimePoint> last_success_at;        ///< Finish time of the last succeeded/partial job.
  std::optional<protocol::JobStatus> last_status;  ///< Status of the last finished job.
  std::optional<TimePoint> last_finished_at;  ///< When the last finished job ended, whatever its outcome.
  std::optional<int64_t> last_duration_ms;    ///< restic's total_duration, else finished − started.
  // From the last finished job's restic summary; unset when it has none (a failure).
  std::optional<int64_t> files_new;      ///< summary.files_new.
  std::optional<int64_t> files_changed;  ///< summary.files_changed.
  std::optional<int64_t> files_total;    ///< summary.total_files_processed.
  std::optional<int64_t> bytes_added;    ///< summary.data_added.
  std::optional<int64_t> bytes_total;    ///< summary.total_bytes_processed.
};

//! One repository: its snapshot index and its last check.
struct RepositoryMetrics {
  std::string id;                                        ///< Repository id.
  std::string name;                                      ///< Its name.
  int64_t snapshots = 0;                                 ///< Snapshots in the server's index.
  std::optional<TimePoint> latest_snapshot_at;           ///< Time of the newest indexed snapshot.
  std::optional<protocol::JobStatus> last_check_status;  ///< Status of the last finished check job.
  std::optional<TimePoint> last_check_at;                ///< When it finished.
  //! The repository's real size, once something records it (the `stats` job
  //! kind of issue 11); unset until then, and the gauge is absent.
  std::optional<int64_t> size_bytes;
};

//! How many indexed snapshots of one repository one of our hosts made.
struct HostSnapshotCount {
  std::string repository_name;  ///< The repository.
  std::string host_name;        ///< The host ("" for snapshots of no known host).
  int64_t count = 0;            ///< Indexed snapshots.
};

//! One host as a scrape shows it.
struct HostMetrics {
  std::string id;                          ///< Host id.
  std::string name;                        ///< Display name.
  bool enrolled = false;                   ///< Has an agent token.
  bool connected = false;                  ///< An agent connection is open (as the store records it).
  bool always_on = true;                   ///< false: intermittent.
  std::optional<TimePoint> last_seen_at;   ///< Last hello or ping.
  int64_t schedule_version_canonical = 0;  ///< Bumped by every schedule change.
  int64_t schedule_version_applied = 0;    ///< Last version the agent acked.
  int64_t rejected_entries = 0;            ///< Schedule entries the agent could not apply.
};

//! How many jobs have one kind and status.
struct JobCount {
  protocol::JobKind kind = protocol::JobKind::kBackup;        ///< Kind.
  protocol::JobStatus status = protocol::JobStatus::kQueued;  ///< Status.
  int64_t count = 0;                                          ///< Jobs.
};

//! Everything one scrape reads, from one read snapshot.
struct MetricsSnapshot {
  std::vector<BackupPairMetrics> backups;  ///< Every backup schedule × group, by host, schedule, group name.
  std::vector<RepositoryMetrics> repositories;       ///< Every repository, by name.
  std::vector<HostSnapshotCount> snapshots_by_host;  ///< Per repository × host, by names.
  std::vector<HostMetrics> hosts;                    ///< Every host, by name.
  std::vector<JobCount> jobs;                        ///< Non-zero kind × status counts.
  int64_t pending_runs = 0;                          ///< Pending runs waiting for a busy repository.
};

}  // namespace rmgr::store

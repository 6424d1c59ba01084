#pragma once
// Store types of the repository-size series and restore drills (issue 11):
// one RepositoryStatsRow per finished stats job, what the stats planner
// reads to choose which repository to measure through which host, and the
// last drill of each host. Included from store.h.
// Thread safety: plain value types.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/util/time_format.h"
#include "server/store/store_types.h"

namespace rmgr::store {

//! The repository's size as one stats job measured it.
struct RepositoryStatsRow {
  std::string repository_id;   ///< The repository measured.
  TimePoint at{};              ///< When the job finished (agent clock of the result).
  int64_t raw_data_bytes = 0;  ///< Bytes stored (deduplicated, compressed): the real size.
  std::optional<int64_t>
      uncompressed_bytes;             ///< The same blobs uncompressed; unknown before restic printed it.
  int64_t restore_size_bytes = 0;     ///< What restoring the latest snapshot of each host × paths writes.
  int64_t snapshots = 0;              ///< Snapshots in the repository.
  int64_t blobs = 0;                  ///< Blobs in the repository.
  std::optional<std::string> job_id;  ///< The stats job; NULL once it is deleted.

  friend bool operator==(const RepositoryStatsRow&, const RepositoryStatsRow&) = default;
};

//! A host that may run a repository's stats job: it has a schedule on it.
struct StatsHost {
  std::string host_id;     ///< The host.
  bool always_on = true;   ///< Its mode.
  bool connected = false;  ///< Advisory: an agent connection is open.
};

//! What the stats planner knows about one repository.
struct StatsCandidate {
  std::string repository_id;                 ///< The repository.
  std::optional<TimePoint> last_stats_at;    ///< Newest RepositoryStatsRow::at; none yet.
  std::optional<TimePoint> last_attempt_at;  ///< Creation of the newest stats job, whatever its end.
  bool stats_job_open = false;               ///< A stats job is queued, dispatched or running.
  std::vector<StatsHost> hosts;              ///< Hosts with a schedule on it, by host id.
};

//! A host's newest finished drill (succeeded, partial or failed).
struct LastDrill {
  std::string host_id;  ///< The host.
  Job job;              ///< The drill job; its summary_json holds the DrillSummary.
};

}  // namespace rmgr::store

#pragma once
// The families a scrape computes from the store's MetricsSnapshot: backup
// state per host × schedule × source group under the names restic users
// already alert on (restic_backup_timestamp, restic_snapshots_total,
// restic_check_success, ... as popularised by restic-exporter), and the
// server's own view of hosts, jobs and queues (rmgr_*).
// Thread safety: a pure function.

#include "server/metrics/registry.h"
#include "server/store/metrics_types.h"

namespace rmgr::server::metrics {

//! Writes every family derived from `snapshot` (each family once, with its
//! HELP and TYPE even when it has no sample).
void WriteSnapshotFamilies(const store::MetricsSnapshot& snapshot, TextWriter& out);

}  // namespace rmgr::server::metrics

#pragma once
// Reads `restic stats --json` output (issue 11, "real repository size"). One
// JSON object per run; its members by restic version:
//   0.14: total_size, total_file_count (always, 0 in raw-data mode),
//         total_blob_count (raw-data), snapshots_count.
//   0.16+ (cmd/restic/cmd_stats.go statsContainer): total_file_count and
//         total_blob_count are omitempty; raw-data on a repository of format 2
//         adds total_uncompressed_size, compression_ratio,
//         compression_progress (percent) and compression_space_saving
//         (percent), each omitted when zero.
// Members this reader does not know are ignored (restic adds some over
// time); a known member of the wrong type or range is an error.
// Thread safety: pure functions.

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/protocol/messages.h"
#include "common/result.h"

namespace rmgr::agent::runner {

//! One `restic stats --json` object.
struct StatsOutput {
  uint64_t total_size = 0;                          ///< Bytes (the mode decides which).
  std::optional<uint64_t> total_uncompressed_size;  ///< raw-data, format 2 only.
  std::optional<double> compression_ratio;          ///< raw-data, format 2 only.
  std::optional<double> compression_progress;       ///< Percent, raw-data, format 2 only.
  std::optional<double> compression_space_saving;   ///< Percent, raw-data, format 2 only.
  uint64_t total_file_count = 0;                    ///< restore-size: files; absent = 0.
  uint64_t total_blob_count = 0;                    ///< raw-data: blobs; absent = 0.
  uint64_t snapshots_count = 0;                     ///< Snapshots walked.
};

//! Parses one stats line; kMalformed naming the member when it is not one.
Result<StatsOutput> ParseStatsOutput(std::string_view line);

//! The wire form of a stats job's two measurements.
protocol::RepositoryStats MakeRepositoryStats(const StatsOutput& raw_data, const StatsOutput& restore_size);

}  // namespace rmgr::agent::runner

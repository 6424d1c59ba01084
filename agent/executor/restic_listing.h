#pragma once
// Reading restic 0.14's listings into wire messages: the array printed by
// `restic snapshots --json` (for JobResult::snapshot_index) and the node
// lines of `restic ls --json <snapshot> <dir>` (for BrowseResult).
// Thread safety: pure functions.

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "common/protocol/messages.h"
#include "common/result.h"

namespace rmgr::agent {

//! Snapshots from one `restic snapshots --json` array.
struct SnapshotList {
  std::vector<protocol::SnapshotInfo> snapshots{};  ///< Oldest first; each one the peer accepts.
  std::size_t skipped = 0;                          ///< Entries left out: malformed, or breaking a wire rule.
};

//! Parses `restic snapshots --json` output. Times are floored to
//! milliseconds; a time outside the wire range (restic takes any --time) is
//! clamped to its nearest bound rather than losing the snapshot. kMalformed
//! when the text is not a JSON array.
Result<SnapshotList> ParseSnapshotList(std::string_view json);

//! One `restic ls --json` line as a browse entry, when it is a node directly
//! inside `dir` (an absolute path; a trailing '/' is ignored). Nothing for the
//! snapshot line, `dir` itself, deeper nodes and non-JSON text. Names and
//! paths are made valid UTF-8 within limits::kMaxPathBytes; an mtime outside
//! the wire range is left out.
std::optional<protocol::BrowseEntry> ParseLsNode(std::string_view line, std::string_view dir);

}  // namespace rmgr::agent

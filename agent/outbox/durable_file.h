#pragma once
// Crash-safe small-file writes for the agent's state directory: a file under
// its final name is always complete (temp file, fsync, rename, fsync of the
// directory). Used by the outboxes, the schedule files and the scheduler's
// evaluation record.
// Thread safety: free functions; concurrent writers of one path are not coordinated.

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"

namespace rmgr::agent {

//! fsyncs directory `dir` so a rename or unlink inside it is durable. kUnavailable on failure.
Result<void> SyncDirectory(const std::filesystem::path& dir);

//! Writes `data` to `path` (created 0600, truncated) and fsyncs it; no rename. kUnavailable on failure.
Result<void> WriteFileSynced(const std::filesystem::path& path, std::string_view data);

//! Replaces `path` with `data` atomically: `<path>.tmp` 0600, fsync, rename, fsync of the
//! directory. The temp file is removed on failure. kUnavailable naming the path on failure.
Result<void> WriteFileAtomically(const std::filesystem::path& path, std::string_view data);

//! Reads at most `limit` + 1 bytes, so an oversized file is noticed without reading it all.
//! kNotFound when the file does not exist, kUnavailable on other failures.
Result<std::string> ReadFileLimited(const std::filesystem::path& path, std::size_t limit);

}  // namespace rmgr::agent

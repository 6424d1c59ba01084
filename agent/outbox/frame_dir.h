#pragma once
// A directory of encoded frames, one file `<key>.json` per key: the disk
// half of the agent's outboxes (job results by job id, fires by schedule id).
// A file under its final name is always complete (see durable_file.h);
// leftover `.tmp` files (a crash mid-write) are deleted on load, and a file
// that does not decode, or that the owner's check refuses, is moved to
// `<dir>/corrupt/` with a warning and otherwise ignored.
// Thread safety: free functions; the owner serialises calls for one directory.

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/protocol/envelope.h"
#include "common/result.h"

namespace rmgr::agent {

//! Judges a loaded frame: "" keeps it, anything else is why it is corrupt.
using FrameCheck = std::function<std::string(std::string_view key, const protocol::Envelope& frame)>;

//! Keys are ids ([0-9A-Za-z_-], 1..128 bytes): anything else could escape the
//! directory or clash with the suffixes.
bool IsSafeFrameKey(std::string_view key);

//! Creates `dir` (0700) if needed, cleans it as the file comment says and
//! returns every kept (key, frame), in key order. kUnavailable only when the
//! directory cannot be created or listed.
Result<std::vector<std::pair<std::string, protocol::Envelope>>> LoadFrameDir(const std::filesystem::path& dir,
                                                                             const FrameCheck& check);

//! Writes `frame` as `<dir>/<key>.json` durably, replacing an older one.
Result<void> StoreFrame(const std::filesystem::path& dir, std::string_view key, std::string_view frame);

//! Deletes `<dir>/<key>.json` durably; a missing file is not an error.
Result<void> RemoveFrame(const std::filesystem::path& dir, std::string_view key);

}  // namespace rmgr::agent

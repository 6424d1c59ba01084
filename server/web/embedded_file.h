#pragma once
// One file of the web UI compiled into the binary, as listed by the table that
// cmake/WebUi.cmake generates from the SPA's dist directory.
// Thread safety: immutable data with static storage duration.

#include <span>
#include <string_view>

namespace rmgr::server::web {

//! A file of the built UI; every view points into the binary's read-only data.
struct EmbeddedFile {
  std::string_view path;     ///< Relative to the dist root, '/'-separated, e.g. "assets/index-3f9a.js".
  std::string_view content;  ///< The file's bytes.
  std::string_view etag;     ///< Strong ETag including its quotes (a content hash, computed at build time).
};

//! The files of the UI this binary was built with (empty when built with
//! RMGR_WEB_UI=OFF). Defined by the generated table.
std::span<const EmbeddedFile> EmbeddedWebFiles();

}  // namespace rmgr::server::web

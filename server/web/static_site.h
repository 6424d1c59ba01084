#pragma once
// StaticSite: serves the single-page web UI — the files Vite built — for
// GET/HEAD requests that no API route matched. Files come either from the
// table compiled into the binary (cmake/WebUi.cmake) or, for UI development,
// from a directory read on every request (--web-root).
//
// Every response it makes carries a strict Content-Security-Policy,
// X-Frame-Options: DENY and Referrer-Policy: no-referrer. Hashed files under
// /assets/ are cached for a year; everything else is revalidated (no-cache)
// against a strong ETag. A path that is not a file and whose last segment has
// no dot is an SPA route and gets index.html.
//
// Thread safety: immutable after construction; Serve may be called from any
// number of threads concurrently.

#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"
#include "server/http/http_types.h"
#include "server/web/embedded_file.h"

namespace rmgr::server::web {

class StaticSite {
 public:
  //! The UI compiled into this binary; a short "UI not built" page when the
  //! binary was built with RMGR_WEB_UI=OFF.
  static StaticSite Embedded();

  //! A site serving the given table, which must outlive the site (the
  //! generated tables are static). Embedded() uses it; so do tests.
  static StaticSite FromFiles(std::span<const EmbeddedFile> files);

  //! A site reading files below `root` on each request. `root` must be an
  //! existing directory. Symbolic links below it are never followed, so no
  //! request can reach a file outside it.
  static Result<StaticSite> FromDirectory(std::filesystem::path root);

  //! The response for a GET/HEAD of a UI path, or nullopt for requests it
  //! never answers: other methods, and anything under /api/, /agent/,
  //! /healthz, /readyz, /metrics and /downloads (the router's 404/405 stands for those).
  std::optional<http::Response> Serve(const http::Request& request) const;

 private:
  //! A file found for a request: its bytes (owned when read from disk) and ETag.
  struct File {
    std::string_view embedded;  ///< The bytes when they live in the binary.
    std::string read;           ///< The bytes when read from disk.
    bool from_disk = false;     ///< Which of the two holds them.
    std::string etag;           ///< Strong ETag with quotes.

    std::string_view Content() const { return from_disk ? std::string_view(read) : embedded; }
  };
  //! An embedded file, indexed by its relative path.
  struct Entry {
    std::string_view content;
    std::string etag;
  };

  StaticSite() = default;

  //! The file at `relative` ('/'-separated, already checked for safety):
  //! nullopt when there is no regular file there, an Error when it exists
  //! but cannot be read.
  Result<std::optional<File>> Find(const std::string& relative) const;
  Result<std::optional<File>> FindOnDisk(const std::string& relative) const;

  std::map<std::string, Entry, std::less<>> files_;  ///< Embedded mode: the table.
  std::optional<std::filesystem::path> root_;        ///< Directory mode: the canonical root.
};

}  // namespace rmgr::server::web

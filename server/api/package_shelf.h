#pragma once
// PackageShelf: the Debian packages a server offers to new hosts — the files
// `<package>_<version>_<architecture>.deb` directly in one directory
// (--packages-dir; the server package installs the agent package there).
// Only such names are ever looked up, so a request cannot name a path
// outside the directory; symbolic links and other non-regular files are
// ignored.
// Thread safety: immutable; every method may be called concurrently. The
// directory is read on each call, so a package placed later is offered.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace rmgr::server::api {

//! One offered package file.
struct OfferedPackage {
  std::string file;          ///< The file name, e.g. restic-manager-agent_0.1.0_amd64.deb.
  std::string package;       ///< Debian package name (restic-manager-agent).
  std::string version;       ///< Debian version (0.1.0).
  std::string architecture;  ///< Debian architecture (amd64).
  std::uintmax_t size = 0;   ///< Bytes.
};

class PackageShelf {
 public:
  //! The largest file served; a bigger one is not a package this server builds.
  static constexpr std::uintmax_t kMaxBytes = 256u << 20;

  explicit PackageShelf(std::filesystem::path dir) : dir_(std::move(dir)) {}

  //! The package a file name stands for, or nullopt when the name is not
  //! `<package>_<version>_<architecture>.deb` of Debian's characters.
  static std::optional<OfferedPackage> ParseName(std::string_view file);

  //! Every offered package, sorted by file name; empty when the directory is missing.
  std::vector<OfferedPackage> List() const;

  //! The bytes of the offered file `file`; kNotFound for a bad name, a
  //! missing or non-regular file; kUnavailable when it cannot be read.
  Result<std::string> Read(std::string_view file) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace rmgr::server::api

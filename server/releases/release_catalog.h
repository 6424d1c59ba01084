#pragma once
// ReleaseCatalog: the agent releases published on this server. Each is a
// directory under <data_dir>/agent-releases/<version>/ holding
//   bundle        the agent bundle (common/update/agent_bundle.h), as agents download it
//   release.json  {version, os, arch, size, sha256, signature, binary_sha256, published_at}
// written by `restic-manager-server publish-agent` (Publish). The signature is
// the server's update signing key's over the bundle's SHA-256; release.json
// is only a cache of facts about the bundle: an agent trusts nothing in it,
// it checks the bundle it downloaded against the key it pinned.
// Thread safety: Publish from one process at a time (the CLI); List/Find/
// BundlePath from any thread (they read files only).

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/update/bundle_signature.h"

namespace rmgr::server::releases {

//! One published release.
struct AgentRelease {
  std::string version;        ///< Release version.
  std::string os;             ///< GOOS-style.
  std::string arch;           ///< GOARCH-style.
  std::uint64_t size = 0;     ///< Bundle bytes.
  std::string sha256;         ///< Bundle SHA-256 (hex).
  std::string signature;      ///< Ed25519 signature (hex) of the bundle.
  std::string binary_sha256;  ///< The carried executable's SHA-256 (hex).
  std::string published_at;   ///< RFC 3339 UTC.
};

class ReleaseCatalog {
 public:
  //! The catalog under <data_dir>/agent-releases (made by the first Publish).
  explicit ReleaseCatalog(std::filesystem::path data_dir);

  //! Packs `binary` as release `version` for os/arch, signs it with `key`
  //! and stores it. kConflict when the version exists, kInvalidArgument for a
  //! bad version, kUnavailable for file errors.
  Result<AgentRelease> Publish(const update::SigningKeyPair& key, const std::filesystem::path& binary,
                               const std::string& version, const std::string& os, const std::string& arch,
                               std::string published_at) const;
  //! Every release, newest version first; releases with an unreadable release.json are skipped.
  std::vector<AgentRelease> List() const;
  //! The release `version`; kNotFound when not published.
  Result<AgentRelease> Find(std::string_view version) const;
  //! The bundle file of `version` (exists only when published).
  std::filesystem::path BundlePath(std::string_view version) const;
  //! URL path under which agents download `version` (the API route).
  static std::string DownloadPath(std::string_view version);

 private:
  std::filesystem::path root_;
};

}  // namespace rmgr::server::releases

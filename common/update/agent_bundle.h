#pragma once
// An agent bundle: one file that carries a release of restic-manager-agent.
//
//   rmgr-agent-bundle 1\n
//   {"version":"1.2.0","os":"linux","arch":"amd64","binary_sha256":"<64 hex>","binary_size":N}\n
//   <N bytes: the executable>
//
// The manifest sits inside the signed bytes (bundle_signature.h signs the
// SHA-256 of the whole file), so the version an agent reports after an
// update is one the server's key vouched for. The executable may be the
// agent binary itself or anything that runs it (a launcher script).
// Thread safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace rmgr::update {

//! First line of every bundle.
inline constexpr std::string_view kBundleMagic = "rmgr-agent-bundle 1";
//! Largest bundle either side accepts (a debug agent with sanitizers is ~250 MiB).
inline constexpr std::uint64_t kMaxBundleBytes = std::uint64_t{1} << 30;

//! What a bundle says about the executable it carries.
struct BundleManifest {
  std::string version;            ///< Release version (release_version.h).
  std::string os;                 ///< GOOS-style ("linux").
  std::string arch;               ///< GOARCH-style ("amd64").
  std::string binary_sha256;      ///< 64 lower-case hex digits of the executable's SHA-256.
  std::uint64_t binary_size = 0;  ///< The executable's length in bytes.

  friend bool operator==(const BundleManifest&, const BundleManifest&) = default;
};

//! A checked bundle: its manifest and where the executable starts.
struct OpenedBundle {
  BundleManifest manifest;        ///< As written in the bundle.
  std::size_t binary_offset = 0;  ///< Offset of the executable's first byte.
};

//! Lower-case hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

//! The bundle for `binary`: fills manifest.binary_sha256 and binary_size from
//! it. kInvalidArgument for a version that is not a release version.
Result<std::string> PackBundle(BundleManifest manifest, std::string_view binary);

//! Parses and checks a whole bundle: magic, manifest fields, the executable's
//! size and SHA-256. kMalformed / kInvalidArgument saying what is wrong.
Result<OpenedBundle> OpenBundle(std::string_view bundle);

}  // namespace rmgr::update

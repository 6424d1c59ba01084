#pragma once
// The server's update signing key: an Ed25519 key pair whose secret half is
// <data_dir>/update-signing.key (64 raw bytes, 0600, made on first use) and
// whose public half ("ed25519:<hex>") every agent pins at enrollment. It
// signs agent bundles (common/update/bundle_signature.h) and nothing else.
// Losing the file means every enrolled agent must be enrolled again before
// it accepts another update; keep it in the data dir's backup.
// Thread safety: a free function; call it once at start.

#include <filesystem>

#include "common/result.h"
#include "common/update/bundle_signature.h"

namespace rmgr::server::auth {

//! File name of the key inside the data dir.
inline constexpr const char* kUpdateSigningKeyFile = "update-signing.key";

//! Loads <data_dir>/update-signing.key, creating it when missing. kPermissionDenied
//! when group or others may read it, kMalformed for a file of the wrong size,
//! kUnavailable for file system failures.
Result<update::SigningKeyPair> LoadOrCreateUpdateSigningKey(const std::filesystem::path& data_dir);

}  // namespace rmgr::server::auth

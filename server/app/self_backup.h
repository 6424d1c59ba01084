#pragma once
// WriteSelfBackup: `restic-manager-server backup-self` and the periodic
// self-backup — the server's store, copied online while the server runs
// (store::CopySqliteOnline), its key and its self-signed TLS pair, sealed
// under the operator's passphrase into one file (self_backup_format.h).
// The file appears only complete: written to a 0600 temp file beside it,
// fsync'd, renamed, the directory fsync'd.
// Thread safety: functions; concurrent calls must name different outputs.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"
#include "server/app/self_backup_format.h"
#include "server/store/sqlite_file_copy.h"

namespace rmgr::server {

//! What a self-backup copies, all inside the data dir.
struct SelfBackupSources {
  std::filesystem::path database;  ///< The SQLite store.
  std::filesystem::path key;       ///< server.key.
  std::filesystem::path tls_cert;  ///< Self-signed certificate (skipped when absent).
  std::filesystem::path tls_key;   ///< Its private key (skipped when absent).
  std::filesystem::path
      update_key{};  ///< update-signing.key, the agents' pinned update key (skipped when absent).

  //! The files of the data dir `data_dir` (names from ServerConfig and common/tls/self_signed.h).
  static SelfBackupSources InDataDir(const std::filesystem::path& data_dir);
};

//! How to write.
struct SelfBackupOptions {
  std::uint64_t opslimit = 3;             ///< Argon2id passes (libsodium's "moderate").
  std::uint64_t memlimit = 256ull << 20;  ///< Argon2id memory (libsodium's "moderate").
  std::string server_version = "0.0.0";   ///< Recorded in the manifest.
};

//! What was written.
struct SelfBackupReport {
  std::filesystem::path file;         ///< The output.
  std::uint64_t bytes = 0;            ///< Its size.
  Manifest manifest;                  ///< Its manifest.
  std::chrono::milliseconds took{0};  ///< Wall time.
};

//! Writes the self-backup of `sources` to `out` (replacing it atomically).
//! Refuses while a key rotation is unfinished (server.key.next or .old
//! beside the key: the store's secrets may be sealed under either key).
Result<SelfBackupReport> WriteSelfBackup(const SelfBackupSources& sources, const std::filesystem::path& out,
                                         std::string_view passphrase, const SelfBackupOptions& options);

}  // namespace rmgr::server

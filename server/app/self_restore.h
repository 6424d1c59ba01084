#pragma once
// RestoreSelfBackup: `restic-manager-server restore-self` — a new data dir
// from a file WriteSelfBackup wrote (self_backup_format.h).
//
// Nothing is written before everything checked out: the header's tag under
// the passphrase (a wrong passphrase or an altered header stops here), the
// file's length against the manifest (truncation), every part's SHA-256, the
// sealed parts opening, the store's integrity_check and a schema version
// this binary knows. Then each file is written to a temp name (0600), fsync'd
// and renamed into place, and the store is opened once the way a start opens
// it, so an older schema migrates now and a start needs nothing more.
// Thread safety: a function; one call per data dir at a time, server stopped.

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "common/result.h"
#include "server/app/self_backup_format.h"
#include "server/store/sqlite_file_copy.h"

namespace rmgr::server {

//! What a restore did.
struct RestoreReport {
  Manifest manifest;               ///< The file's manifest (created_at, versions, parts).
  store::StoreFileFacts restored;  ///< The store as restored, after migrations.
  bool tls = false;                ///< The self-signed TLS pair was restored.
};

//! Restores `from` into `data_dir` (created when missing). kConflict when
//! `data_dir` holds anything and `force` is false; with `force`, the files a
//! restore writes are replaced and a stale -wal/-shm or unfinished key
//! rotation beside them removed; other files are left alone.
Result<RestoreReport> RestoreSelfBackup(const std::filesystem::path& from,
                                        const std::filesystem::path& data_dir, std::string_view passphrase,
                                        bool force);

}  // namespace rmgr::server

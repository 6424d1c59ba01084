#pragma once
// Whole-file operations on the SQLite store, for the server's own disaster
// recovery (server/app/self_backup.h): a consistent copy of a database that
// a running server keeps writing, and the facts a restore reports about a
// copy. They open their own connections (the running server's store is in
// another process, or busy), so they sit beside OpenSqliteStore rather than
// on the Store interface.
// Thread safety: functions; each call uses its own connections.

#include <cstdint>
#include <filesystem>

#include "common/result.h"

namespace rmgr::store {

//! What a database file holds, as far as a restore reports it.
struct StoreFileFacts {
  int64_t schema_version = 0;  ///< Highest migration applied (0: empty database).
  int64_t host_count = 0;      ///< Rows in hosts.
};

//! Copies the database `source` (which a server may be writing meanwhile)
//! into the new file `dest` with SQLite's online backup API, all pages in
//! one step, so the copy is one consistent snapshot (under WAL the copy's
//! read transaction never blocks the writer). The copy is switched to a
//! rollback journal (one self-contained file), checked with PRAGMA
//! integrity_check and fsync'd. `dest` must not exist; on failure it is removed.
Result<StoreFileFacts> CopySqliteOnline(const std::filesystem::path& source,
                                        const std::filesystem::path& dest);

//! Opens `file` (an existing one; query-only), checks PRAGMA integrity_check and reads its facts.
Result<StoreFileFacts> InspectSqliteFile(const std::filesystem::path& file);

//! The newest schema version this binary knows (its last embedded migration).
int64_t NewestSchemaVersion();

}  // namespace rmgr::store

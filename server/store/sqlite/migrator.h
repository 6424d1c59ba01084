#pragma once
// Brings a SQLite database's schema up to date: reads the recorded version,
// refuses a schema newer than this binary, applies each missing migration in
// its own BEGIN IMMEDIATE transaction and records it in schema_migrations.
// Thread safety: none; runs on the write connection before the store is shared.

#include <cstdint>
#include <span>

#include "common/result.h"
#include "common/util/time_format.h"
#include "server/store/sqlite/connection.h"
#include "server/store/sqlite/migrations.h"

namespace rmgr::store::sqlite {

//! The highest applied migration (0 for an empty database). kInvalidArgument
//! for a database with tables but no schema_migrations (not ours). Read-only.
Result<int64_t> ReadSchemaVersion(Connection& conn);

//! kSchemaTooNew when the database records a version above the newest of
//! `migrations`; reads only, so the file stays untouched.
Result<void> CheckSchemaNotNewer(Connection& conn, std::span<const Migration> migrations);

//! Applies the migrations above the recorded version; returns how many ran.
//! Foreign keys must be OFF on `conn` (table rebuilds need that); each
//! migration ends with PRAGMA foreign_key_check and rolls back on a violation.
Result<int> ApplyMigrations(Connection& conn, std::span<const Migration> migrations, TimePoint now);

}  // namespace rmgr::store::sqlite

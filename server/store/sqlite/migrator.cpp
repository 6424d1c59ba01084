#include "server/store/sqlite/migrator.h"

#include <string>

namespace rmgr::store::sqlite {
namespace {

constexpr std::string_view kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";

// Runs inside the migration's transaction. Re-reads the version under the
// write lock: another process may have applied this migration meanwhile.
Result<void> ApplyOne(Connection& conn, const Migration& migration, TimePoint now, bool& applied) {
  auto version = ReadSchemaVersion(conn);
  if (!version.ok()) return version.error();
  if (*version >= migration.version) return Ok();
  if (auto ran = conn.Exec(migration.sql); !ran.ok()) return ran;
  if (auto made = conn.Exec(kCreateMigrationsTable); !made.ok()) return made;
  auto recorded = Execute(conn, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                          migration.version, migration.name, now);
  if (!recorded.ok()) return recorded.error();
  auto violations =
      QueryAll<std::string>(conn, "PRAGMA foreign_key_check", [](Row& row) { return row.Text(0); });
  if (!violations.ok()) return violations.error();
  if (!violations->empty()) {
    return MakeError(ErrorCode::kInternal, "foreign key violations in table " + violations->front());
  }
  applied = true;
  return Ok();
}

}  // namespace

Result<int64_t> ReadSchemaVersion(Connection& conn) {
  auto has_table =
      QueryInt(conn, "schema", "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
               "schema_migrations");
  if (!has_table.ok()) return has_table.error();
  if (*has_table == 0) {
    auto tables = QueryInt(conn, "schema",
                           "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'");
    if (!tables.ok()) return tables.error();
    if (*tables != 0) {
      return MakeError(
          ErrorCode::kInvalidArgument,
          "store: the database has tables but no schema_migrations; not a restic-manager database");
    }
    return int64_t{0};
  }
  return QueryInt(conn, "schema version", "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
}

Result<void> CheckSchemaNotNewer(Connection& conn, std::span<const Migration> migrations) {
  auto version = ReadSchemaVersion(conn);
  if (!version.ok()) return version.error();
  const int64_t known = migrations.empty() ? 0 : migrations.back().version;
  if (*version > known) {
    return MakeError(ErrorCode::kSchemaTooNew, "store: database schema version " + std::to_string(*version) +
                                                   " is newer than this binary's " + std::to_string(known) +
                                                   "; upgrade restic-manager");
  }
  return Ok();
}

Result<int> ApplyMigrations(Connection& conn, std::span<const Migration> migrations, TimePoint now) {
  auto current = ReadSchemaVersion(conn);
  if (!current.ok()) return current.error();
  int count = 0;
  for (const auto& migration : migrations) {
    if (migration.version <= *current) continue;
    bool applied = false;
    auto done =
        RunTransaction(conn, Begin::kImmediate, [&] { return ApplyOne(conn, migration, now, applied); });
    if (!done.ok()) {
      Error error = done.error();
      error.message = "store: migration " + std::string(migration.name) + " failed: " + error.message;
      return error;
    }
    if (applied) ++count;
  }
  return count;
}

}  // namespace rmgr::store::sqlite

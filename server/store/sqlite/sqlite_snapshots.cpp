// SqliteTx: the snapshot index of each repository (what `restic snapshots`
// last reported; the UI lists it without asking an agent).
#include <string>

#include "server/store/page_cursor.h"
#include "server/store/sqlite/sqlite_tx.h"

namespace rmgr::store::sqlite {
namespace {

constexpr std::string_view kSnapshotListing = "snapshots";

constexpr std::string_view kSelectSnapshots =
    "SELECT repository_id, snapshot_id, short_id, time, hostname, paths, tags, host_id, size_bytes,"
    " indexed_at FROM snapshots";

Snapshot MapSnapshot(Row& row) {
  Snapshot snapshot;
  snapshot.repository_id = row.Text(0);
  snapshot.id = row.Text(1);
  snapshot.short_id = row.Text(2);
  snapshot.time = row.Time(3);
  snapshot.hostname = row.Text(4);
  snapshot.paths = row.StringList(5);
  snapshot.tags = row.StringList(6);
  snapshot.host_id = row.OptText(7);
  if (row.OptText(8).has_value()) snapshot.size_bytes = row.Int(8);  // Row has no 64-bit OptInt
  snapshot.indexed_at = row.Time(9);
  return snapshot;
}

}  // namespace

Result<Page<Snapshot>> SqliteTx::ListSnapshots(const SnapshotFilter& filter, const PageRequest& page) {
  const int limit = ClampPageLimit(page.limit);
  SqlFilter where;
  where.And("repository_id = ?", filter.repository_id);
  if (filter.host_id) where.And("host_id = ?", *filter.host_id);
  if (!page.cursor.empty()) {
    auto after = DecodeCursor(page.cursor, kSnapshotListing, 2);
    if (!after.ok()) return after.error();
    auto time_ms = CursorInt((*after)[0]);
    if (!time_ms.ok()) return time_ms.error();
    where.And("(time, snapshot_id) < (?, ?)", *time_ms, std::move((*after)[1]));
  }
  where.values().emplace_back(int64_t{limit} + 1);
  const std::string sql =
      JoinSql(kSelectSnapshots, where.sql() + " ORDER BY time DESC, snapshot_id DESC LIMIT ?");
  auto rows = QueryAllBound<Snapshot>(conn_, sql, where.values(), MapSnapshot);
  if (!rows.ok()) return rows.error();
  return MakePage(std::move(*rows), limit, kSnapshotListing, [](const Snapshot& snapshot) {
    return std::vector<std::string>{std::to_string(ToUnixMs(snapshot.time)), snapshot.id};
  });
}

Result<Snapshot> SqliteTx::FindSnapshot(std::string_view repository_id, std::string_view id) {
  if (id.empty() || id.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
    return MakeError(ErrorCode::kNotFound, "snapshot not found");
  }
  // A hex prefix has no LIKE wildcards; two rows are fetched to tell an ambiguous prefix.
  static const std::string kSql =
      JoinSql(kSelectSnapshots, " WHERE repository_id = ? AND snapshot_id >= ? AND snapshot_id < ? LIMIT 2");
  const std::string upper = std::string(id) + "g";  // just past every id with this prefix
  auto rows = QueryAll<Snapshot>(conn_, kSql, MapSnapshot, repository_id, id, upper);
  if (!rows.ok()) return rows.error();
  if (rows->size() != 1) return MakeError(ErrorCode::kNotFound, "snapshot not found");
  return std::move(rows->front());
}

Result<int64_t> SqliteTx::UpsertSnapshots(std::string_view repository_id, std::span<const Snapshot> snapshots) {
  const TimePoint now = Now();
  int64_t written = 0;
  for (const auto& snapshot : snapshots) {
    if (snapshot.id.empty()) return MakeError(ErrorCode::kInvalidArgument, "snapshot id must not be empty", "id");
    auto upserted = Execute(
        conn_,
        "INSERT INTO snapshots (repository_id, snapshot_id, short_id, time, hostname, paths, tags, host_id,"
        " size_bytes, indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (repository_id, snapshot_id) DO UPDATE SET short_id = excluded.short_id,"
        " time = excluded.time, hostname = excluded.hostname, paths = excluded.paths, tags = excluded.tags,"
        " host_id = COALESCE(excluded.host_id, snapshots.host_id), size_bytes = excluded.size_bytes, indexed_at = excluded.indexed_at",
        repository_id, snapshot.id, snapshot.short_id, TruncateToMs(snapshot.time), snapshot.hostname,
        EncodeStringList(snapshot.paths), EncodeStringList(snapshot.tags), snapshot.host_id, snapshot.size_bytes,
        now);
    if (!upserted.ok()) return upserted.error();
    written += *upserted;
  }
  return written;
}

Result<int64_t> SqliteTx::DeleteSnapshotsExcept(std::string_view repository_id,
                                                std::span<const std::string> keep_ids) {
  // json_each keeps the statement one parameter however long the list is.
  return Execute(conn_,
                 "DELETE FROM snapshots WHERE repository_id = ?"
                 " AND snapshot_id NOT IN (SELECT value FROM json_each(?))",
                 repository_id, EncodeStringList({keep_ids.begin(), keep_ids.end()}));
}

}  // namespace rmgr::store::sqlite

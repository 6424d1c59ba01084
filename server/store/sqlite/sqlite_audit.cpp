// SqliteTx: the audit log (append-only, paged newest first by id).
#include <string>

#include "server/store/page_cursor.h"
#include "server/store/sqlite/sqlite_tx.h"

namespace rmgr::store::sqlite {
namespace {

constexpr std::string_view kAuditListing = "audit";

AuditEntry MapAudit(Row& row) {
  AuditEntry entry;
  entry.id = row.Int(0);
  entry.at = row.Time(1);
  entry.actor_kind = row.Enum<ActorKind>(2);
  entry.actor_id = row.Text(3);
  entry.action = row.Text(4);
  entry.target_kind = row.Text(5);
  entry.target_id = row.Text(6);
  entry.source_addr = row.Text(7);
  entry.detail_json = row.Text(8);
  return entry;
}

SqlFilter AuditWhere(const AuditFilter& filter) {
  SqlFilter where;
  if (filter.actor_kind) where.And("actor_kind = ?", std::string(ToString(*filter.actor_kind)));
  if (filter.actor_id) where.And("actor_id = ?", *filter.actor_id);
  if (filter.action) where.And("action = ?", *filter.action);
  if (filter.target_kind) where.And("target_kind = ?", *filter.target_kind);
  if (filter.target_id) where.And("target_id = ?", *filter.target_id);
  if (filter.from) where.And("at >= ?", ToUnixMs(*filter.from));
  if (filter.to) where.And("at < ?", ToUnixMs(*filter.to));
  return where;
}

}  // namespace

Result<int64_t> SqliteTx::AppendAudit(const AuditEntry& entry) {
  if (entry.action.empty())
    return MakeError(ErrorCode::kInvalidArgument, "audit action must not be empty", "action");
  const TimePoint at = entry.at == TimePoint{} ? Now() : TruncateToMs(entry.at);
  return QueryInt(
      conn_, "audit entry",
      "INSERT INTO audit_log (at, actor_kind, actor_id, action, target_kind, target_id, source_addr,"
      " detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
      at, entry.actor_kind, entry.actor_id, entry.action, entry.target_kind, entry.target_id,
      entry.source_addr, entry.detail_json);
}

Result<Page<AuditEntry>> SqliteTx::ListAudit(const AuditFilter& filter, const PageRequest& page) {
  const int limit = ClampPageLimit(page.limit);
  SqlFilter where = AuditWhere(filter);
  if (!page.cursor.empty()) {
    auto after = DecodeCursor(page.cursor, kAuditListing, 1);
    if (!after.ok()) return after.error();
    auto before_id = CursorInt(after->front());
    if (!before_id.ok()) return before_id.error();
    where.And("id < ?", *before_id);
  }
  where.values().emplace_back(int64_t{limit} + 1);
  const std::string sql = JoinSql(
      "SELECT id, at, actor_kind, actor_id, action, target_kind, target_id, source_addr, detail FROM "
      "audit_log",
      where.sql() + " ORDER BY id DESC LIMIT ?");
  auto rows = QueryAllBound<AuditEntry>(conn_, sql, where.values(), MapAudit);
  if (!rows.ok()) return rows.error();
  return MakePage(std::move(*rows), limit, kAuditListing,
                  [](const AuditEntry& entry) { return std::vector<std::string>{std::to_string(entry.id)}; });
}

}  // namespace rmgr::store::sqlite

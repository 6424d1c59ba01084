// SqliteTx: enrollment tokens (secrets an agent exchanges for its host token,
// up to max_uses times; only their hash is stored).
#include <string>

#include "common/util/ulid.h"
#include "server/store/page_cursor.h"
#include "server/store/sqlite/codec.h"
#include "server/store/sqlite/sqlite_tx.h"

namespace rmgr::store::sqlite {
namespace {

constexpr std::string_view kEnrollmentListing = "enrollment_tokens";

constexpr std::string_view kSelectTokens =
    "SELECT id, name, token_hash, host_id, created_by, created_at, expires_at, used_at, used_by_host,"
    " revoked_at, max_uses, use_count, labels, last_used_at FROM enrollment_tokens";

EnrollmentToken MapToken(Row& row) {
  EnrollmentToken token;
  token.id = row.Text(0);
  token.name = row.Text(1);
  token.token_hash = row.Text(2);
  token.host_id = row.OptText(3);
  token.created_by = row.OptText(4);
  token.created_at = row.Time(5);
  token.expires_at = row.Time(6);
  token.used_at = row.OptTime(7);
  token.used_by_host = row.OptText(8);
  token.revoked_at = row.OptTime(9);
  token.max_uses = row.Int(10);
  token.use_count = row.Int(11);
  token.labels = row.StringMap(12);
  token.last_used_at = row.OptTime(13);
  return token;
}

}  // namespace

Result<EnrollmentToken> SqliteTx::GetEnrollmentToken(std::string_view id) {
  static const std::string kSql = JoinSql(kSelectTokens, " WHERE id = ?");
  return QueryOne<EnrollmentToken>(conn_, "enrollment token", kSql, MapToken, id);
}

Result<EnrollmentToken> SqliteTx::GetEnrollmentTokenByHash(std::string_view token_hash) {
  static const std::string kSql = JoinSql(kSelectTokens, " WHERE token_hash = ?");
  if (token_hash.empty()) return MakeError(ErrorCode::kNotFound, "enrollment token not found");
  return QueryOne<EnrollmentToken>(conn_, "enrollment token", kSql, MapToken, token_hash);
}

Result<Page<EnrollmentToken>> SqliteTx::ListEnrollmentTokens(const PageRequest& page) {
  const int limit = ClampPageLimit(page.limit);
  SqlFilter where;
  if (!page.cursor.empty()) {
    auto after = DecodeCursor(page.cursor, kEnrollmentListing, 2);
    if (!after.ok()) return after.error();
    auto created_ms = CursorInt((*after)[0]);
    if (!created_ms.ok()) return created_ms.error();
    where.And("(created_at, id) < (?, ?)", *created_ms, std::move((*after)[1]));
  }
  where.values().emplace_back(int64_t{limit} + 1);
  const std::string sql = JoinSql(kSelectTokens, where.sql() + " ORDER BY created_at DESC, id DESC LIMIT ?");
  auto rows = QueryAllBound<EnrollmentToken>(conn_, sql, where.values(), MapToken);
  if (!rows.ok()) return rows.error();
  return MakePage(std::move(*rows), limit, kEnrollmentListing, [](const EnrollmentToken& token) {
    return std::vector<std::string>{std::to_string(ToUnixMs(token.created_at)), token.id};
  });
}

Result<EnrollmentToken> SqliteTx::CreateEnrollmentToken(const NewEnrollmentToken& token) {
  if (token.name.empty()) return MakeError(ErrorCode::kInvalidArgument, "name must not be empty", "name");
  if (token.token_hash.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "token hash must not be empty", "token_hash");
  }
  if (token.max_uses < 1)
    return MakeError(ErrorCode::kInvalidArgument, "max_uses must be at least 1", "max_uses");
  if (token.host_id && token.max_uses != 1) {
    return MakeError(ErrorCode::kInvalidArgument, "a token for a pre-registered host (host_id) is single-use",
                     "max_uses");
  }
  if (auto valid = labels::Validate(token.labels); !valid.ok()) return valid.error();
  const TimePoint now = Now();
  const std::string id = NewUlid(now);
  // created_by links the user only when such a user exists: the audit log
  // keeps the actor either way, and an unknown id must not fail the insert.
  auto inserted =
      Execute(conn_,
              "INSERT INTO enrollment_tokens (id, token_hash, name, created_by, created_at,"
              " expires_at, host_id, max_uses, labels)"
              " VALUES (?, ?, ?, (SELECT id FROM users WHERE id = ?), ?, ?, ?, ?, ?)",
              id, token.token_hash, token.name, token.created_by, now, TruncateToMs(token.expires_at),
              token.host_id, token.max_uses, EncodeStringMap(token.labels));
  if (!inserted.ok()) return inserted.error();
  return GetEnrollmentToken(id);
}

Result<EnrollmentToken> SqliteTx::RevokeEnrollmentToken(std::string_view id) {
  auto changed =
      Execute(conn_, "UPDATE enrollment_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", Now(), id);
  if (auto found = RequireChanged(changed, "enrollment token"); !found.ok()) return found.error();
  return GetEnrollmentToken(id);
}

Result<EnrollmentToken> SqliteTx::ConsumeEnrollmentToken(std::string_view id, std::string_view host_id) {
  const TimePoint now = Now();
  // One statement checks and takes the use: SQLite runs it under the write
  // lock, so a concurrent enrollment sees the raised count.
  auto changed = Execute(conn_,
                         "UPDATE enrollment_tokens SET use_count = use_count + 1, last_used_at = ?,"
                         " used_at = COALESCE(used_at, ?), used_by_host = CASE WHEN use_count = 0 THEN ?"
                         " ELSE used_by_host END WHERE id = ? AND use_count < max_uses AND revoked_at IS NULL"
                         " AND expires_at > ?",
                         now, now, host_id, id, now);
  if (!changed.ok()) return changed.error();
  auto token = GetEnrollmentToken(id);
  if (!token.ok() || *changed > 0) return token;
  return MakeError(ErrorCode::kConflict,
                   "enrollment token is " + std::string(ToString(token->StatusAt(now))), "token");
}

}  // namespace rmgr::store::sqlite

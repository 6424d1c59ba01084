// SqliteTx: users, browser sessions and API tokens (operator credentials).
#include <string>

#include "common/util/ulid.h"
#include "server/store/page_cursor.h"
#include "server/store/sqlite/sqlite_tx.h"

namespace rmgr::store::sqlite {
namespace {

constexpr std::string_view kUserListing = "users";
constexpr std::string_view kApiTokenListing = "api_tokens";

// totp_enabled is derived, so no code path can set it without a confirmed secret.
constexpr std::string_view kSelectUsers =
    "SELECT id, username, password_hash, role, created_at, disabled_at,"
    " EXISTS (SELECT 1 FROM user_totp t WHERE t.user_id = users.id AND t.confirmed_at IS NOT NULL)"
    " FROM users";
constexpr std::string_view kSelectSessions =
    "SELECT token_hash, id, user_id, csrf_hash, created_at, expires_at, last_used_at, client_address,"
    " user_agent FROM sessions";
constexpr std::string_view kSelectApiTokens =
    "SELECT id, user_id, name, token_hash, created_at, expires_at, last_used_at, revoked_at FROM api_tokens";

User MapUser(Row& row) {
  User user;
  user.id = row.Text(0);
  user.username = row.Text(1);
  user.password_hash = row.Text(2);
  user.role = row.Text(3);
  user.created_at = row.Time(4);
  user.disabled_at = row.OptTime(5);
  user.totp_enabled = row.Bool(6);
  return user;
}

Session MapSession(Row& row) {
  Session session;
  session.token_hash = row.Text(0);
  session.id = row.Text(1);
  session.user_id = row.Text(2);
  session.csrf_hash = row.Text(3);
  session.created_at = row.Time(4);
  session.expires_at = row.Time(5);
  session.last_used_at = row.Time(6);
  session.client_address = row.Text(7);
  session.user_agent = row.Text(8);
  return session;
}

ApiToken MapApiToken(Row& row) {
  ApiToken token;
  token.id = row.Text(0);
  token.user_id = row.Text(1);
  token.name = row.Text(2);
  token.token_hash = row.Text(3);
  token.created_at = row.Time(4);
  token.expires_at = row.OptTime(5);
  token.last_used_at = row.OptTime(6);
  token.revoked_at = row.OptTime(7);
  return token;
}

// The generic unique-key message names table columns; say it for a caller.
template <class T>
Result<T> RenameConflict(Result<T> result, std::string_view field, std::string_view message) {
  if (result.ok() || result.error().code != ErrorCode::kConflict || result.error().field != field) {
    return result;
  }
  return MakeError(ErrorCode::kConflict, std::string(message), std::string(field));
}

}  // namespace

// ----------------------------------------------------------------- reads --

Result<User> SqliteTx::GetUser(std::string_view id) {
  static const std::string kSql = JoinSql(kSelectUsers, " WHERE id = ?");
  return QueryOne<User>(conn_, "user", kSql, MapUser, id);
}

Result<User> SqliteTx::GetUserByUsername(std::string_view username) {
  static const std::string kSql = JoinSql(kSelectUsers, " WHERE username = ?");
  return QueryOne<User>(conn_, "user", kSql, MapUser, username);
}

Result<Page<User>> SqliteTx::ListUsers(const PageRequest& page) {
  const int limit = ClampPageLimit(page.limit);
  SqlFilter filter;
  if (!page.cursor.empty()) {
    auto after = DecodeCursor(page.cursor, kUserListing, 1);
    if (!after.ok()) return after.error();
    filter.And("username > ?", std::move(after->front()));
  }
  filter.values().emplace_back(int64_t{limit} + 1);
  const std::string sql = JoinSql(kSelectUsers, filter.sql() + " ORDER BY username LIMIT ?");
  auto rows = QueryAllBound<User>(conn_, sql, filter.values(), MapUser);
  if (!rows.ok()) return rows.error();
  return MakePage(std::move(*rows), limit, kUserListing,
                  [](const User& user) { return std::vector<std::string>{user.username}; });
}

Result<int64_t> SqliteTx::CountUsers() {
  return QueryInt(conn_, "user count", "SELECT COUNT(*) FROM users");
}

Result<int64_t> SqliteTx::CountActiveAdmins() {
  return QueryInt(conn_, "admin count",
                  "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL");
}

Result<Session> SqliteTx::GetSession(std::string_view token_hash) {
  static const std::string kSql = JoinSql(kSelectSessions, " WHERE token_hash = ?");
  if (token_hash.empty()) return MakeError(ErrorCode::kNotFound, "session not found");
  return QueryOne<Session>(conn_, "session", kSql, MapSession, token_hash);
}

Result<std::vector<Session>> SqliteTx::ListUserSessions(std::string_view user_id) {
  static const std::string kSql =
      JoinSql(kSelectSessions, " WHERE user_id = ? ORDER BY created_at DESC, id DESC");
  return QueryAll<Session>(conn_, kSql, MapSession, user_id);
}

Result<Session> SqliteTx::GetSessionById(std::string_view id) {
  static const std::string kSql = JoinSql(kSelectSessions, " WHERE id = ?");
  return QueryOne<Session>(conn_, "session", kSql, MapSession, id);
}

Result<ApiToken> SqliteTx::GetApiToken(std::string_view id) {
  static const std::string kSql = JoinSql(kSelectApiTokens, " WHERE id = ?");
  return QueryOne<ApiToken>(conn_, "API token", kSql, MapApiToken, id);
}

Result<ApiToken> SqliteTx::GetApiTokenByHash(std::string_view token_hash) {
  static const std::string kSql = JoinSql(kSelectApiTokens, " WHERE token_hash = ?");
  if (token_hash.empty()) return MakeError(ErrorCode::kNotFound, "API token not found");
  return QueryOne<ApiToken>(conn_, "API token", kSql, MapApiToken, token_hash);
}

Result<Page<ApiToken>> SqliteTx::ListApiTokens(const ApiTokenFilter& filter, const PageRequest& page) {
  const int limit = ClampPageLimit(page.limit);
  SqlFilter where;
  if (filter.user_id) where.And("user_id = ?", *filter.user_id);
  if (!page.cursor.empty()) {
    auto after = DecodeCursor(page.cursor, kApiTokenListing, 1);
    if (!after.ok()) return after.error();
    where.And("id > ?", std::move(after->front()));
  }
  where.values().emplace_back(int64_t{limit} + 1);
  const std::string sql = JoinSql(kSelectApiTokens, where.sql() + " ORDER BY id LIMIT ?");
  auto rows = QueryAllBound<ApiToken>(conn_, sql, where.values(), MapApiToken);
  if (!rows.ok()) return rows.error();
  return MakePage(std::move(*rows), limit, kApiTokenListing,
                  [](const ApiToken& token) { return std::vector<std::string>{token.id}; });
}

// ---------------------------------------------------------------- writes --

Result<User> SqliteTx::CreateUser(const NewUser& user) {
  if (user.username.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "username must not be empty", "username");
  }
  if (user.password_hash.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "password hash must not be empty", "password");
  }
  const TimePoint now = Now();
  const std::string id = NewUlid(now);
  auto inserted = RenameConflict(
      Execute(conn_,
              "INSERT INTO users (id, username, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)", id,
              user.username, user.password_hash, user.role, now),
      "username", "a user with this username already exists");
  if (!inserted.ok()) return inserted.error();
  return GetUser(id);
}

Result<User> SqliteTx::UpdateUser(std::string_view id, const UserUpdate& update) {
  if (update.password_hash && update.password_hash->empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "password hash must not be empty", "password");
  }
  auto changed =
      Execute(conn_,
              "UPDATE users SET role = COALESCE(?, role), password_hash = COALESCE(?, password_hash),"
              " disabled_at = CASE WHEN ? IS NULL THEN disabled_at"
              " WHEN ? = 1 THEN COALESCE(disabled_at, ?) ELSE NULL END WHERE id = ?",
              update.role, update.password_hash, update.disabled, update.disabled, Now(), id);
  if (auto found = RequireChanged(changed, "user"); !found.ok()) return found.error();
  return GetUser(id);
}

Result<void> SqliteTx::DeleteUser(std::string_view id) {
  return RequireChanged(Execute(conn_, "DELETE FROM users WHERE id = ?", id), "user");
}

Result<Session> SqliteTx::CreateSession(const Session& session) {
  if (session.token_hash.empty() || session.csrf_hash.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "session token and CSRF hashes must not be empty");
  }
  const TimePoint now = Now();
  auto inserted = Execute(conn_,
                          "INSERT INTO sessions (token_hash, id, user_id, csrf_hash, created_at, expires_at,"
                          " last_used_at, client_address, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          session.token_hash, NewUlid(now), session.user_id, session.csrf_hash, now,
                          TruncateToMs(session.expires_at), now, session.client_address, session.user_agent);
  if (!inserted.ok()) return inserted.error();
  return GetSession(session.token_hash);
}

Result<bool> SqliteTx::TouchSession(std::string_view token_hash, TimePoint expires_at, TimePoint used_at,
                                    TimePoint if_before) {
  auto changed =
      Execute(conn_,
              "UPDATE sessions SET expires_at = ?, last_used_at = ? WHERE token_hash = ?"
              " AND last_used_at < ?",
              TruncateToMs(expires_at), TruncateToMs(used_at), token_hash, TruncateToMs(if_before));
  if (!changed.ok()) return changed.error();
  if (*changed > 0) return true;
  auto exists = GetSession(token_hash);
  if (!exists.ok()) return exists.error();
  return false;
}

Result<void> SqliteTx::DeleteSession(std::string_view token_hash) {
  return RequireChanged(Execute(conn_, "DELETE FROM sessions WHERE token_hash = ?", token_hash), "session");
}

Result<int64_t> SqliteTx::DeleteUserSessions(std::string_view user_id, std::string_view keep_token_hash) {
  return Execute(conn_, "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?", user_id,
                 keep_token_hash);
}

Result<int64_t> SqliteTx::DeleteExpiredSessions(TimePoint now) {
  return Execute(conn_, "DELETE FROM sessions WHERE expires_at <= ?", TruncateToMs(now));
}

Result<ApiToken> SqliteTx::CreateApiToken(const NewApiToken& token) {
  if (token.name.empty())
    return MakeError(ErrorCode::kInvalidArgument, "token name must not be empty", "name");
  if (token.token_hash.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "token hash must not be empty", "token_hash");
  }
  const TimePoint now = Now();
  const std::string id = NewUlid(now);
  std::optional<TimePoint> expires_at;
  if (token.expires_at) expires_at = TruncateToMs(*token.expires_at);
  auto inserted =
      RenameConflict(Execute(conn_,
                             "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at)"
                             " VALUES (?, ?, ?, ?, ?, ?)",
                             id, token.user_id, token.name, token.token_hash, now, expires_at),
                     "name", "you already have a token with this name");
  if (!inserted.ok()) return inserted.error();
  return GetApiToken(id);
}

Result<ApiToken> SqliteTx::RevokeApiToken(std::string_view id) {
  auto changed =
      Execute(conn_, "UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?", Now(), id);
  if (auto found = RequireChanged(changed, "API token"); !found.ok()) return found.error();
  return GetApiToken(id);
}

Result<bool> SqliteTx::TouchApiToken(std::string_view id, TimePoint used_at, TimePoint if_before) {
  auto changed = Execute(conn_,
                         "UPDATE api_tokens SET last_used_at = ? WHERE id = ?"
                         " AND (last_used_at IS NULL OR last_used_at < ?)",
                         TruncateToMs(used_at), id, TruncateToMs(if_before));
  if (!changed.ok()) return changed.error();
  if (*changed > 0) return true;
  auto exists = GetApiToken(id);
  if (!exists.ok()) return exists.error();
  return false;
}

}  // namespace rmgr::store::sqlite

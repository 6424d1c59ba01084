// SqliteTx: account security — TOTP secrets, recovery codes, login
// challenges and the account settings (migration 0013).
#include <string>

#include "server/store/sqlite/sqlite_tx.h"

namespace rmgr::store::sqlite {
namespace {

constexpr std::string_view kSelectTotp =
    "SELECT user_id, secret_nonce, secret_ciphertext, created_at, confirmed_at, last_used_step FROM "
    "user_totp";
constexpr std::string_view kSelectChallenges =
    "SELECT token_hash, user_id, created_at, expires_at, failures FROM login_challenges";
constexpr std::string_view kRequireTotpKey = "require_totp";

UserTotp MapTotp(Row& row) {
  UserTotp totp;
  totp.user_id = row.Text(0);
  totp.secret_nonce = row.Blob(1);
  totp.secret_ciphertext = row.Blob(2);
  totp.created_at = row.Time(3);
  totp.confirmed_at = row.OptTime(4);
  totp.last_used_step = row.Int(5);
  return totp;
}

LoginChallenge MapChallenge(Row& row) {
  LoginChallenge challenge;
  challenge.token_hash = row.Text(0);
  challenge.user_id = row.Text(1);
  challenge.created_at = row.Time(2);
  challenge.expires_at = row.Time(3);
  challenge.failures = row.Int(4);
  return challenge;
}

}  // namespace

// ----------------------------------------------------------------- reads --

Result<UserTotp> SqliteTx::GetUserTotp(std::string_view user_id) {
  static const std::string kSql = JoinSql(kSelectTotp, " WHERE user_id = ?");
  return QueryOne<UserTotp>(conn_, "TOTP", kSql, MapTotp, user_id);
}

Result<int64_t> SqliteTx::CountUnusedRecoveryCodes(std::string_view user_id) {
  return QueryInt(conn_, "recovery code count",
                  "SELECT COUNT(*) FROM user_recovery_codes WHERE user_id = ? AND used_at IS NULL", user_id);
}

Result<LoginChallenge> SqliteTx::GetLoginChallenge(std::string_view token_hash) {
  static const std::string kSql = JoinSql(kSelectChallenges, " WHERE token_hash = ?");
  if (token_hash.empty()) return MakeError(ErrorCode::kNotFound, "login challenge not found");
  return QueryOne<LoginChallenge>(conn_, "login challenge", kSql, MapChallenge, token_hash);
}

Result<AccountSettings> SqliteTx::GetAccountSettings() {
  struct Row_ {
    std::string value;
    TimePoint updated_at;
  };
  auto rows = QueryAll<Row_>(
      conn_, "SELECT value, updated_at FROM server_settings WHERE key = ?",
      [](Row& row) {
        return Row_{row.Text(0), row.Time(1)};
      },
      kRequireTotpKey);
  if (!rows.ok()) return rows.error();
  AccountSettings settings;
  if (!rows->empty()) {
    settings.require_totp = rows->front().value == "true";
    settings.updated_at = rows->front().updated_at;
  }
  return settings;
}

// ---------------------------------------------------------------- writes --

Result<UserTotp> SqliteTx::PutPendingTotp(const UserTotp& totp) {
  if (totp.secret_nonce.empty() || totp.secret_ciphertext.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, "a TOTP secret must be sealed");
  }
  // Replaces only a pending secret: a confirmed one is changed by disabling it first.
  auto written =
      Execute(conn_,
              "INSERT INTO user_totp (user_id, secret_nonce, secret_ciphertext, created_at)"
              " VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET"
              " secret_nonce = excluded.secret_nonce, secret_ciphertext = excluded.secret_ciphertext,"
              " created_at = excluded.created_at, last_used_step = 0"
              " WHERE user_totp.confirmed_at IS NULL",
              totp.user_id, totp.secret_nonce, totp.secret_ciphertext, Now());
  if (!written.ok()) return written.error();
  if (*written == 0) return MakeError(ErrorCode::kConflict, "two-factor authentication is already enabled");
  return GetUserTotp(totp.user_id);
}

Result<UserTotp> SqliteTx::ConfirmTotp(std::string_view user_id, int64_t step) {
  auto current = GetUserTotp(user_id);
  if (!current.ok()) return current.error();
  if (current->confirmed_at)
    return MakeError(ErrorCode::kConflict, "two-factor authentication is already enabled");
  auto changed = Execute(conn_, "UPDATE user_totp SET confirmed_at = ?, last_used_step = ? WHERE user_id = ?",
                         Now(), step, user_id);
  if (!changed.ok()) return changed.error();
  return GetUserTotp(user_id);
}

Result<bool> SqliteTx::UseTotpStep(std::string_view user_id, int64_t step) {
  // One conditional UPDATE: two requests with the same code cannot both win.
  auto changed = Execute(conn_,
                         "UPDATE user_totp SET last_used_step = ? WHERE user_id = ?"
                         " AND confirmed_at IS NOT NULL AND last_used_step < ?",
                         step, user_id, step);
  if (!changed.ok()) return changed.error();
  return *changed > 0;
}

Result<bool> SqliteTx::DeleteTotp(std::string_view user_id) {
  if (auto codes = Execute(conn_, "DELETE FROM user_recovery_codes WHERE user_id = ?", user_id);
      !codes.ok()) {
    return codes.error();
  }
  auto deleted = Execute(conn_, "DELETE FROM user_totp WHERE user_id = ?", user_id);
  if (!deleted.ok()) return deleted.error();
  return *deleted > 0;
}

Result<void> SqliteTx::ReplaceRecoveryCodes(std::string_view user_id,
                                            std::span<const std::string> code_hashes) {
  if (auto old = Execute(conn_, "DELETE FROM user_recovery_codes WHERE user_id = ?", user_id); !old.ok()) {
    return old.error();
  }
  const TimePoint now = Now();
  for (const auto& hash : code_hashes) {
    auto inserted =
        Execute(conn_, "INSERT INTO user_recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)",
                user_id, hash, now);
    if (!inserted.ok()) return inserted.error();
  }
  return Ok();
}

Result<bool> SqliteTx::UseRecoveryCode(std::string_view user_id, std::string_view code_hash) {
  auto changed = Execute(conn_,
                         "UPDATE user_recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ?"
                         " AND used_at IS NULL",
                         Now(), user_id, code_hash);
  if (!changed.ok()) return changed.error();
  return *changed > 0;
}

Result<LoginChallenge> SqliteTx::CreateLoginChallenge(const LoginChallenge& challenge) {
  if (challenge.token_hash.empty())
    return MakeError(ErrorCode::kInvalidArgument, "challenge hash must not be empty");
  const TimePoint now = Now();
  if (auto swept = Execute(conn_, "DELETE FROM login_challenges WHERE expires_at <= ?", now); !swept.ok()) {
    return swept.error();
  }
  auto inserted = Execute(conn_,
                          "INSERT INTO login_challenges (token_hash, user_id, created_at, expires_at)"
                          " VALUES (?, ?, ?, ?)",
                          challenge.token_hash, challenge.user_id, now, TruncateToMs(challenge.expires_at));
  if (!inserted.ok()) return inserted.error();
  return GetLoginChallenge(challenge.token_hash);
}

Result<int64_t> SqliteTx::FailLoginChallenge(std::string_view token_hash) {
  auto changed =
      Execute(conn_, "UPDATE login_challenges SET failures = failures + 1 WHERE token_hash = ?", token_hash);
  if (auto found = RequireChanged(changed, "login challenge"); !found.ok()) return found.error();
  auto challenge = GetLoginChallenge(token_hash);
  if (!challenge.ok()) return challenge.error();
  return challenge->failures;
}

Result<void> SqliteTx::DeleteLoginChallenge(std::string_view token_hash) {
  return RequireChanged(Execute(conn_, "DELETE FROM login_challenges WHERE token_hash = ?", token_hash),
                        "login challenge");
}

Result<AccountSettings> SqliteTx::PutAccountSettings(const AccountSettings& settings) {
  auto written =
      Execute(conn_,
              "INSERT INTO server_settings (key, value, updated_at) VALUES (?, ?, ?)"
              " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
              kRequireTotpKey, std::string(settings.require_totp ? "true" : "false"), Now());
  if (!written.ok()) return written.error();
  return GetAccountSettings();
}

}  // namespace rmgr::store::sqlite

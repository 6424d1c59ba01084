// Store suite: account security — session list fields, TOTP secrets with
// their replay guard, recovery codes, login challenges, account settings.
#include <array>

#include "server/store/store_test_fixture.h"

namespace rmgr::store::testing {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

class AccountsTest : public StoreTest {
 protected:
  User MakeUser(const std::string& username) {
    return Must(store().Write([&](WriteTx& tx) {
      return tx.CreateUser(NewUser{username, "$argon2id$hash-of-" + username, "operator"});
    }));
  }

  UserTotp Pending(const std::string& user_id, unsigned char fill) {
    UserTotp totp;
    totp.user_id = user_id;
    totp.secret_nonce.assign(24, fill);
    totp.secret_ciphertext.assign(36, fill);
    return Must(store().Write([&](WriteTx& tx) { return tx.PutPendingTotp(totp); }));
  }

  User Reload(const std::string& id) {
    return Must(store().Read([&](ReadTx& tx) { return tx.GetUser(id); }));
  }
};

TEST_P(AccountsTest, SessionsKeepAddressAgentAndAPublicIdAndListNewestFirst) {
  const User user = MakeUser("alice");
  Session first{"hash-1", user.id, "csrf-1", {}, Now() + hours(1)};
  first.client_address = "127.0.0.1";
  first.user_agent = "Firefox";
  const Session made = Must(store().Write([&](WriteTx& tx) { return tx.CreateSession(first); }));
  EXPECT_FALSE(made.id.empty());
  EXPECT_NE(made.id, made.token_hash);
  EXPECT_EQ(made.client_address, "127.0.0.1");
  EXPECT_EQ(made.user_agent, "Firefox");
  EXPECT_EQ(made.last_used_at, made.created_at);
  Advance(minutes(1));
  Session second{"hash-2", user.id, "csrf-2", {}, Now() + hours(1)};
  const Session newer = Must(store().Write([&](WriteTx& tx) { return tx.CreateSession(second); }));

  const auto listed = Must(store().Read([&](ReadTx& tx) { return tx.ListUserSessions(user.id); }));
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, newer.id);
  EXPECT_EQ(listed[1].id, made.id);
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.GetSessionById(made.id); })).token_hash, "hash-1");
  EXPECT_EQ(store().Read([&](ReadTx& tx) { return tx.GetSessionById("nope"); }).error().code,
            ErrorCode::kNotFound);
}

TEST_P(AccountsTest, TotpIsEnabledOnlyOnceConfirmedAndAcceptsEachStepOnce) {
  const User user = MakeUser("bob");
  EXPECT_EQ(store().Read([&](ReadTx& tx) { return tx.GetUserTotp(user.id); }).error().code,
            ErrorCode::kNotFound);
  Pending(user.id, 1);
  const UserTotp replaced = Pending(user.id, 2);  // a restarted enrolment replaces the pending secret
  EXPECT_EQ(replaced.secret_nonce.front(), 2);
  EXPECT_FALSE(replaced.confirmed_at);
  EXPECT_FALSE(Reload(user.id).totp_enabled);
  // Codes are not accepted before confirmation.
  EXPECT_FALSE(Must(store().Write([&](WriteTx& tx) { return tx.UseTotpStep(user.id, 100); })));

  const UserTotp confirmed = Must(store().Write([&](WriteTx& tx) { return tx.ConfirmTotp(user.id, 100); }));
  EXPECT_TRUE(confirmed.confirmed_at);
  EXPECT_EQ(confirmed.last_used_step, 100);
  EXPECT_TRUE(Reload(user.id).totp_enabled);
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.ConfirmTotp(user.id, 101); }).error().code,
            ErrorCode::kConflict);
  UserTotp again;
  again.user_id = user.id;
  again.secret_nonce.assign(24, 3);
  again.secret_ciphertext.assign(36, 3);
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.PutPendingTotp(again); }).error().code,
            ErrorCode::kConflict);

  // The confirming step, and any older one, are spent; a newer one once.
  EXPECT_FALSE(Must(store().Write([&](WriteTx& tx) { return tx.UseTotpStep(user.id, 100); })));
  EXPECT_FALSE(Must(store().Write([&](WriteTx& tx) { return tx.UseTotpStep(user.id, 99); })));
  EXPECT_TRUE(Must(store().Write([&](WriteTx& tx) { return tx.UseTotpStep(user.id, 101); })));
  EXPECT_FALSE(Must(store().Write([&](WriteTx& tx) { return tx.UseTotpStep(user.id, 101); })));

  EXPECT_TRUE(Must(store().Write([&](WriteTx& tx) { return tx.DeleteTotp(user.id); })));
  EXPECT_FALSE(Reload(user.id).totp_enabled);
  EXPECT_FALSE(Must(store().Write([&](WriteTx& tx) { return tx.DeleteTotp(user.id); })));
}

TEST_P(AccountsTest, RecoveryCodesAreSpentOnceAndReplacedAsAWhole) {
  const User user = MakeUser("carol");
  const User other = MakeUser("dave");
  const std::array<std::string, 2> codes{"code-a", "code-b"};
  MustOk(store().Write([&](WriteTx& tx) { return tx.ReplaceRecoveryCodes(user.id, codes); }));
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.CountUnusedRecoveryCodes(user.id); })), 2);
  EXPECT_FALSE(Must(store().Write([&](WriteTx& tx) { return tx.UseRecoveryCode(other.id, "code-a"); })));
  EXPECT_TRUE(Must(store().Write([&](WriteTx& tx) { return tx.UseRecoveryCode(user.id, "code-a"); })));
  EXPECT_FALSE(Must(store().Write([&](WriteTx& tx) { return tx.UseRecoveryCode(user.id, "code-a"); })));
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.CountUnusedRecoveryCodes(user.id); })), 1);

  const std::array<std::string, 1> fresh{"code-c"};
  MustOk(store().Write([&](WriteTx& tx) { return tx.ReplaceRecoveryCodes(user.id, fresh); }));
  EXPECT_FALSE(Must(store().Write([&](WriteTx& tx) { return tx.UseRecoveryCode(user.id, "code-b"); })));
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.CountUnusedRecoveryCodes(user.id); })), 1);
  Pending(user.id, 1);
  Must(store().Write([&](WriteTx& tx) { return tx.DeleteTotp(user.id); }));
  EXPECT_EQ(Must(store().Read([&](ReadTx& tx) { return tx.CountUnusedRecoveryCodes(user.id); })), 0);
}

TEST_P(AccountsTest, LoginChallengesCountFailuresAndExpiredOnesAreSwept) {
  const User user = MakeUser("erin");
  LoginChallenge old{"old", user.id, {}, Now() + minutes(1), 0};
  Must(store().Write([&](WriteTx& tx) { return tx.CreateLoginChallenge(old); }));
  Advance(minutes(2));
  LoginChallenge fresh{"fresh", user.id, {}, Now() + minutes(5), 0};
  const LoginChallenge made =
      Must(store().Write([&](WriteTx& tx) { return tx.CreateLoginChallenge(fresh); }));
  EXPECT_EQ(made.failures, 0);
  EXPECT_EQ(store().Read([&](ReadTx& tx) { return tx.GetLoginChallenge("old"); }).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(Must(store().Write([&](WriteTx& tx) { return tx.FailLoginChallenge("fresh"); })), 1);
  EXPECT_EQ(Must(store().Write([&](WriteTx& tx) { return tx.FailLoginChallenge("fresh"); })), 2);
  MustOk(store().Write([&](WriteTx& tx) { return tx.DeleteLoginChallenge("fresh"); }));
  EXPECT_EQ(store().Write([&](WriteTx& tx) { return tx.FailLoginChallenge("fresh"); }).error().code,
            ErrorCode::kNotFound);
}

TEST_P(AccountsTest, AccountSettingsDefaultOffAndPersist) {
  const AccountSettings defaults = Must(store().Read([](ReadTx& tx) { return tx.GetAccountSettings(); }));
  EXPECT_FALSE(defaults.require_totp);
  EXPECT_FALSE(defaults.updated_at);
  AccountSettings on;
  on.require_totp = true;
  const AccountSettings stored = Must(store().Write([&](WriteTx& tx) { return tx.PutAccountSettings(on); }));
  EXPECT_TRUE(stored.require_totp);
  EXPECT_TRUE(stored.updated_at);
  on.require_totp = false;
  Must(store().Write([&](WriteTx& tx) { return tx.PutAccountSettings(on); }));
  EXPECT_FALSE(Must(store().Read([](ReadTx& tx) { return tx.GetAccountSettings(); })).require_totp);
}

INSTANTIATE_TEST_SUITE_P(store, AccountsTest, ::testing::ValuesIn(AllBackends()), BackendName);

}  // namespace
}  // namespace rmgr::store::testing

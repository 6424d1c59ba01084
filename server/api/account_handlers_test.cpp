// Operator accounts end to end (issue 12): TOTP enrolment and login with a
// code, replayed and wrong codes, recovery codes, require-TOTP, the session
// list with revoke and the password change — the real SessionAuthenticator
// and handlers over a real SQLite store, over real HTTP on 127.0.0.1, with
// the codes computed from the secret the enrolment answers.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "server/api/api_test_fixture.h"
#include "server/api/auth_handlers.h"
#include "server/auth/credentials.h"
#include "server/auth/session_authenticator.h"
#include "server/auth/totp.h"

namespace rmgr::server::api {
namespace {

namespace json = boost::json;
using std::chrono::seconds;

constexpr const char* kAdminPassword = "admin-password-1";
constexpr const char* kUserPassword = "operator-password-2";

struct Browser {
  std::string cookie;
  std::string csrf;
};

// RFC 4648 base32 as the enrolment answers it, back to the raw secret.
std::vector<unsigned char> Base32Decode(std::string_view text) {
  std::vector<unsigned char> out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const int value = c >= 'A' && c <= 'Z' ? c - 'A' : c - '2' + 26;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<unsigned char>((buffer >> (bits - 8)) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

class AccountApiTest : public testing::ApiFixture {
 protected:
  void SetUp() override {
    // The real clock (the store stamps sessions with it) plus what a test advanced.
    // A code names its own step, so a step boundary passing mid-test changes
    // nothing; "wrong" codes are five steps off, out of any window.
    Deps().now = [offset = offset_] { return Clock::now() + std::chrono::milliseconds(offset->load()); };
    sessions_ = std::make_unique<auth::SessionAuthenticator>(Store(), Deps().now);
    UseAuthenticator(sessions_.get());
    handlers_ = std::make_unique<AuthHandlers>(Deps(), *sessions_, Limits());
    handlers_->Register(Routes());
    Start();
    admin_id_ = MakeUser("root", kAdminPassword, "admin").id;
    user_id_ = MakeUser("olivia", kUserPassword, "operator").id;
  }

  virtual LoginLimits Limits() const {
    return LoginLimits{.per_address_burst = 1000,
                       .per_address_refill = std::chrono::milliseconds(1),
                       .per_user_burst = 1000,
                       .per_user_refill = std::chrono::milliseconds(1)};
  }

  void Advance(std::chrono::milliseconds by) { offset_->fetch_add(by.count()); }
  TimePoint Now() { return Deps().now(); }

  store::User MakeUser(const std::string& username, const std::string& password, const std::string& role) {
    auto hash = auth::HashPassword(password);
    EXPECT_TRUE(hash.ok());
    auto user = Store().Write([&](store::WriteTx& tx) {
      return tx.CreateUser(store::NewUser{username, *hash, role});
    });
    if (!user) throw std::runtime_error(user.error().Describe());
    return *user;
  }

  testing::Reply LoginReply(const std::string& username, const std::string& password,
                            const std::string& agent = "test-agent/1") {
    return Call("POST", "/api/v1/auth/login",
                json::serialize(json::object{{"username", username}, {"password", password}}),
                {{"User-Agent", agent}});
  }

  testing::Reply TotpReply(const std::string& challenge, const std::string& code) {
    return Call("POST", "/api/v1/auth/login/totp",
                json::serialize(json::object{{"challenge", challenge}, {"code", code}}));
  }

  static Browser FromLogin(testing::Reply& reply) {
    Browser browser;
    const std::string& set_cookie = reply.headers["set-cookie"];
    const std::string prefix = "rm_session=";
    if (set_cookie.rfind(prefix, 0) == 0) {
      browser.cookie = set_cookie.substr(prefix.size(), set_cookie.find(';') - prefix.size());
    }
    const json::value body = reply.Json();
    if (const auto* csrf = body.is_object() ? body.as_object().if_contains("csrf_token") : nullptr) {
      browser.csrf = std::string(csrf->as_string());
    }
    return browser;
  }

  Browser Login(const std::string& username, const std::string& password,
                const std::string& agent = "test-agent/1") {
    auto reply = LoginReply(username, password, agent);
    EXPECT_EQ(reply.status, 200u) << reply.body;
    return FromLogin(reply);
  }

  //! Password, then `code`: the browser on success (empty cookie otherwise).
  Browser LoginWithCode(const std::string& username, const std::string& password, const std::string& code,
                        unsigned expect_status = 200) {
    auto first = LoginReply(username, password);
    EXPECT_EQ(first.status, 200u) << first.body;
    EXPECT_EQ(first.Json().at("totp_required"), true) << first.body;
    EXPECT_EQ(first.headers.count("set-cookie"), 0u) << "no session before the code";
    auto second = TotpReply(std::string(first.Json().at("challenge").as_string()), code);
    EXPECT_EQ(second.status, expect_status) << second.body;
    return FromLogin(second);
  }

  testing::Reply AsBrowser(const Browser& browser, std::string_view method, const std::string& target,
                           const json::value& body = nullptr) {
    return Call(method, target, body.is_null() ? std::string() : json::serialize(body),
                {{"Cookie", "rm_session=" + browser.cookie}, {"X-CSRF-Token", browser.csrf}});
  }

  //! Enrols TOTP for the logged-in browser; returns the raw secret and the recovery codes.
  std::pair<std::vector<unsigned char>, std::vector<std::string>> Enrol(const Browser& browser) {
    auto started = AsBrowser(browser, "POST", "/api/v1/account/totp/enrol");
    EXPECT_EQ(started.status, 200u) << started.body;
    const auto secret = Base32Decode(started.Json().at("secret").as_string());
    auto confirmed =
        AsBrowser(browser, "POST", "/api/v1/account/totp/confirm", json::object{{"code", Code(secret)}});
    EXPECT_EQ(confirmed.status, 200u) << confirmed.body;
    std::vector<std::string> codes;
    const json::value answer = confirmed.Json();
    for (const auto& code : answer.at("recovery_codes").as_array()) codes.emplace_back(code.as_string());
    return {secret, codes};
  }

  std::string Code(const std::vector<unsigned char>& secret, std::int64_t steps_from_now = 0) {
    return auth::TotpCode(secret, auth::TotpStep(Now()) + steps_from_now);
  }

  std::vector<std::string> AuditActions() {
    auto page = Store().Read([](store::ReadTx& tx) {
      return tx.ListAudit(store::AuditFilter{},
                          store::PageRequest{.cursor = {}, .limit = store::kMaxPageLimit});
    });
    std::vector<std::string> actions;
    if (page) {
      for (const auto& entry : page->items) actions.push_back(entry.action);
    }
    return actions;
  }

  store::AuditEntry LastAudit() {
    auto page = Store().Read([](store::ReadTx& tx) {
      return tx.ListAudit(store::AuditFilter{}, store::PageRequest{.cursor = {}, .limit = 1});
    });
    if (!page || page->items.empty()) return {};
    return page->items.front();
  }

  std::shared_ptr<std::atomic<int64_t>> offset_ = std::make_shared<std::atomic<int64_t>>(0);
  std::unique_ptr<auth::SessionAuthenticator> sessions_;
  std::unique_ptr<AuthHandlers> handlers_;
  std::string admin_id_;
  std::string user_id_;
};

// ------------------------------------------------------------------- TOTP --

TEST_F(AccountApiTest, EnrolmentAnswersUriAndQrAndNeedsAValidCodeToEnable) {
  const Browser browser = Login("olivia", kUserPassword);
  auto started = AsBrowser(browser, "POST", "/api/v1/account/totp/enrol");
  ASSERT_EQ(started.status, 200u) << started.body;
  const auto body = started.Json().as_object();
  const std::string secret_b32(body.at("secret").as_string());
  EXPECT_EQ(secret_b32.size(), 32u);
  EXPECT_EQ(body.at("otpauth_uri"), json::value("otpauth://totp/restic-manager:olivia?secret=" + secret_b32 +
                                                "&issuer=restic-manager&algorithm=SHA1&digits=6&period=30"));
  const auto& qr = body.at("qr").as_object();
  EXPECT_EQ(qr.at("modules").as_string().size(),
            static_cast<std::size_t>(qr.at("size").as_int64() * qr.at("size").as_int64()));
  // Stored sealed: the secret is not in the database in any form we hand out.
  const auto secret = Base32Decode(secret_b32);
  auto stored = Store().Read([&](store::ReadTx& tx) { return tx.GetUserTotp(user_id_); });
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(std::search(stored->secret_ciphertext.begin(), stored->secret_ciphertext.end(), secret.begin(),
                        secret.end()),
            stored->secret_ciphertext.end());

  auto pending = AsBrowser(browser, "GET", "/api/v1/account/totp");
  EXPECT_EQ(pending.Json().at("enabled"), false);
  EXPECT_EQ(pending.Json().at("pending"), true);

  // A code two steps off is refused; the current one enables TOTP.
  auto wrong =
      AsBrowser(browser, "POST", "/api/v1/account/totp/confirm", json::object{{"code", Code(secret, 5)}});
  EXPECT_EQ(wrong.status, 400u) << wrong.body;
  EXPECT_EQ(wrong.ErrorField(), "code");
  auto confirmed =
      AsBrowser(browser, "POST", "/api/v1/account/totp/confirm", json::object{{"code", Code(secret)}});
  ASSERT_EQ(confirmed.status, 200u) << confirmed.body;
  const json::value answer = confirmed.Json();
  const auto& codes = answer.at("recovery_codes").as_array();
  EXPECT_EQ(codes.size(), 10u);
  EXPECT_EQ(AuditActions().front(), "totp.enable");

  auto state = AsBrowser(browser, "GET", "/api/v1/account/totp");
  EXPECT_EQ(state.Json().at("enabled"), true);
  EXPECT_EQ(state.Json().at("recovery_codes_left"), 10);
  // Enrolling again while enabled is refused: disable first.
  EXPECT_EQ(AsBrowser(browser, "POST", "/api/v1/account/totp/enrol").status, 409u);
  EXPECT_EQ(AsBrowser(browser, "GET", "/api/v1/auth/me").Json().at("user").at("totp_enabled"), true);
}

TEST_F(AccountApiTest, LoginWithTotpNeedsTheCodeAndAWrongCodeFails) {
  const auto [secret, codes] = Enrol(Login("olivia", kUserPassword));
  Advance(seconds(30));

  auto first = LoginReply("olivia", kUserPassword);
  ASSERT_EQ(first.status, 200u) << first.body;
  EXPECT_FALSE(first.Json().as_object().contains("csrf_token"));
  EXPECT_EQ(first.headers.count("set-cookie"), 0u);
  const std::string challenge(first.Json().at("challenge").as_string());
  EXPECT_EQ(challenge.rfind("rmc_", 0), 0u);

  auto wrong = TotpReply(challenge, Code(secret, 5));
  EXPECT_EQ(wrong.status, 401u) << wrong.body;
  EXPECT_EQ(wrong.headers.count("set-cookie"), 0u);
  const auto failed = LastAudit();
  EXPECT_EQ(failed.action, "auth.login_failed");
  EXPECT_NE(failed.detail_json.find("bad_code"), std::string::npos) << failed.detail_json;

  // The same challenge still takes the right code (one wrong try is not the end).
  auto right = TotpReply(challenge, Code(secret));
  ASSERT_EQ(right.status, 200u) << right.body;
  const Browser browser = FromLogin(right);
  EXPECT_FALSE(browser.cookie.empty());
  EXPECT_EQ(AsBrowser(browser, "GET", "/api/v1/auth/me").status, 200u);
  EXPECT_NE(LastAudit().detail_json.find("\"second_factor\":\"totp\""), std::string::npos);
  // A challenge opens one session only.
  EXPECT_EQ(TotpReply(challenge, Code(secret, 1)).status, 401u);
  // And a challenge never passes for a session cookie.
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", "", {{"Cookie", "rm_session=" + challenge}}).status, 401u);
}

TEST_F(AccountApiTest, AReplayedCodeIsRefused) {
  const auto [secret, codes] = Enrol(Login("olivia", kUserPassword));
  // The code that confirmed the enrolment is spent.
  LoginWithCode("olivia", kUserPassword, Code(secret), 401);
  EXPECT_NE(LastAudit().detail_json.find("replayed_code"), std::string::npos) << LastAudit().detail_json;

  Advance(seconds(30));
  const std::string code = Code(secret);
  LoginWithCode("olivia", kUserPassword, code);
  // Same code, same step, a second login: refused, with its reason.
  auto first = LoginReply("olivia", kUserPassword);
  auto again = TotpReply(std::string(first.Json().at("challenge").as_string()), code);
  EXPECT_EQ(again.status, 401u);
  EXPECT_NE(again.body.find("used already"), std::string::npos) << again.body;
  // Nor is the previous step's code accepted any more, though within the window.
  Advance(seconds(30));
  LoginWithCode("olivia", kUserPassword, Code(secret, -1), 401);
  LoginWithCode("olivia", kUserPassword, Code(secret));
}

TEST_F(AccountApiTest, ARecoveryCodeWorksOnceAndOnlyOnce) {
  const auto [secret, codes] = Enrol(Login("olivia", kUserPassword));
  ASSERT_EQ(codes.size(), 10u);
  // Typed in upper case without dashes: still the code.
  std::string typed;
  for (const char c : codes[3]) {
    if (c != '-') typed += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  const Browser browser = LoginWithCode("olivia", kUserPassword, typed);
  EXPECT_NE(LastAudit().detail_json.find("recovery_code"), std::string::npos);
  EXPECT_EQ(AsBrowser(browser, "GET", "/api/v1/account/totp").Json().at("recovery_codes_left"), 9);
  LoginWithCode("olivia", kUserPassword, codes[3], 401);
  LoginWithCode("olivia", kUserPassword, "aaaa-aaaa-aaaa-aaaa", 401);
  LoginWithCode("olivia", kUserPassword, codes[4]);
}

TEST_F(AccountApiTest, AChallengeEndsAfterFiveWrongCodesOrFiveMinutes) {
  const auto [secret, codes] = Enrol(Login("olivia", kUserPassword));
  Advance(seconds(30));
  auto first = LoginReply("olivia", kUserPassword);
  const std::string challenge(first.Json().at("challenge").as_string());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(TotpReply(challenge, "000000").status, 401u);
  auto ended = TotpReply(challenge, Code(secret));
  EXPECT_EQ(ended.status, 401u);
  EXPECT_NE(ended.body.find("expired"), std::string::npos) << ended.body;

  auto late = LoginReply("olivia", kUserPassword);
  Advance(std::chrono::minutes(5));
  EXPECT_EQ(TotpReply(std::string(late.Json().at("challenge").as_string()), Code(secret)).status, 401u);
  LoginWithCode("olivia", kUserPassword, Code(secret));
}

TEST_F(AccountApiTest, RequireTotpMakesUsersEnrolBeforeAnythingElse) {
  const Browser admin = Login("root", kAdminPassword);
  // An admin without TOTP cannot require it (they would lock themselves out).
  auto refused = AsBrowser(admin, "PUT", "/api/v1/settings/accounts", json::object{{"require_totp", true}});
  EXPECT_EQ(refused.status, 409u) << refused.body;
  const auto [admin_secret, admin_codes] = Enrol(admin);
  auto required = AsBrowser(admin, "PUT", "/api/v1/settings/accounts", json::object{{"require_totp", true}});
  ASSERT_EQ(required.status, 200u) << required.body;
  EXPECT_EQ(required.Json().at("require_totp"), true);
  EXPECT_EQ(AuditActions().front(), "settings.update");

  auto login = LoginReply("olivia", kUserPassword);
  ASSERT_EQ(login.status, 200u);
  EXPECT_EQ(login.Json().at("totp_enrolment_required"), true);
  const Browser user = FromLogin(login);
  auto blocked = AsBrowser(user, "GET", "/api/v1/tokens");
  EXPECT_EQ(blocked.status, 403u);
  EXPECT_EQ(blocked.ErrorCode(), "totp_enrolment_required");
  EXPECT_EQ(AsBrowser(user, "POST", "/api/v1/account/password",
                      json::object{{"current_password", kUserPassword}, {"new_password", "another-pass-9"}})
                .status,
            403u);
  EXPECT_EQ(AsBrowser(user, "GET", "/api/v1/auth/me").Json().at("totp_enrolment_required"), true);
  EXPECT_EQ(AsBrowser(user, "GET", "/api/v1/account/totp").Json().at("required"), true);

  Enrol(user);
  EXPECT_EQ(AsBrowser(user, "GET", "/api/v1/tokens").status, 200u);
  EXPECT_EQ(AsBrowser(user, "GET", "/api/v1/auth/me").Json().at("totp_enrolment_required"), false);

  // An admin's reset puts the user back to enrolment.
  ASSERT_EQ(AsBrowser(admin, "DELETE", "/api/v1/users/" + user_id_ + "/totp").status, 204u);
  EXPECT_EQ(AuditActions().front(), "totp.reset");
  EXPECT_EQ(AsBrowser(user, "GET", "/api/v1/tokens").ErrorCode(), "totp_enrolment_required");
  // Only admins reset.
  EXPECT_EQ(AsBrowser(user, "DELETE", "/api/v1/users/" + admin_id_ + "/totp").status, 403u);
}

TEST_F(AccountApiTest, DisablingTotpNeedsThePasswordAndACode) {
  const Browser browser = Login("olivia", kUserPassword);
  const auto [secret, codes] = Enrol(browser);
  Advance(seconds(30));
  auto bad_password = AsBrowser(browser, "POST", "/api/v1/account/totp/disable",
                                json::object{{"password", "not-the-password"}, {"code", Code(secret)}});
  EXPECT_EQ(bad_password.status, 403u);
  EXPECT_EQ(bad_password.ErrorField(), "password");
  auto bad_code = AsBrowser(browser, "POST", "/api/v1/account/totp/disable",
                            json::object{{"password", kUserPassword}, {"code", Code(secret, 5)}});
  EXPECT_EQ(bad_code.status, 403u);
  EXPECT_EQ(bad_code.ErrorField(), "code");
  EXPECT_EQ(AuditActions().front(), "totp.disable_failed");
  auto disabled = AsBrowser(browser, "POST", "/api/v1/account/totp/disable",
                            json::object{{"password", kUserPassword}, {"code", Code(secret)}});
  ASSERT_EQ(disabled.status, 204u) << disabled.body;
  EXPECT_EQ(AuditActions().front(), "totp.disable");
  // Back to password-only login.
  auto login = LoginReply("olivia", kUserPassword);
  EXPECT_TRUE(login.Json().as_object().contains("csrf_token"));
}

// --------------------------------------------------------------- sessions --

TEST_F(AccountApiTest, SessionListShowsAddressAgentAndCurrentAndRevokeEndsThatSession) {
  const Browser laptop = Login("olivia", kUserPassword, "Laptop Firefox");
  Advance(seconds(5));
  const Browser phone = Login("olivia", kUserPassword, "Phone\tSafari");
  auto listed = AsBrowser(laptop, "GET", "/api/v1/account/sessions");
  ASSERT_EQ(listed.status, 200u) << listed.body;
  const json::value list = listed.Json();
  const auto& items = list.at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  // Newest first; the caller's own marked; no hash of any credential.
  EXPECT_EQ(items[0].at("user_agent"), "Phone?Safari");
  EXPECT_EQ(items[0].at("current"), false);
  EXPECT_EQ(items[1].at("user_agent"), "Laptop Firefox");
  EXPECT_EQ(items[1].at("current"), true);
  EXPECT_EQ(items[1].at("client_address"), "127.0.0.1");
  EXPECT_EQ(listed.body.find(auth::HashToken(laptop.cookie)), std::string::npos);
  EXPECT_EQ(listed.body.find("csrf"), std::string::npos);

  const std::string phone_id(items[0].at("id").as_string());
  ASSERT_EQ(AsBrowser(laptop, "DELETE", "/api/v1/account/sessions/" + phone_id).status, 204u);
  EXPECT_EQ(AuditActions().front(), "session.revoke");
  EXPECT_EQ(AsBrowser(phone, "GET", "/api/v1/auth/me").status, 401u);
  EXPECT_EQ(AsBrowser(laptop, "GET", "/api/v1/auth/me").status, 200u);

  // Another user's session is not found for a non-admin; an admin lists and ends it.
  const Browser admin = Login("root", kAdminPassword);
  auto admin_sessions = AsBrowser(admin, "GET", "/api/v1/account/sessions");
  const std::string admin_session(admin_sessions.Json().at("items").at(0).at("id").as_string());
  EXPECT_EQ(AsBrowser(laptop, "DELETE", "/api/v1/account/sessions/" + admin_session).status, 404u);
  EXPECT_EQ(AsBrowser(laptop, "GET", "/api/v1/users/" + admin_id_ + "/sessions").status, 403u);
  auto theirs = AsBrowser(admin, "GET", "/api/v1/users/" + user_id_ + "/sessions");
  ASSERT_EQ(theirs.status, 200u) << theirs.body;
  ASSERT_EQ(theirs.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(theirs.Json().at("items").at(0).at("current"), false);
  const std::string laptop_id(theirs.Json().at("items").at(0).at("id").as_string());
  EXPECT_EQ(AsBrowser(admin, "DELETE", "/api/v1/users/" + admin_id_ + "/sessions/" + laptop_id).status, 404u);
  ASSERT_EQ(AsBrowser(admin, "DELETE", "/api/v1/users/" + user_id_ + "/sessions/" + laptop_id).status, 204u);
  EXPECT_EQ(AsBrowser(laptop, "GET", "/api/v1/auth/me").status, 401u);

  // Revoking one's own current session logs out (the cookie is cleared).
  auto mine = AsBrowser(admin, "DELETE", "/api/v1/account/sessions/" + admin_session);
  EXPECT_EQ(mine.status, 204u);
  EXPECT_NE(mine.headers["set-cookie"].find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(AsBrowser(admin, "GET", "/api/v1/auth/me").status, 401u);
}

TEST_F(AccountApiTest, LastUsedMovesWithUse) {
  const Browser browser = Login("olivia", kUserPassword);
  const std::string before(AsBrowser(browser, "GET", "/api/v1/account/sessions")
                               .Json()
                               .at("items")
                               .at(0)
                               .at("last_used_at")
                               .as_string());
  Advance(std::chrono::minutes(2));
  AsBrowser(browser, "GET", "/api/v1/auth/me");
  const std::string after(AsBrowser(browser, "GET", "/api/v1/account/sessions")
                              .Json()
                              .at("items")
                              .at(0)
                              .at("last_used_at")
                              .as_string());
  EXPECT_LT(before, after);
}

// --------------------------------------------------------------- password --

TEST_F(AccountApiTest, PasswordChangeNeedsTheCurrentPasswordAndEndsOtherSessions) {
  const Browser here = Login("olivia", kUserPassword);
  const Browser elsewhere = Login("olivia", kUserPassword);
  auto wrong =
      AsBrowser(here, "POST", "/api/v1/account/password",
                json::object{{"current_password", "not-it-at-all"}, {"new_password", "a-new-password-7"}});
  EXPECT_EQ(wrong.status, 403u);
  EXPECT_EQ(wrong.ErrorField(), "current_password");
  EXPECT_EQ(AuditActions().front(), "user.password_change_failed");
  EXPECT_EQ(AsBrowser(elsewhere, "GET", "/api/v1/auth/me").status, 200u);
  EXPECT_EQ(LoginReply("olivia", "a-new-password-7").status, 401u);

  auto too_short = AsBrowser(here, "POST", "/api/v1/account/password",
                             json::object{{"current_password", kUserPassword}, {"new_password", "short"}});
  EXPECT_EQ(too_short.status, 400u);
  EXPECT_EQ(too_short.ErrorField(), "new_password");

  auto changed =
      AsBrowser(here, "POST", "/api/v1/account/password",
                json::object{{"current_password", kUserPassword}, {"new_password", "a-new-password-7"}});
  ASSERT_EQ(changed.status, 204u) << changed.body;
  EXPECT_EQ(AuditActions().front(), "user.password_change");
  EXPECT_NE(LastAudit().detail_json.find("\"sessions_ended\":1"), std::string::npos)
      << LastAudit().detail_json;
  EXPECT_EQ(AsBrowser(here, "GET", "/api/v1/auth/me").status, 200u);
  EXPECT_EQ(AsBrowser(elsewhere, "GET", "/api/v1/auth/me").status, 401u);
  EXPECT_EQ(LoginReply("olivia", kUserPassword).status, 401u);
  EXPECT_EQ(LoginReply("olivia", "a-new-password-7").status, 200u);
  // No password in any answer or audit entry.
  for (const auto& entry : AuditActions()) EXPECT_EQ(entry.find("password-7"), std::string::npos);
}

class AccountLimitTest : public AccountApiTest {
 protected:
  LoginLimits Limits() const override {
    return LoginLimits{.per_address_burst = 1000,
                       .per_address_refill = std::chrono::milliseconds(60000),
                       .per_user_burst = 4,
                       .per_user_refill = std::chrono::milliseconds(60000)};
  }
};

TEST_F(AccountLimitTest, CodesAreRateLimitedLikePasswords) {
  // Password attempts and code attempts draw on one budget per username.
  const Browser browser = Login("olivia", kUserPassword);  // 1
  const auto [secret, codes] = Enrol(browser);             // 2 (confirm)
  Advance(seconds(30));
  auto first = LoginReply("olivia", kUserPassword);  // 3
  const std::string challenge(first.Json().at("challenge").as_string());
  EXPECT_EQ(TotpReply(challenge, "000000").status, 401u);  // 4
  auto limited = TotpReply(challenge, Code(secret));
  EXPECT_EQ(limited.status, 429u);
  EXPECT_FALSE(limited.headers["retry-after"].empty());
}

}  // namespace
}  // namespace rmgr::server::api

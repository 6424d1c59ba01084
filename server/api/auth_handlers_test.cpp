// Operator authentication end to end: the real SessionAuthenticator and
// AuthHandlers over a real SQLite store, called over real HTTP on 127.0.0.1.
#include "server/api/auth_handlers.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/util/log.h"
#include "server/api/api_test_fixture.h"
#include "server/auth/credentials.h"
#include "server/auth/session_authenticator.h"

namespace rmgr::server::api {
namespace {

namespace json = boost::json;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr const char* kAdminPassword = "admin-password-1";
constexpr const char* kOperatorPassword = "operator-password-2";
constexpr const char* kViewerPassword = "viewer-password-3";

//! A logged-in browser: its cookie value and CSRF token.
struct Browser {
  std::string cookie;
  std::string csrf;
};

//! Every row of every table that matters, as text: two equal snapshots mean
//! the request changed nothing. Bookkeeping columns the authenticator writes
//! on successful authentication (sessions.expires_at, api_tokens.last_used_at)
//! are left out.
class RawDb {
 public:
  explicit RawDb(const std::filesystem::path& file) {
    if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      throw std::runtime_error("cannot open the test database");
    }
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  std::string Dump(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("bad test SQL: ") + sqlite3_errmsg(db_));
    }
    std::string out;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        const auto* text = sqlite3_column_text(stmt, i);
        out += text == nullptr ? "NULL" : reinterpret_cast<const char*>(text);
        out += '|';
      }
      out += '\n';
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

class AuthApiTest : public testing::ApiFixture {
 protected:
  void SetUp() override {
    Deps().now = [offset = offset_] { return Clock::now() + std::chrono::milliseconds(offset->load()); };
    sessions_ = std::make_unique<auth::SessionAuthenticator>(Store(), Deps().now);
    UseAuthenticator(sessions_.get());
    handlers_ = std::make_unique<AuthHandlers>(Deps(), *sessions_, Limits());
    handlers_->Register(Routes());
    Start();
    admin_id_ = MakeUser("root", kAdminPassword, "admin").id;
  }

  //! Login limits for this fixture; generous unless a test is about them.
  virtual LoginLimits Limits() const {
    return LoginLimits{.per_address_burst = 1000,
                       .per_address_refill = std::chrono::milliseconds(1),
                       .per_user_burst = 1000,
                       .per_user_refill = std::chrono::milliseconds(1)};
  }

  void Advance(std::chrono::milliseconds by) { offset_->fetch_add(by.count()); }

  store::User MakeUser(const std::string& username, const std::string& password, const std::string& role) {
    auto hash = auth::HashPassword(password);
    EXPECT_TRUE(hash.ok());
    auto user = Store().Write([&](store::WriteTx& tx) {
      return tx.CreateUser(store::NewUser{username, *hash, role});
    });
    if (!user) throw std::runtime_error(user.error().Describe());
    return *user;
  }

  testing::Reply LoginReply(const std::string& username, const std::string& password) {
    return Call("POST", "/api/v1/auth/login",
                json::serialize(json::object{{"username", username}, {"password", password}}));
  }

  Browser Login(const std::string& username, const std::string& password) {
    auto reply = LoginReply(username, password);
    EXPECT_EQ(reply.status, 200u) << reply.body;
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

  //! A request with the browser's cookie and (unless `with_csrf` is false) its CSRF token.
  testing::Reply AsBrowser(const Browser& browser, std::string_view method, const std::string& target,
                           const json::value& body = nullptr, bool with_csrf = true) {
    std::map<std::string, std::string> headers{{"Cookie", "theme=dark; rm_session=" + browser.cookie}};
    if (with_csrf) headers["X-CSRF-Token"] = browser.csrf;
    return Call(method, target, body.is_null() ? std::string() : json::serialize(body), headers);
  }

  testing::Reply WithToken(const std::string& token, std::string_view method, const std::string& target,
                           const json::value& body = nullptr) {
    return Call(method, target, body.is_null() ? std::string() : json::serialize(body),
                {{"Authorization", "Bearer " + token}});
  }

  //! Creates an API token through the API; returns {id, secret}.
  std::pair<std::string, std::string> MakeToken(const Browser& browser, const std::string& name,
                                                std::optional<int> expires_in = std::nullopt) {
    json::object body{{"name", name}};
    if (expires_in) body["expires_in_seconds"] = *expires_in;
    auto reply = AsBrowser(browser, "POST", "/api/v1/tokens", body);
    EXPECT_EQ(reply.status, 201u) << reply.body;
    const json::value answer = reply.Json();
    const auto& obj = answer.as_object();
    return {std::string(obj.at("id").as_string()), std::string(obj.at("token").as_string())};
  }

  std::string Snapshot() {
    RawDb db(Dir() / "restic-manager.db");
    return db.Dump("SELECT * FROM users ORDER BY id") +
           db.Dump("SELECT token_hash, user_id, csrf_hash, created_at FROM sessions ORDER BY token_hash") +
           db.Dump(
               "SELECT id, user_id, name, token_hash, created_at, expires_at, revoked_at FROM api_tokens"
               " ORDER BY id") +
           db.Dump("SELECT * FROM audit_log ORDER BY id");
  }

  std::string DumpAll(const std::string& table) {
    return RawDb(Dir() / "restic-manager.db").Dump("SELECT * FROM " + table);
  }

  //! Audit actions, newest first.
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
};

// ------------------------------------------------------------------ login --

TEST_F(AuthApiTest, LoginSetsAStrictHttpOnlyCookieAndReturnsTheCsrfToken) {
  auto reply = LoginReply("root", kAdminPassword);
  ASSERT_EQ(reply.status, 200u) << reply.body;
  const std::string cookie = reply.headers["set-cookie"];
  EXPECT_EQ(cookie.rfind("rm_session=rms_", 0), 0u) << cookie;
  EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; Path=/"), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Secure"), std::string::npos) << "plain HTTP must not mark the cookie Secure";
  EXPECT_EQ(reply.headers["cache-control"], "no-store");
  const auto body = reply.Json().as_object();
  EXPECT_FALSE(body.at("csrf_token").as_string().empty());
  const auto& user = body.at("user").as_object();
  EXPECT_EQ(user.at("username"), "root");
  EXPECT_EQ(user.at("role"), "admin");
  EXPECT_EQ(user.at("disabled"), false);
  EXPECT_EQ(user.at("id"), json::value(admin_id_));
  EXPECT_FALSE(user.contains("password_hash"));
  EXPECT_EQ(reply.body.find("argon2"), std::string::npos);

  const auto entry = LastAudit();
  EXPECT_EQ(entry.action, "auth.login");
  EXPECT_EQ(entry.actor_kind, store::ActorKind::kUser);
  EXPECT_EQ(entry.actor_id, admin_id_);
  EXPECT_EQ(entry.target_id, admin_id_);
  EXPECT_EQ(entry.source_addr, "127.0.0.1");

  // Only hashes are stored: neither the cookie nor the CSRF token is in the database.
  const std::string sessions = DumpAll("sessions");
  const std::string token = cookie.substr(11, cookie.find(';') - 11);
  EXPECT_EQ(sessions.find(token), std::string::npos);
  EXPECT_NE(sessions.find(auth::HashToken(token)), std::string::npos);
  EXPECT_EQ(sessions.find(std::string(body.at("csrf_token").as_string())), std::string::npos);
}

TEST_F(AuthApiTest, MeAnswersForSessionsAndTokens) {
  const Browser browser = Login("root", kAdminPassword);
  auto me = AsBrowser(browser, "GET", "/api/v1/auth/me", nullptr, /*with_csrf=*/false);
  ASSERT_EQ(me.status, 200u) << me.body;
  EXPECT_EQ(me.Json().at("via"), "session");
  EXPECT_EQ(me.Json().at("user").at("username"), "root");
  const auto [id, token] = MakeToken(browser, "cli");
  auto by_token = WithToken(token, "GET", "/api/v1/auth/me");
  ASSERT_EQ(by_token.status, 200u) << by_token.body;
  EXPECT_EQ(by_token.Json().at("via"), "token");
  auto anonymous = Call("GET", "/api/v1/auth/me");
  EXPECT_EQ(anonymous.status, 401u);
  EXPECT_NE(anonymous.headers["www-authenticate"].find("Bearer"), std::string::npos);
}

TEST_F(AuthApiTest, BadCredentialsAre401AuditedWithoutThePassword) {
  MakeUser("sleepy", kViewerPassword, "viewer");
  auto disabled = Store().Write([](store::WriteTx& tx) -> Result<void> {
    auto user = tx.GetUserByUsername("sleepy");
    if (!user) return user.error();
    store::UserUpdate update;
    update.disabled = true;
    auto updated = tx.UpdateUser(user->id, update);
    if (!updated) return updated.error();
    return Ok();
  });
  ASSERT_TRUE(disabled.ok());
  const std::string before_sessions = DumpAll("sessions");

  for (const auto& [username, password] : std::vector<std::pair<std::string, std::string>>{
           {"root", "wrong-password-9"}, {"nobody", "wrong-password-9"}, {"sleepy", kViewerPassword}}) {
    auto reply = LoginReply(username, password);
    EXPECT_EQ(reply.status, 401u) << username;
    EXPECT_EQ(reply.ErrorCode(), "unauthenticated");
    EXPECT_EQ(reply.Json().at("error").at("message"), "invalid username or password") << username;
    EXPECT_TRUE(reply.headers["set-cookie"].empty());
    const auto entry = LastAudit();
    EXPECT_EQ(entry.action, "auth.login_failed");
    EXPECT_EQ(entry.source_addr, "127.0.0.1");
    EXPECT_NE(entry.detail_json.find("\"username\":\"" + username + "\""), std::string::npos)
        << entry.detail_json;
  }
  EXPECT_EQ(DumpAll("sessions"), before_sessions);
  const std::string audit = DumpAll("audit_log");
  EXPECT_EQ(audit.find("wrong-password-9"), std::string::npos);
  EXPECT_EQ(audit.find(kViewerPassword), std::string::npos);
  EXPECT_NE(audit.find("\"reason\":\"unknown_user\""), std::string::npos);
  EXPECT_NE(audit.find("\"reason\":\"bad_password\""), std::string::npos);
  EXPECT_NE(audit.find("\"reason\":\"disabled\""), std::string::npos);

  // A password typed into the username field is not recorded either.
  auto typo = LoginReply("Admin-Password-1!", kAdminPassword);
  EXPECT_EQ(typo.status, 401u);
  EXPECT_EQ(DumpAll("audit_log").find("Admin-Password-1!"), std::string::npos);
}

TEST_F(AuthApiTest, LoginBodyIsDecodedStrictly) {
  const std::string before = Snapshot();
  auto missing = Call("POST", "/api/v1/auth/login", R"({"username":"root"})");
  EXPECT_EQ(missing.status, 400u);
  EXPECT_EQ(missing.ErrorField(), "password");
  auto unknown = Call("POST", "/api/v1/auth/login", R"({"username":"root","password":"x","remember":true})");
  EXPECT_EQ(unknown.ErrorCode(), "unknown_field");
  auto wrong_type = Call("POST", "/api/v1/auth/login", R"({"username":"root","password":12345678})");
  EXPECT_EQ(wrong_type.ErrorCode(), "wrong_type");
  EXPECT_EQ(wrong_type.body.find("12345678"), std::string::npos) << "the error must not echo the password";
  auto form = Call("POST", "/api/v1/auth/login", "username=root&password=x",
                   {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(form.status, 400u);
  EXPECT_EQ(Snapshot(), before);
}

class LoginLimitTest : public AuthApiTest {
 protected:
  LoginLimits Limits() const override {
    return LoginLimits{.per_address_burst = 4,
                       .per_address_refill = std::chrono::milliseconds(60000),
                       .per_user_burst = 2,
                       .per_user_refill = std::chrono::milliseconds(60000)};
  }
};

TEST_F(LoginLimitTest, TooManyAttemptsPerUsernameAre429WithRetryAfter) {
  EXPECT_EQ(LoginReply("root", "wrong-password-9").status, 401u);
  EXPECT_EQ(LoginReply("root", "wrong-password-9").status, 401u);
  const auto audit_before = AuditActions().size();
  const std::string before = Snapshot();
  // Even the right password is refused now: no guessing through the limit.
  auto limited = LoginReply("root", kAdminPassword);
  EXPECT_EQ(limited.status, 429u);
  EXPECT_EQ(limited.ErrorCode(), "rate_limited");
  ASSERT_FALSE(limited.headers["retry-after"].empty());
  EXPECT_GE(std::stoi(limited.headers["retry-after"]), 1);
  EXPECT_LE(std::stoi(limited.headers["retry-after"]), 60);
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(AuditActions().size(), audit_before);
  // Another username from the same address still gets through (address budget 4).
  MakeUser("other", kOperatorPassword, "operator");
  EXPECT_EQ(LoginReply("other", kOperatorPassword).status, 200u);
}

TEST_F(LoginLimitTest, TooManyAttemptsPerAddressAre429) {
  for (const char* name : {"a1", "a2", "a3", "a4"})
    EXPECT_EQ(LoginReply(name, "wrong-password-9").status, 401u);
  const std::string before = Snapshot();
  auto limited = LoginReply("root", kAdminPassword);
  EXPECT_EQ(limited.status, 429u);
  EXPECT_GE(std::stoi(limited.headers["retry-after"]), 1);
  // Junk bodies count against the address too (they are refused before decoding).
  EXPECT_EQ(Call("POST", "/api/v1/auth/login", "{").status, 429u);
  EXPECT_EQ(Snapshot(), before);
}

// ----------------------------------------------------------- sessions/CSRF --

TEST_F(AuthApiTest, CookieMutationsNeedTheCsrfTokenAndChangeNothingWithout) {
  const Browser browser = Login("root", kAdminPassword);
  const json::object new_user{{"username", "eve"}, {"password", "eve-password-1"}, {"role", "viewer"}};
  const std::string before = Snapshot();

  auto missing = AsBrowser(browser, "POST", "/api/v1/users", new_user, /*with_csrf=*/false);
  EXPECT_EQ(missing.status, 403u);
  EXPECT_EQ(missing.ErrorCode(), "permission_denied");
  Browser wrong = browser;
  wrong.csrf = auth::NewToken("");
  auto mismatched = AsBrowser(wrong, "POST", "/api/v1/users", new_user);
  EXPECT_EQ(mismatched.status, 403u);
  Browser other_session = Login("root", kAdminPassword);
  const std::string after_second_login = Snapshot();
  other_session.cookie = browser.cookie;  // a real CSRF token, but of another session
  EXPECT_EQ(AsBrowser(other_session, "POST", "/api/v1/users", new_user).status, 403u);
  EXPECT_EQ(AsBrowser(browser, "DELETE", "/api/v1/users/" + admin_id_, nullptr, false).status, 403u);
  EXPECT_EQ(AsBrowser(browser, "POST", "/api/v1/tokens", json::object{{"name", "x"}}, false).status, 403u);
  EXPECT_EQ(AsBrowser(browser, "POST", "/api/v1/auth/logout", nullptr, false).status, 403u);
  EXPECT_EQ(Snapshot(), after_second_login);
  EXPECT_NE(before, after_second_login);  // (the second login itself was recorded)

  auto ok = AsBrowser(browser, "POST", "/api/v1/users", new_user);
  EXPECT_EQ(ok.status, 201u) << ok.body;
}

TEST_F(AuthApiTest, ReadsWithACookieNeedNoCsrfToken) {
  const Browser browser = Login("root", kAdminPassword);
  EXPECT_EQ(AsBrowser(browser, "GET", "/api/v1/users", nullptr, false).status, 200u);
  EXPECT_EQ(AsBrowser(browser, "GET", "/api/v1/tokens", nullptr, false).status, 200u);
}

TEST_F(AuthApiTest, UnknownOrMalformedSessionCookieIs401) {
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", {}, {{"Cookie", "rm_session=rms_forged"}}).status, 401u);
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", {}, {{"Cookie", "rm_session="}}).status, 401u);
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", {}, {{"Cookie", "other=1"}}).status, 401u);
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", {}, {{"Cookie", "rm_session=" + std::string(4000, 'a')}}).status,
            401u);
}

TEST_F(AuthApiTest, IdleSessionExpiresAfterTwelveHoursAndUseSlidesIt) {
  const Browser browser = Login("root", kAdminPassword);
  Advance(hours(11));
  EXPECT_EQ(AsBrowser(browser, "GET", "/api/v1/auth/me").status, 200u);  // slides to +12 h from here
  Advance(hours(11));
  EXPECT_EQ(AsBrowser(browser, "GET", "/api/v1/auth/me").status, 200u);
  Advance(hours(12) + seconds(1));
  const std::string before = Snapshot();
  auto expired = AsBrowser(browser, "GET", "/api/v1/auth/me");
  EXPECT_EQ(expired.status, 401u);
  EXPECT_EQ(expired.ErrorCode(), "unauthenticated");
  EXPECT_NE(expired.headers["www-authenticate"].find("Bearer"), std::string::npos);
  EXPECT_EQ(AsBrowser(browser, "POST", "/api/v1/tokens", json::object{{"name", "late"}}).status, 401u);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(AuthApiTest, SessionEndsSevenDaysAfterLoginHoweverActive) {
  const Browser browser = Login("root", kAdminPassword);
  for (int i = 0; i < 15; ++i) {  // 165 h of steady use
    Advance(hours(11));
    ASSERT_EQ(AsBrowser(browser, "GET", "/api/v1/auth/me").status, 200u) << "after " << (i + 1) * 11 << " h";
  }
  Advance(hours(3) + seconds(1));  // 168 h + 1 s
  EXPECT_EQ(AsBrowser(browser, "GET", "/api/v1/auth/me").status, 401u);
}

TEST_F(AuthApiTest, LogoutDeletesTheSessionAndClearsTheCookie) {
  const Browser browser = Login("root", kAdminPassword);
  const Browser other = Login("root", kAdminPassword);
  auto out = AsBrowser(browser, "POST", "/api/v1/auth/logout");
  ASSERT_EQ(out.status, 204u) << out.body;
  EXPECT_NE(out.headers["set-cookie"].find("rm_session=;"), std::string::npos);
  EXPECT_NE(out.headers["set-cookie"].find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(LastAudit().action, "auth.logout");
  EXPECT_EQ(DumpAll("sessions").find(auth::HashToken(browser.cookie)), std::string::npos);
  EXPECT_EQ(AsBrowser(browser, "GET", "/api/v1/auth/me").status, 401u);
  EXPECT_EQ(AsBrowser(other, "GET", "/api/v1/auth/me").status, 200u);
}

// ------------------------------------------------------------ API tokens --

TEST_F(AuthApiTest, BearerTokenWorksWithoutCsrfAndStopsWhenRevoked) {
  const Browser browser = Login("root", kAdminPassword);
  const auto [id, token] = MakeToken(browser, "cli");
  EXPECT_EQ(token.rfind("rmt_", 0), 0u);
  auto created = WithToken(token, "POST", "/api/v1/tokens", json::object{{"name", "made-by-token"}});
  EXPECT_EQ(created.status, 201u) << created.body;
  const auto entry = LastAudit();
  EXPECT_EQ(entry.action, "token.create");
  EXPECT_EQ(entry.actor_kind, store::ActorKind::kApi);
  EXPECT_EQ(entry.actor_id, id);

  auto revoked = AsBrowser(browser, "DELETE", "/api/v1/tokens/" + id);
  EXPECT_EQ(revoked.status, 204u) << revoked.body;
  EXPECT_EQ(LastAudit().action, "token.revoke");
  const std::string before = Snapshot();
  auto refused = WithToken(token, "GET", "/api/v1/auth/me");
  EXPECT_EQ(refused.status, 401u);
  EXPECT_NE(refused.headers["www-authenticate"].find("Bearer"), std::string::npos);
  EXPECT_EQ(WithToken(token, "POST", "/api/v1/tokens", json::object{{"name", "again"}}).status, 401u);
  // Revoking twice changes nothing.
  EXPECT_EQ(AsBrowser(browser, "DELETE", "/api/v1/tokens/" + id).status, 204u);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(AuthApiTest, BadBearerHeadersAre401) {
  const Browser browser = Login("root", kAdminPassword);
  const auto [id, token] = MakeToken(browser, "cli");
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", {}, {{"Authorization", "bearer " + token}}).status, 200u);
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", {}, {{"Authorization", "Bearer rmt_forged"}}).status, 401u);
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", {}, {{"Authorization", "Basic cm9vdDpwdw=="}}).status, 401u);
  EXPECT_EQ(Call("GET", "/api/v1/auth/me", {}, {{"Authorization", "Bearer"}}).status, 401u);
  EXPECT_EQ(
      Call("GET", "/api/v1/auth/me", {}, {{"Authorization", "Bearer " + std::string(2000, 'x')}}).status,
      401u);
}

TEST_F(AuthApiTest, BearerWinsOverTheCookie) {
  const Browser browser = Login("root", kAdminPassword);
  const auto [id, token] = MakeToken(browser, "cli");
  // A bad token is 401 even next to a good cookie.
  auto bad = Call("GET", "/api/v1/auth/me", {},
                  {{"Cookie", "rm_session=" + browser.cookie}, {"Authorization", "Bearer rmt_nope"}});
  EXPECT_EQ(bad.status, 401u);
  // A good token needs no CSRF token, whatever cookie comes along.
  auto good = Call("POST", "/api/v1/tokens", R"({"name":"both"})",
                   {{"Cookie", "rm_session=" + browser.cookie}, {"Authorization", "Bearer " + token}});
  EXPECT_EQ(good.status, 201u) << good.body;
  EXPECT_EQ(LastAudit().actor_kind, store::ActorKind::kApi);
}

TEST_F(AuthApiTest, ExpiredTokenIs401) {
  const Browser browser = Login("root", kAdminPassword);
  const auto [id, token] = MakeToken(browser, "short", 60);
  EXPECT_EQ(WithToken(token, "GET", "/api/v1/auth/me").status, 200u);
  Advance(seconds(61));
  EXPECT_EQ(WithToken(token, "GET", "/api/v1/auth/me").status, 401u);
  auto too_short = AsBrowser(browser, "POST", "/api/v1/tokens",
                             json::object{{"name", "tiny"}, {"expires_in_seconds", 59}});
  EXPECT_EQ(too_short.status, 400u);
  EXPECT_EQ(too_short.ErrorField(), "expires_in_seconds");
}

TEST_F(AuthApiTest, LastUsedIsRecordedAtMostOncePerMinute) {
  const Browser browser = Login("root", kAdminPassword);
  const auto [id, token] = MakeToken(browser, "cli");
  auto last_used = [&, token_id = id] {
    auto got = Store().Read([&](store::ReadTx& tx) { return tx.GetApiToken(token_id); });
    return got ? got->last_used_at : std::nullopt;
  };
  EXPECT_FALSE(last_used().has_value());
  ASSERT_EQ(WithToken(token, "GET", "/api/v1/auth/me").status, 200u);
  const auto first = last_used();
  ASSERT_TRUE(first.has_value());
  Advance(seconds(30));
  ASSERT_EQ(WithToken(token, "GET", "/api/v1/auth/me").status, 200u);
  EXPECT_EQ(last_used(), first);
  Advance(seconds(31));
  ASSERT_EQ(WithToken(token, "GET", "/api/v1/auth/me").status, 200u);
  ASSERT_TRUE(last_used().has_value());
  EXPECT_GE(*last_used() - *first, seconds(61));
  auto listed = AsBrowser(browser, "GET", "/api/v1/tokens");
  EXPECT_FALSE(listed.Json().at("items").as_array()[0].at("last_used_at").is_null());
}

TEST_F(AuthApiTest, TokenIsShownOnceAndNeverListed) {
  const Browser browser = Login("root", kAdminPassword);
  auto created = AsBrowser(browser, "POST", "/api/v1/tokens",
                           json::object{{"name", "ci"}, {"expires_in_seconds", 3600}});
  ASSERT_EQ(created.status, 201u) << created.body;
  const json::value answer = created.Json();
  const auto& obj = answer.as_object();
  const std::string token(obj.at("token").as_string());
  for (const char* key :
       {"id", "name", "user_id", "created_at", "expires_at", "last_used_at", "revoked_at"}) {
    EXPECT_TRUE(obj.contains(key)) << key;
  }
  EXPECT_EQ(obj.at("user_id"), json::value(admin_id_));
  EXPECT_TRUE(obj.at("revoked_at").is_null());
  EXPECT_FALSE(obj.at("expires_at").is_null());
  EXPECT_FALSE(obj.contains("token_hash"));

  auto listed = AsBrowser(browser, "GET", "/api/v1/tokens");
  ASSERT_EQ(listed.status, 200u);
  ASSERT_EQ(listed.Json().at("items").as_array().size(), 1u);
  EXPECT_FALSE(listed.Json().at("items").as_array()[0].as_object().contains("token"));
  EXPECT_TRUE(listed.Json().at("next_cursor").is_null());
  EXPECT_EQ(listed.body.find(token), std::string::npos);
  EXPECT_EQ(listed.body.find(auth::HashToken(token)), std::string::npos);
  EXPECT_EQ(DumpAll("api_tokens").find(token), std::string::npos);
  EXPECT_EQ(DumpAll("audit_log").find(token), std::string::npos);

  auto duplicate = AsBrowser(browser, "POST", "/api/v1/tokens", json::object{{"name", "ci"}});
  EXPECT_EQ(duplicate.status, 409u);
  EXPECT_EQ(duplicate.ErrorField(), "name");
}

TEST_F(AuthApiTest, TokensAreListedAndRevokedByOwnerOrAdmin) {
  MakeUser("op", kOperatorPassword, "operator");
  const Browser admin = Login("root", kAdminPassword);
  const Browser op = Login("op", kOperatorPassword);
  const auto [admin_token_id, admin_token] = MakeToken(admin, "admin-cli");
  const auto [op_token_id, op_token] = MakeToken(op, "op-cli");

  auto own = AsBrowser(op, "GET", "/api/v1/tokens");
  ASSERT_EQ(own.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(own.Json().at("items").as_array()[0].at("id"), json::value(op_token_id));
  EXPECT_EQ(AsBrowser(op, "GET", "/api/v1/tokens?all=true").status, 403u);
  EXPECT_EQ(AsBrowser(admin, "GET", "/api/v1/tokens?all=maybe").ErrorField(), "all");
  EXPECT_EQ(AsBrowser(admin, "GET", "/api/v1/tokens?limit=0").ErrorField(), "limit");
  EXPECT_EQ(AsBrowser(admin, "GET", "/api/v1/tokens?cursor=bogus").ErrorField(), "cursor");
  auto everyone = AsBrowser(admin, "GET", "/api/v1/tokens?all=true");
  EXPECT_EQ(everyone.Json().at("items").as_array().size(), 2u);
  auto page = AsBrowser(admin, "GET", "/api/v1/tokens?all=true&limit=1");
  ASSERT_EQ(page.Json().at("items").as_array().size(), 1u);
  const std::string cursor(page.Json().at("next_cursor").as_string());
  auto second = AsBrowser(admin, "GET", "/api/v1/tokens?all=true&limit=1&cursor=" + cursor);
  ASSERT_EQ(second.Json().at("items").as_array().size(), 1u);
  EXPECT_NE(second.Json().at("items").as_array()[0].at("id"), page.Json().at("items").as_array()[0].at("id"));

  // Someone else's token is "not found" for a non-admin, and stays valid.
  const std::string before = Snapshot();
  EXPECT_EQ(AsBrowser(op, "DELETE", "/api/v1/tokens/" + admin_token_id).status, 404u);
  EXPECT_EQ(AsBrowser(op, "DELETE", "/api/v1/tokens/01ARZ3NDEKTSV4RRFFQ69G5FAV").status, 404u);
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(WithToken(admin_token, "GET", "/api/v1/auth/me").status, 200u);
  // An admin may revoke anyone's.
  EXPECT_EQ(AsBrowser(admin, "DELETE", "/api/v1/tokens/" + op_token_id).status, 204u);
  EXPECT_EQ(WithToken(op_token, "GET", "/api/v1/auth/me").status, 401u);
  EXPECT_EQ(LastAudit().action, "token.revoke");
  EXPECT_EQ(LastAudit().target_id, op_token_id);
  EXPECT_EQ(LastAudit().actor_id, admin_id_);
}

// ------------------------------------------------------------------ roles --

TEST_F(AuthApiTest, RolesMatrix) {
  MakeUser("op", kOperatorPassword, "operator");
  const std::string viewer_id = MakeUser("view", kViewerPassword, "viewer").id;
  const Browser op = Login("op", kOperatorPassword);
  const Browser viewer = Login("view", kViewerPassword);
  const json::object new_user{{"username", "mallory"}, {"password", "mallory-pass"}, {"role", "admin"}};
  const std::string before = Snapshot();

  EXPECT_EQ(AsBrowser(viewer, "POST", "/api/v1/users", new_user).status, 403u);
  EXPECT_EQ(AsBrowser(op, "POST", "/api/v1/users", new_user).status, 403u);
  EXPECT_EQ(AsBrowser(op, "GET", "/api/v1/users").status, 403u);
  EXPECT_EQ(AsBrowser(viewer, "GET", "/api/v1/users").status, 403u);
  EXPECT_EQ(AsBrowser(op, "GET", "/api/v1/users/" + admin_id_).status, 403u);
  EXPECT_EQ(AsBrowser(op, "PATCH", "/api/v1/users/" + viewer_id, json::object{{"role", "admin"}}).status,
            403u);
  EXPECT_EQ(AsBrowser(viewer, "DELETE", "/api/v1/users/" + admin_id_).status, 403u);
  EXPECT_EQ(AsBrowser(viewer, "GET", "/api/v1/tokens?all=true").status, 403u);
  for (const char* target : {"/api/v1/users", "/api/v1/tokens", "/api/v1/auth/me"}) {
    EXPECT_EQ(Call("GET", target).status, 401u) << target;
  }
  EXPECT_EQ(Call("POST", "/api/v1/users", json::serialize(new_user)).status, 401u);
  EXPECT_EQ(Call("POST", "/api/v1/auth/logout").status, 401u);
  EXPECT_EQ(Snapshot(), before);

  // Every role may manage its own tokens.
  EXPECT_EQ(AsBrowser(viewer, "POST", "/api/v1/tokens", json::object{{"name", "mine"}}).status, 201u);
  EXPECT_EQ(AsBrowser(op, "GET", "/api/v1/tokens").status, 200u);
}

TEST_F(AuthApiTest, RoleChangesApplyToLiveSessionsAtOnce) {
  const std::string op_id = MakeUser("op", kOperatorPassword, "operator").id;
  const Browser admin = Login("root", kAdminPassword);
  const Browser op = Login("op", kOperatorPassword);
  EXPECT_EQ(AsBrowser(op, "GET", "/api/v1/users").status, 403u);
  ASSERT_EQ(AsBrowser(admin, "PATCH", "/api/v1/users/" + op_id, json::object{{"role", "admin"}}).status,
            200u);
  EXPECT_EQ(AsBrowser(op, "GET", "/api/v1/users").status, 200u);
}

// ------------------------------------------------------------------ users --

TEST_F(AuthApiTest, UsersCrudWithAuditEntries) {
  const Browser admin = Login("root", kAdminPassword);
  auto created =
      AsBrowser(admin, "POST", "/api/v1/users",
                json::object{{"username", "new.user-1"}, {"password", "new-user-pw"}, {"role", "viewer"}});
  ASSERT_EQ(created.status, 201u) << created.body;
  const std::string id(created.Json().at("id").as_string());
  EXPECT_EQ(created.Json().at("role"), "viewer");
  EXPECT_EQ(created.Json().at("disabled"), false);
  EXPECT_FALSE(created.Json().at("created_at").as_string().empty());
  auto entry = LastAudit();
  EXPECT_EQ(entry.action, "user.create");
  EXPECT_EQ(entry.target_kind, "user");
  EXPECT_EQ(entry.target_id, id);
  EXPECT_EQ(entry.actor_id, admin_id_);
  EXPECT_EQ(entry.detail_json.find("new-user-pw"), std::string::npos);

  EXPECT_EQ(AsBrowser(admin, "GET", "/api/v1/users/" + id).Json().at("username"), "new.user-1");
  EXPECT_EQ(AsBrowser(admin, "GET", "/api/v1/users/01ARZ3NDEKTSV4RRFFQ69G5FAV").status, 404u);
  Login("new.user-1", "new-user-pw");

  auto listed = AsBrowser(admin, "GET", "/api/v1/users?limit=1");
  ASSERT_EQ(listed.status, 200u);
  ASSERT_EQ(listed.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(listed.Json().at("items").as_array()[0].at("username"), "new.user-1");
  auto rest =
      AsBrowser(admin, "GET",
                "/api/v1/users?limit=1&cursor=" + std::string(listed.Json().at("next_cursor").as_string()));
  EXPECT_EQ(rest.Json().at("items").as_array()[0].at("username"), "root");
  EXPECT_TRUE(rest.Json().at("next_cursor").is_null());

  auto patched = AsBrowser(admin, "PATCH", "/api/v1/users/" + id,
                           json::object{{"role", "operator"}, {"password", "changed-pw-2"}});
  ASSERT_EQ(patched.status, 200u) << patched.body;
  EXPECT_EQ(patched.Json().at("role"), "operator");
  entry = LastAudit();
  EXPECT_EQ(entry.action, "user.update");
  EXPECT_NE(entry.detail_json.find("\"password\""), std::string::npos);  // names the change...
  EXPECT_EQ(entry.detail_json.find("changed-pw-2"), std::string::npos);  // ...never the value
  EXPECT_EQ(LoginReply("new.user-1", "new-user-pw").status, 401u);
  Login("new.user-1", "changed-pw-2");

  auto disabled = AsBrowser(admin, "PATCH", "/api/v1/users/" + id, json::object{{"disabled", true}});
  EXPECT_EQ(disabled.Json().at("disabled"), true);
  EXPECT_EQ(LoginReply("new.user-1", "changed-pw-2").status, 401u);

  ASSERT_EQ(AsBrowser(admin, "DELETE", "/api/v1/users/" + id).status, 204u);
  EXPECT_EQ(LastAudit().action, "user.delete");
  EXPECT_EQ(AsBrowser(admin, "DELETE", "/api/v1/users/" + id).status, 404u);
  EXPECT_EQ(AsBrowser(admin, "PATCH", "/api/v1/users/" + id, json::object{{"role", "viewer"}}).status, 404u);
}

TEST_F(AuthApiTest, UserValidationErrorsNameTheFieldAndChangeNothing) {
  MakeUser("taken", kViewerPassword, "viewer");
  const Browser admin = Login("root", kAdminPassword);
  const std::string before = Snapshot();
  struct Case {
    json::object body;
    unsigned status;
    const char* field;
  };
  const std::vector<Case> cases = {
      {{{"username", "Bob"}, {"password", "long-enough"}, {"role", "viewer"}}, 400, "username"},
      {{{"username", "a b"}, {"password", "long-enough"}, {"role", "viewer"}}, 400, "username"},
      {{{"username", ""}, {"password", "long-enough"}, {"role", "viewer"}}, 400, "username"},
      {{{"username", std::string(65, 'a')}, {"password", "long-enough"}, {"role", "viewer"}},
       400,
       "username"},
      {{{"username", "bob"}, {"password", "short"}, {"role", "viewer"}}, 400, "password"},
      {{{"username", "bob"}, {"password", std::string(1025, 'p')}, {"role", "viewer"}}, 400, "password"},
      {{{"username", "bob"}, {"password", "long-enough"}, {"role", "root"}}, 400, "role"},
      {{{"username", "bob"}, {"password", "long-enough"}}, 400, "role"},
      {{{"username", "bob"}, {"password", "long-enough"}, {"role", "viewer"}, {"admin", true}}, 400, "admin"},
      {{{"username", "taken"}, {"password", "long-enough"}, {"role", "viewer"}}, 409, "username"},
  };
  for (const auto& c : cases) {
    auto reply = AsBrowser(admin, "POST", "/api/v1/users", c.body);
    EXPECT_EQ(reply.status, c.status) << json::serialize(c.body) << " → " << reply.body;
    EXPECT_EQ(reply.ErrorField(), c.field) << reply.body;
  }
  // 1024 bytes is the longest password and is accepted; the 8-byte minimum too.
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(AsBrowser(admin, "PATCH", "/api/v1/users/" + admin_id_, json::object{}).status, 400u);
  EXPECT_EQ(AsBrowser(admin, "PATCH", "/api/v1/users/" + admin_id_, json::object{{"password", "short"}})
                .ErrorField(),
            "password");
  EXPECT_EQ(
      AsBrowser(admin, "PATCH", "/api/v1/users/" + admin_id_, json::object{{"disabled", "yes"}}).ErrorField(),
      "disabled");
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(
      AsBrowser(admin, "POST", "/api/v1/users",
                json::object{{"username", "max"}, {"password", std::string(1024, 'p')}, {"role", "viewer"}})
          .status,
      201u);
  EXPECT_EQ(AsBrowser(admin, "POST", "/api/v1/users",
                      json::object{{"username", "min"}, {"password", "12345678"}, {"role", "viewer"}})
                .status,
            201u);
}

TEST_F(AuthApiTest, TheLastAdminCannotBeDemotedDisabledOrDeleted) {
  const Browser admin = Login("root", kAdminPassword);
  const std::string before = Snapshot();
  auto demote = AsBrowser(admin, "PATCH", "/api/v1/users/" + admin_id_, json::object{{"role", "operator"}});
  EXPECT_EQ(demote.status, 409u) << demote.body;
  EXPECT_EQ(demote.ErrorCode(), "conflict");
  EXPECT_EQ(AsBrowser(admin, "PATCH", "/api/v1/users/" + admin_id_, json::object{{"disabled", true}}).status,
            409u);
  EXPECT_EQ(AsBrowser(admin, "DELETE", "/api/v1/users/" + admin_id_).status, 409u);
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(AsBrowser(admin, "GET", "/api/v1/users").status, 200u);

  // With a second admin, demoting yourself is fine (deleting yourself never is).
  const std::string second_id = MakeUser("second", kOperatorPassword, "admin").id;
  EXPECT_EQ(AsBrowser(admin, "DELETE", "/api/v1/users/" + admin_id_).status, 409u);
  auto ok = AsBrowser(admin, "PATCH", "/api/v1/users/" + admin_id_, json::object{{"role", "operator"}});
  EXPECT_EQ(ok.status, 200u) << ok.body;
  EXPECT_EQ(AsBrowser(admin, "GET", "/api/v1/users").status, 403u);
  // Now "second" is the last admin: it cannot demote itself either.
  const Browser second = Login("second", kOperatorPassword);
  EXPECT_EQ(AsBrowser(second, "PATCH", "/api/v1/users/" + second_id, json::object{{"role", "viewer"}}).status,
            409u);
}

TEST_F(AuthApiTest, PasswordChangeAndDisableEndOtherSessions) {
  const std::string op_id = MakeUser("op", kOperatorPassword, "operator").id;
  const Browser admin = Login("root", kAdminPassword);
  const Browser admin_elsewhere = Login("root", kAdminPassword);
  const Browser op1 = Login("op", kOperatorPassword);
  const Browser op2 = Login("op", kOperatorPassword);
  const auto [op_token_id, op_token] = MakeToken(op1, "op-cli");

  ASSERT_EQ(AsBrowser(admin, "PATCH", "/api/v1/users/" + op_id, json::object{{"password", "new-op-password"}})
                .status,
            200u);
  EXPECT_EQ(AsBrowser(op1, "GET", "/api/v1/auth/me").status, 401u);
  EXPECT_EQ(AsBrowser(op2, "GET", "/api/v1/auth/me").status, 401u);
  EXPECT_EQ(WithToken(op_token, "GET", "/api/v1/auth/me").status, 200u);  // tokens are separate credentials

  ASSERT_EQ(AsBrowser(admin, "PATCH", "/api/v1/users/" + op_id, json::object{{"disabled", true}}).status,
            200u);
  EXPECT_EQ(WithToken(op_token, "GET", "/api/v1/auth/me").status, 401u);
  ASSERT_EQ(AsBrowser(admin, "PATCH", "/api/v1/users/" + op_id, json::object{{"disabled", false}}).status,
            200u);
  EXPECT_EQ(WithToken(op_token, "GET", "/api/v1/auth/me").status, 200u);

  // Changing your own password keeps the session you did it from.
  ASSERT_EQ(AsBrowser(admin, "PATCH", "/api/v1/users/" + admin_id_,
                      json::object{{"password", "new-admin-password"}})
                .status,
            200u);
  EXPECT_EQ(AsBrowser(admin, "GET", "/api/v1/auth/me").status, 200u);
  EXPECT_EQ(AsBrowser(admin_elsewhere, "GET", "/api/v1/auth/me").status, 401u);
}

// --------------------------------------------------------------- secrets --

TEST_F(AuthApiTest, NoPasswordOrTokenReachesTheAuditLogTheLogOrAResponse) {
  SetLogLevel("trace");
  ::testing::internal::CaptureStderr();
  std::vector<std::string> secrets = {kAdminPassword, "wrong-guess-77", "fresh-user-pw", "rotated-user-pw"};
  std::string responses;
  auto keep = [&](const testing::Reply& reply) {
    responses += reply.body;
    for (const auto& [name, value] : reply.headers) {
      if (name != "set-cookie") responses += value;
    }
    return reply;
  };

  keep(LoginReply("root", "wrong-guess-77"));
  keep(LoginReply("nobody", "wrong-guess-77"));
  const Browser admin = Login("root", kAdminPassword);
  secrets.push_back(admin.cookie);
  auto created =
      keep(AsBrowser(admin, "POST", "/api/v1/users",
                     json::object{{"username", "fresh"}, {"password", "fresh-user-pw"}, {"role", "viewer"}}));
  const std::string fresh_id(created.Json().at("id").as_string());
  keep(AsBrowser(admin, "PATCH", "/api/v1/users/" + fresh_id, json::object{{"password", "rotated-user-pw"}}));
  keep(AsBrowser(admin, "PATCH", "/api/v1/users/" + fresh_id, json::object{{"password", "x"}}));
  const auto [token_id, token] = MakeToken(admin, "cli");
  secrets.push_back(token);
  keep(WithToken(token, "GET", "/api/v1/auth/me"));
  keep(WithToken(token, "GET", "/api/v1/tokens"));
  keep(AsBrowser(admin, "DELETE", "/api/v1/tokens/" + token_id));
  keep(WithToken(token, "GET", "/api/v1/auth/me"));
  keep(AsBrowser(admin, "POST", "/api/v1/auth/logout"));
  keep(AsBrowser(admin, "GET", "/api/v1/auth/me"));

  const std::string log = ::testing::internal::GetCapturedStderr();
  SetLogLevel("info");
  const std::string audit = DumpAll("audit_log");
  EXPECT_NE(audit.find("auth.login_failed"), std::string::npos);
  EXPECT_NE(log.find("failed login"), std::string::npos) << "the capture saw nothing: " << log;
  for (const auto& secret : secrets) {
    EXPECT_EQ(audit.find(secret), std::string::npos) << "audit holds a secret";
    EXPECT_EQ(log.find(secret), std::string::npos) << "log holds a secret";
    EXPECT_EQ(responses.find(secret), std::string::npos) << "a response holds a secret";
    EXPECT_EQ(audit.find(auth::HashToken(secret)), std::string::npos) << "audit holds a credential hash";
  }
  EXPECT_EQ(responses.find("argon2"), std::string::npos);
}

}  // namespace
}  // namespace rmgr::server::api

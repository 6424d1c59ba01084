#include "server/api/auth_handlers.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <utility>

#include "common/schema/secret.h"
#include "common/util/log.h"
#include "server/api/account_support.h"
#include "server/auth/account_rules.h"
#include "server/auth/credentials.h"
#include "server/auth/second_factor.h"
#include "server/store/store.h"

namespace rmgr::server::api {
namespace {

namespace beast_http = http::beast_http;
namespace json = boost::json;
using schema::Secret;
using schema::Text;

// Longest API token name.
constexpr std::size_t kMaxTokenNameBytes = 100;
// API token lifetimes: a minute to ten years (absent: no expiry).
constexpr std::int64_t kMinTokenSeconds = 60;
constexpr std::int64_t kMaxTokenSeconds = std::int64_t{10} * 366 * 24 * 3600;

constexpr Text kUsernameRule{.min = 1,
                             .max = auth::kMaxUsernameBytes,
                             .shape = &auth::IsValidUsername,
                             .shape_name = "a username of a-z, 0-9, '.', '_' and '-'"};
constexpr Text kPasswordRule{.min = auth::kMinPasswordBytes, .max = auth::kMaxPasswordBytes};
constexpr Text kRoleRule{
    .min = 1, .max = 16, .shape = &auth::IsRoleName, .shape_name = "admin, operator or viewer"};

// ---------------------------------------------------------------- bodies

struct LoginRequest {
  std::string username;
  Secret password;
};
template <class F>
void Fields(F& f, schema::Is<LoginRequest> auto& r) {
  // Login does not teach the account rules: any name or password of sane
  // length is checked against the store and fails as "invalid".
  f("username", r.username, Text{.min = 1, .max = auth::kMaxUsernameBytes});
  f("password", r.password, Text{.min = 1, .max = auth::kMaxPasswordBytes});
}

struct LoginTotpRequest {
  Secret challenge;
  Secret code;
};
template <class F>
void Fields(F& f, schema::Is<LoginTotpRequest> auto& r) {
  f("challenge", r.challenge, Text{.min = 1, .max = 128});
  f("code", r.code, Text{.min = 1, .max = 64});  // a TOTP code or a recovery code
}

// Prefix of login challenges (the token between password and code).
constexpr std::string_view kChallengePrefix = "rmc_";
// How long a challenge waits for its code, and how many wrong codes it takes.
constexpr auto kChallengeLifetime = std::chrono::minutes(5);
constexpr std::int64_t kChallengeMaxFailures = 5;

struct CreateUserRequest {
  std::string username;
  Secret password;
  std::string role;
};
template <class F>
void Fields(F& f, schema::Is<CreateUserRequest> auto& r) {
  f("username", r.username, kUsernameRule);
  f("password", r.password, kPasswordRule);
  f("role", r.role, kRoleRule);
}

struct UpdateUserRequest {
  std::optional<std::string> role;
  std::optional<Secret> password;
  std::optional<bool> disabled;
};
template <class F>
void Fields(F& f, schema::Is<UpdateUserRequest> auto& r) {
  f("role", r.role, kRoleRule);
  f("password", r.password, kPasswordRule);
  f("disabled", r.disabled);
}

struct CreateTokenRequest {
  std::string name;
  std::optional<std::int64_t> expires_in_seconds;
};
template <class F>
void Fields(F& f, schema::Is<CreateTokenRequest> auto& r) {
  f("name", r.name, Text{.min = 1, .max = kMaxTokenNameBytes});
  f("expires_in_seconds", r.expires_in_seconds,
    schema::Int{.min = kMinTokenSeconds, .max = kMaxTokenSeconds});
}

// ---------------------------------------------------------------- answers

json::object TokenJson(const store::ApiToken& token) {
  return json::object{{"id", token.id},
                      {"name", token.name},
                      {"user_id", token.user_id},
                      {"created_at", FormatRfc3339Utc(token.created_at)},
                      {"expires_at", TimeOrNull(token.expires_at)},
                      {"last_used_at", TimeOrNull(token.last_used_at)},
                      {"revoked_at", TimeOrNull(token.revoked_at)}};
}

template <class T, class ToJson>
json::object PageJson(const store::Page<T>& page, ToJson&& to_json) {
  json::array items;
  items.reserve(page.items.size());
  for (const auto& item : page.items) items.emplace_back(to_json(item));
  json::value next = nullptr;
  if (!page.next_cursor.empty()) next = json::value(page.next_cursor);
  return json::object{{"items", std::move(items)}, {"next_cursor", std::move(next)}};
}

Result<store::PageRequest> PageFrom(const ApiRequest& req) {
  auto limit = req.QueryInt("limit", 1, store::kMaxPageLimit);
  if (!limit) return limit.error();
  store::PageRequest page;
  page.limit = static_cast<int>(limit->value_or(store::kDefaultPageLimit));
  page.cursor = req.Query("cursor").value_or("");
  return page;
}

// Verified against when the username is unknown, so that answering takes as
// long as for a known one (no user enumeration by timing).
const std::string& DummyPasswordHash() {
  static const std::string hash = [] {
    auto made = auth::HashPassword(auth::NewToken(""));
    return made ? *made : std::string();
  }();
  return hash;
}

bool IsActiveAdmin(const store::User& user) {
  return user.role == "admin" && !user.disabled_at;
}

}  // namespace

AuthHandlers::AuthHandlers(ApiDeps& deps, auth::SessionAuthenticator& sessions, LoginLimits limits)
    : deps_(deps),
      sessions_(sessions),
      throttle_(limits),
      account_(deps, sessions, throttle_),
      totp_(deps, sessions, throttle_) {}

void AuthHandlers::Register(ApiRoutes& routes) {
  using beast_http::verb;
  routes.AddPublic(verb::post, "/auth/login",
                   "Log in with username and password (sets the session cookie, or asks for a TOTP code)",
                   [this](ApiRequest& r) { return Login(r); });
  routes.AddPublic(verb::post, "/auth/login/totp",
                   "Second login step: the challenge and a TOTP or recovery code (sets the session cookie)",
                   [this](ApiRequest& r) { return LoginTotp(r); });
  routes.Add(
      verb::post, "/auth/logout", Role::kViewer, "End the current browser session",
      [this](ApiRequest& r) { return Logout(r); }, Gate::kEnrolment);
  routes.Add(
      verb::get, "/auth/me", Role::kViewer, "The calling user and how they authenticated",
      [this](ApiRequest& r) { return Me(r); }, Gate::kEnrolment);

  routes.Add(verb::get, "/users", Role::kAdmin, "List users", [this](ApiRequest& r) { return ListUsers(r); });
  routes.Add(verb::post, "/users", Role::kAdmin, "Create a user",
             [this](ApiRequest& r) { return CreateUser(r); });
  routes.Add(verb::get, "/users/{id}", Role::kAdmin, "Get a user",
             [this](ApiRequest& r) { return GetUser(r); });
  routes.Add(verb::patch, "/users/{id}", Role::kAdmin, "Change a user's role, password or disabled flag",
             [this](ApiRequest& r) { return UpdateUser(r); });
  routes.Add(verb::delete_, "/users/{id}", Role::kAdmin, "Delete a user",
             [this](ApiRequest& r) { return DeleteUser(r); });

  routes.Add(verb::post, "/tokens", Role::kViewer, "Create an API token for yourself (shown once)",
             [this](ApiRequest& r) { return CreateToken(r); });
  routes.Add(verb::get, "/tokens", Role::kViewer, "List your API tokens (admins: ?all=true for everyone's)",
             [this](ApiRequest& r) { return ListTokens(r); });
  routes.Add(verb::delete_, "/tokens/{id}", Role::kViewer, "Revoke an API token (your own; admins: any)",
             [this](ApiRequest& r) { return RevokeToken(r); });

  account_.Register(routes);
  totp_.Register(routes);
}

// ------------------------------------------------------------------ auth --

http::Response AuthHandlers::Login(ApiRequest& req) {
  auto log = Logger("auth");
  const std::string& address = req.http.remote_address;
  if (auto limited = throttle_.ByAddress(address)) return std::move(*limited);
  auto body = req.Body<LoginRequest>();
  if (!body) return http::ErrorResponse(body.error());
  if (auto limited = throttle_.ByUsername(body->username)) return std::move(*limited);

  auto found = deps_.store.Read([&](store::ReadTx& tx) { return tx.GetUserByUsername(body->username); });
  if (!found && found.error().code != ErrorCode::kNotFound) return AuthFailure(found.error());
  const bool known = found.ok();
  // Always verify, even for an unknown user (see DummyPasswordHash).
  const bool password_ok =
      auth::VerifyPassword(body->password.Reveal(), known ? found->password_hash : DummyPasswordHash());
  const char* reason = nullptr;
  if (!known) {
    reason = "unknown_user";
  } else if (!password_ok) {
    reason = "bad_password";
  } else if (found->disabled_at) {
    reason = "disabled";
  }

  if (reason != nullptr) {
    store::AuditEntry entry =
        req.Audit("auth.login_failed", "user", known ? found->id : std::string(),
                  json::object{{"username", Loggable(body->username)}, {"reason", reason}});
    entry.actor_kind = store::ActorKind::kUser;
    auto logged = deps_.store.Write([&](store::WriteTx& tx) { return tx.AppendAudit(entry); });
    if (!logged) return AuthFailure(logged.error());
    log->info("failed login for {} from {} ({})", Loggable(body->username), address, reason);
    return AuthFailure(MakeError(ErrorCode::kUnauthenticated, "invalid username or password"));
  }

  // Success: upgrade an old hash while the password is at hand.
  const store::User& user = *found;
  std::optional<std::string> rehashed;
  if (auth::PasswordNeedsRehash(user.password_hash)) {
    if (auto hash = auth::HashPassword(body->password.Reveal())) rehashed = std::move(*hash);
  }
  if (!user.totp_enabled) return StartSession(req, user, std::move(rehashed), "none", "");

  // The password was right; the session waits for a code (POST /auth/login/totp).
  const std::string challenge = auth::NewToken(kChallengePrefix);
  store::LoginChallenge record;
  record.token_hash = auth::HashToken(challenge);
  record.user_id = user.id;
  record.expires_at = sessions_.Now() + kChallengeLifetime;
  auto stored = deps_.store.Write([&](store::WriteTx& tx) -> Result<void> {
    if (rehashed) {
      store::UserUpdate update;
      update.password_hash = *rehashed;
      if (auto updated = tx.UpdateUser(user.id, update); !updated) return updated.error();
    }
    auto made = tx.CreateLoginChallenge(record);
    if (!made) return made.error();
    return Ok();
  });
  if (!stored) return AuthFailure(stored.error());
  log->debug("{} gave the right password from {}; waiting for a TOTP code", user.username, address);
  return Json(http::Status::ok, json::object{{"totp_required", true}, {"challenge", challenge}});
}

http::Response AuthHandlers::LoginTotp(ApiRequest& req) {
  auto log = Logger("auth");
  const std::string& address = req.http.remote_address;
  if (auto limited = throttle_.ByAddress(address)) return std::move(*limited);
  auto body = req.Body<LoginTotpRequest>();
  if (!body) return http::ErrorResponse(body.error());
  const std::string hash = auth::HashToken(body->challenge.Reveal());
  const TimePoint now = sessions_.Now();
  const Error expired = MakeError(ErrorCode::kUnauthenticated,
                                  "this login has expired; enter your username and password again");

  struct Found {
    store::LoginChallenge challenge;
    store::User user;
  };
  auto found = deps_.store.Read([&](store::ReadTx& tx) -> Result<Found> {
    auto challenge = tx.GetLoginChallenge(hash);
    if (!challenge) return challenge.error();
    auto user = tx.GetUser(challenge->user_id);
    if (!user) return user.error();
    return Found{std::move(*challenge), std::move(*user)};
  });
  if (!found) return AuthFailure(found.error().code == ErrorCode::kNotFound ? expired : found.error());
  if (found->challenge.expires_at <= now || found->user.disabled_at) return AuthFailure(expired);
  const store::User& user = found->user;
  if (auto limited = throttle_.ByUsername(user.username)) return std::move(*limited);

  // Check and spend the code; a wrong one is counted against the challenge
  // and audited in the same transaction, and ends it after kChallengeMaxFailures.
  auto checked = deps_.store.Write([&](store::WriteTx& tx) -> Result<auth::SecondFactorOutcome> {
    auto outcome = auth::CheckSecondFactor(tx, deps_.secrets, user.id, body->code.Reveal(), now);
    if (!outcome) return outcome.error();
    if (*outcome == auth::SecondFactorOutcome::kTotp ||
        *outcome == auth::SecondFactorOutcome::kRecoveryCode) {
      return outcome;
    }
    auto failures = tx.FailLoginChallenge(hash);
    if (!failures) return failures.error();
    if (*failures >= kChallengeMaxFailures) {
      if (auto gone = tx.DeleteLoginChallenge(hash); !gone) return gone.error();
    }
    store::AuditEntry entry = req.Audit(
        "auth.login_failed", "user", user.id,
        json::object{
            {"username", user.username},
            {"reason", *outcome == auth::SecondFactorOutcome::kReplayed ? "replayed_code" : "bad_code"}});
    entry.actor_kind = store::ActorKind::kUser;
    if (auto logged = tx.AppendAudit(entry); !logged) return logged.error();
    return outcome;
  });
  if (!checked) return AuthFailure(checked.error());
  if (*checked == auth::SecondFactorOutcome::kWrong || *checked == auth::SecondFactorOutcome::kReplayed) {
    log->info("wrong second factor for {} from {} ({})", user.username, address, auth::ToString(*checked));
    return AuthFailure(MakeError(ErrorCode::kUnauthenticated,
                                 *checked == auth::SecondFactorOutcome::kReplayed
                                     ? "this code was used already; wait for the next one"
                                     : "wrong code",
                                 "code"));
  }
  return StartSession(req, user, std::nullopt, auth::ToString(*checked), hash);
}

http::Response AuthHandlers::StartSession(ApiRequest& req, const store::User& user,
                                          std::optional<std::string> rehashed, std::string_view second_factor,
                                          const std::string& challenge_hash) {
  const auth::IssuedSession issued = sessions_.NewSession(user.id, req.http);
  const TimePoint now = sessions_.Now();
  struct Started {
    store::User user;
    bool require_totp = false;
  };
  auto stored = deps_.store.Write([&](store::WriteTx& tx) -> Result<Started> {
    auto current = tx.GetUser(user.id);
    if (!current || current->disabled_at) {
      return MakeError(ErrorCode::kUnauthenticated, "invalid username or password");
    }
    if (!challenge_hash.empty()) {
      // Spent with the session: one challenge opens one session.
      if (auto gone = tx.DeleteLoginChallenge(challenge_hash); !gone) {
        return gone.error().code == ErrorCode::kNotFound
                   ? MakeError(ErrorCode::kUnauthenticated, "this login has expired; log in again")
                   : gone.error();
      }
    }
    if (auto swept = tx.DeleteExpiredSessions(now); !swept) return swept.error();
    if (rehashed) {
      store::UserUpdate update;
      update.password_hash = *rehashed;
      if (auto updated = tx.UpdateUser(user.id, update); !updated) return updated.error();
    }
    if (auto session = tx.CreateSession(issued.record); !session) return session.error();
    auto settings = tx.GetAccountSettings();
    if (!settings) return settings.error();
    store::AuditEntry entry =
        req.Audit("auth.login", "user", user.id,
                  json::object{{"username", user.username}, {"second_factor", second_factor}});
    entry.actor_kind = store::ActorKind::kUser;
    entry.actor_id = user.id;
    if (auto logged = tx.AppendAudit(entry); !logged) return logged.error();
    return Started{std::move(*current), settings->require_totp};
  });
  if (!stored) return AuthFailure(stored.error());
  Logger("auth")->info("{} logged in from {}", user.username, req.http.remote_address);
  auto res =
      Json(http::Status::ok,
           json::object{{"csrf_token", issued.csrf_token},
                        {"user", UserJson(stored->user)},
                        {"totp_enrolment_required", stored->require_totp && !stored->user.totp_enabled}});
  res.set(beast_http::field::set_cookie, sessions_.SessionCookie(issued.token));
  return res;
}

http::Response AuthHandlers::Logout(ApiRequest& req) {
  // A bearer token has no session to end; revoke the token instead.
  if (!req.caller().via_session) return NoContent();
  const std::string hash = auth::SessionAuthenticator::SessionTokenHash(req.http);
  auto ended = deps_.store.Write([&](store::WriteTx& tx) -> Result<void> {
    if (auto deleted = tx.DeleteSession(hash); !deleted && deleted.error().code != ErrorCode::kNotFound) {
      return deleted.error();
    }
    auto logged = tx.AppendAudit(req.Audit("auth.logout", "user", req.caller().user_id));
    if (!logged) return logged.error();
    return Ok();
  });
  if (!ended) return AuthFailure(ended.error());
  auto res = NoContent();
  res.set(beast_http::field::set_cookie, sessions_.ClearedCookie());
  return res;
}

http::Response AuthHandlers::Me(ApiRequest& req) {
  auto user = deps_.store.Read([&](store::ReadTx& tx) { return tx.GetUser(req.caller().user_id); });
  if (!user) return AuthFailure(user.error());
  return Json(http::Status::ok,
              json::object{{"user", UserJson(*user)},
                           {"via", req.caller().via_session ? "session" : "token"},
                           {"totp_enrolment_required", req.caller().totp_enrolment_required}});
}

// ----------------------------------------------------------------- users --

http::Response AuthHandlers::ListUsers(ApiRequest& req) {
  auto page = PageFrom(req);
  if (!page) return AuthFailure(page.error());
  auto users = deps_.store.Read([&](store::ReadTx& tx) { return tx.ListUsers(*page); });
  if (!users) return AuthFailure(users.error());
  return Json(http::Status::ok, PageJson(*users, UserJson));
}

http::Response AuthHandlers::CreateUser(ApiRequest& req) {
  auto body = req.Body<CreateUserRequest>();
  if (!body) return AuthFailure(body.error());
  auto hash = auth::HashPassword(body->password.Reveal());
  if (!hash) return AuthFailure(hash.error());
  auto created = deps_.store.Write([&](store::WriteTx& tx) -> Result<store::User> {
    auto user = tx.CreateUser(store::NewUser{body->username, *hash, body->role});
    if (!user) return user.error();
    auto logged =
        tx.AppendAudit(req.Audit("user.create", "user", user->id,
                                 json::object{{"target_username", user->username}, {"role", user->role}}));
    if (!logged) return logged.error();
    return user;
  });
  if (!created) return AuthFailure(created.error());
  return Json(http::Status::created, UserJson(*created));
}

http::Response AuthHandlers::GetUser(ApiRequest& req) {
  auto user = deps_.store.Read([&](store::ReadTx& tx) { return tx.GetUser(req.Param("id")); });
  if (!user) return AuthFailure(user.error());
  return Json(http::Status::ok, UserJson(*user));
}

http::Response AuthHandlers::UpdateUser(ApiRequest& req) {
  auto body = req.Body<UpdateUserRequest>();
  if (!body) return AuthFailure(body.error());
  if (!body->role && !body->password && !body->disabled) {
    return AuthFailure(
        MakeError(ErrorCode::kInvalidArgument, "give at least one of role, password, disabled"));
  }
  const std::string& id = req.Param("id");
  const Principal& caller = req.caller();
  if (body->disabled.value_or(false) && id == caller.user_id) {
    return AuthFailure(MakeError(ErrorCode::kConflict, "you cannot disable your own account", "disabled"));
  }
  store::UserUpdate update;
  update.role = body->role;
  update.disabled = body->disabled;
  if (body->password) {
    auto hash = auth::HashPassword(body->password->Reveal());
    if (!hash) return AuthFailure(hash.error());
    update.password_hash = std::move(*hash);
  }
  // The caller keeps the session they are using when changing their own password.
  const std::string keep_session = id == caller.user_id && caller.via_session
                                       ? auth::SessionAuthenticator::SessionTokenHash(req.http)
                                       : "";

  auto updated = deps_.store.Write([&](store::WriteTx& tx) -> Result<store::User> {
    auto before = tx.GetUser(id);
    if (!before) return before.error();
    auto after = tx.UpdateUser(id, update);
    if (!after) return after.error();
    if (IsActiveAdmin(*before) && !IsActiveAdmin(*after)) {
      auto admins = tx.CountActiveAdmins();
      if (!admins) return admins.error();
      if (*admins == 0) {
        return MakeError(ErrorCode::kConflict, "this is the last enabled admin; make another admin first",
                         update.role ? "role" : "disabled");
      }
    }
    // Credentials changed or account disabled: end the sessions they opened.
    if (update.password_hash || after->disabled_at) {
      auto ended = tx.DeleteUserSessions(id, after->disabled_at ? std::string() : keep_session);
      if (!ended) return ended.error();
    }
    json::array changed;
    json::object detail{{"target_username", after->username}};
    if (update.role) {
      changed.emplace_back("role");
      detail["role"] = after->role;
    }
    if (update.password_hash) changed.emplace_back("password");
    if (update.disabled) {
      changed.emplace_back("disabled");
      detail["disabled"] = after->disabled_at.has_value();
    }
    detail["changed"] = std::move(changed);
    auto logged = tx.AppendAudit(req.Audit("user.update", "user", id, std::move(detail)));
    if (!logged) return logged.error();
    return after;
  });
  if (!updated) return AuthFailure(updated.error());
  return Json(http::Status::ok, UserJson(*updated));
}

http::Response AuthHandlers::DeleteUser(ApiRequest& req) {
  const std::string& id = req.Param("id");
  if (id == req.caller().user_id) {
    return AuthFailure(MakeError(ErrorCode::kConflict, "you cannot delete your own account"));
  }
  auto deleted = deps_.store.Write([&](store::WriteTx& tx) -> Result<void> {
    auto user = tx.GetUser(id);
    if (!user) return user.error();
    if (auto gone = tx.DeleteUser(id); !gone) return gone.error();
    if (IsActiveAdmin(*user)) {
      auto admins = tx.CountActiveAdmins();
      if (!admins) return admins.error();
      if (*admins == 0) return MakeError(ErrorCode::kConflict, "this is the last enabled admin");
    }
    auto logged = tx.AppendAudit(req.Audit(
        "user.delete", "user", id, json::object{{"target_username", user->username}, {"role", user->role}}));
    if (!logged) return logged.error();
    return Ok();
  });
  if (!deleted) return AuthFailure(deleted.error());
  return NoContent();
}

// ---------------------------------------------------------------- tokens --

http::Response AuthHandlers::CreateToken(ApiRequest& req) {
  auto body = req.Body<CreateTokenRequest>();
  if (!body) return AuthFailure(body.error());
  const std::string secret = auth::NewToken(auth::SessionAuthenticator::kApiTokenPrefix);
  store::NewApiToken token{req.caller().user_id, body->name, auth::HashToken(secret), std::nullopt};
  if (body->expires_in_seconds) {
    token.expires_at = deps_.now() + std::chrono::seconds(*body->expires_in_seconds);
  }
  auto created = deps_.store.Write([&](store::WriteTx& tx) -> Result<store::ApiToken> {
    auto stored = tx.CreateApiToken(token);
    if (!stored) return stored.error();
    auto logged = tx.AppendAudit(
        req.Audit("token.create", "token", stored->id,
                  json::object{{"name", stored->name}, {"expires_at", TimeOrNull(stored->expires_at)}}));
    if (!logged) return logged.error();
    return stored;
  });
  if (!created) return AuthFailure(created.error());
  json::object answer = TokenJson(*created);
  answer["token"] = secret;  // the only time it is ever shown
  return Json(http::Status::created, std::move(answer));
}

http::Response AuthHandlers::ListTokens(ApiRequest& req) {
  const auto all = req.Query("all");
  if (all && *all != "true" && *all != "false") {
    return AuthFailure(MakeError(ErrorCode::kInvalidArgument, "all must be true or false", "all"));
  }
  const bool everyone = all && *all == "true";
  if (everyone && !req.caller().HasRole(Role::kAdmin)) {
    return http::ErrorResponse(http::Status::forbidden, "permission_denied",
                               "listing everyone's tokens needs the admin role");
  }
  auto page = PageFrom(req);
  if (!page) return AuthFailure(page.error());
  store::ApiTokenFilter filter;
  if (!everyone) filter.user_id = req.caller().user_id;
  auto tokens = deps_.store.Read([&](store::ReadTx& tx) { return tx.ListApiTokens(filter, *page); });
  if (!tokens) return AuthFailure(tokens.error());
  return Json(http::Status::ok, PageJson(*tokens, TokenJson));
}

http::Response AuthHandlers::RevokeToken(ApiRequest& req) {
  const std::string& id = req.Param("id");
  const Principal& caller = req.caller();
  auto revoked = deps_.store.Write([&](store::WriteTx& tx) -> Result<void> {
    auto token = tx.GetApiToken(id);
    // Someone else's token is "not found" for a non-admin: no probing for ids.
    if (!token || (token->user_id != caller.user_id && !caller.HasRole(Role::kAdmin))) {
      return token ? MakeError(ErrorCode::kNotFound, "API token not found") : token.error();
    }
    if (token->revoked_at) return Ok();  // already revoked: nothing changes, nothing to audit
    if (auto done = tx.RevokeApiToken(id); !done) return done.error();
    auto logged = tx.AppendAudit(req.Audit(
        "token.revoke", "token", id, json::object{{"name", token->name}, {"owner_user_id", token->user_id}}));
    if (!logged) return logged.error();
    return Ok();
  });
  if (!revoked) return AuthFailure(revoked.error());
  return NoContent();
}

}  // namespace rmgr::server::api

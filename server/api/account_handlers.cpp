#include "server/api/account_handlers.h"

#include <string>

#include "common/schema/secret.h"
#include "common/util/log.h"
#include "server/api/account_support.h"
#include "server/api/api_support.h"
#include "server/auth/account_rules.h"
#include "server/auth/credentials.h"

namespace rmgr::server::api {
namespace {

namespace json = boost::json;
using schema::Secret;
using schema::Text;

struct PasswordChangeRequest {
  Secret current_password;
  Secret new_password;
};
template <class F>
void Fields(F& f, schema::Is<PasswordChangeRequest> auto& r) {
  f("current_password", r.current_password, Text{.min = 1, .max = auth::kMaxPasswordBytes});
  f("new_password", r.new_password, Text{.min = auth::kMinPasswordBytes, .max = auth::kMaxPasswordBytes});
}

struct AccountSettingsRequest {
  bool require_totp = false;
};
template <class F>
void Fields(F& f, schema::Is<AccountSettingsRequest> auto& r) {
  f("require_totp", r.require_totp);
}

json::object SettingsJson(const store::AccountSettings& settings) {
  return json::object{{"require_totp", settings.require_totp},
                      {"updated_at", TimeOrNull(settings.updated_at)}};
}

}  // namespace

AccountHandlers::AccountHandlers(ApiDeps& deps, auth::SessionAuthenticator& sessions, LoginThrottle& throttle)
    : deps_(deps), sessions_(sessions), throttle_(throttle) {}

void AccountHandlers::Register(ApiRoutes& routes) {
  using http::beast_http::verb;
  routes.Add(verb::post, "/account/password", Role::kViewer,
             "Change your password (needs the current one; your other sessions end)",
             [this](ApiRequest& r) { return ChangePassword(r); });
  routes.Add(verb::get, "/account/sessions", Role::kViewer, "Your browser sessions (the current one marked)",
             [this](ApiRequest& r) { return ListOwnSessions(r); });
  routes.Add(verb::delete_, "/account/sessions/{id}", Role::kViewer, "End one of your sessions",
             [this](ApiRequest& r) { return RevokeOwnSession(r); });
  routes.Add(verb::get, "/users/{id}/sessions", Role::kAdmin, "A user's browser sessions",
             [this](ApiRequest& r) { return ListUserSessions(r); });
  routes.Add(verb::delete_, "/users/{id}/sessions/{session_id}", Role::kAdmin, "End a user's session",
             [this](ApiRequest& r) { return RevokeUserSession(r); });
  routes.Add(verb::get, "/settings/accounts", Role::kAdmin, "Account settings (require TOTP)",
             [this](ApiRequest& r) { return GetSettings(r); });
  routes.Add(verb::put, "/settings/accounts", Role::kAdmin, "Change the account settings",
             [this](ApiRequest& r) { return PutSettings(r); });
}

http::Response AccountHandlers::ChangePassword(ApiRequest& req) {
  auto body = req.Body<PasswordChangeRequest>();
  if (!body) return AuthFailure(body.error());
  const Principal& caller = req.caller();
  if (auto limited = throttle_.ByUsername(caller.username)) return std::move(*limited);
  auto user = deps_.store.Read([&](store::ReadTx& tx) { return tx.GetUser(caller.user_id); });
  if (!user) return AuthFailure(user.error());
  if (!auth::VerifyPassword(body->current_password.Reveal(), user->password_hash)) {
    auto logged = deps_.store.Write([&](store::WriteTx& tx) {
      return AppendAudit(tx, req.Audit("user.password_change_failed", "user", caller.user_id,
                                       json::object{{"reason", "bad_password"}}));
    });
    if (!logged) return AuthFailure(logged.error());
    return AuthFailure(
        MakeError(ErrorCode::kPermissionDenied, "the current password is wrong", "current_password"));
  }
  auto hash = auth::HashPassword(body->new_password.Reveal());
  if (!hash) return AuthFailure(hash.error());
  // The session making the change stays; a token caller keeps no session.
  const std::string keep = caller.via_session ? auth::SessionAuthenticator::SessionTokenHash(req.http) : "";
  auto changed = deps_.store.Write([&](store::WriteTx& tx) -> Result<void> {
    store::UserUpdate update;
    update.password_hash = *hash;
    if (auto updated = tx.UpdateUser(caller.user_id, update); !updated) return updated.error();
    auto ended = tx.DeleteUserSessions(caller.user_id, keep);
    if (!ended) return ended.error();
    return AppendAudit(tx, req.Audit("user.password_change", "user", caller.user_id,
                                     json::object{{"sessions_ended", *ended}}));
  });
  if (!changed) return AuthFailure(changed.error());
  Logger("auth")->info("{} changed their password", caller.username);
  return NoContent();
}

http::Response AccountHandlers::ListOwnSessions(ApiRequest& req) {
  return SessionList(req, req.caller().user_id);
}

http::Response AccountHandlers::RevokeOwnSession(ApiRequest& req) {
  return RevokeSession(req, req.caller().user_id, req.Param("id"));
}

http::Response AccountHandlers::ListUserSessions(ApiRequest& req) {
  auto user = deps_.store.Read([&](store::ReadTx& tx) { return tx.GetUser(req.Param("id")); });
  if (!user) return AuthFailure(user.error());
  return SessionList(req, user->id);
}

http::Response AccountHandlers::RevokeUserSession(ApiRequest& req) {
  return RevokeSession(req, req.Param("id"), req.Param("session_id"));
}

http::Response AccountHandlers::SessionList(ApiRequest& req, const std::string& user_id) {
  auto sessions = deps_.store.Read([&](store::ReadTx& tx) { return tx.ListUserSessions(user_id); });
  if (!sessions) return AuthFailure(sessions.error());
  const std::string current =
      req.caller().via_session ? auth::SessionAuthenticator::SessionTokenHash(req.http) : "";
  const TimePoint now = sessions_.Now();
  json::array items;
  for (const auto& session : *sessions) {
    // Expired sessions are not swept at once; they are gone all the same.
    if (session.expires_at <= now || session.created_at + sessions_.options().max_lifetime <= now) continue;
    items.emplace_back(SessionJson(session, !current.empty() && session.token_hash == current));
  }
  return ListResponse(std::move(items), "");
}

http::Response AccountHandlers::RevokeSession(ApiRequest& req, const std::string& user_id,
                                              const std::string& session_id) {
  const std::string current =
      req.caller().via_session ? auth::SessionAuthenticator::SessionTokenHash(req.http) : "";
  struct Revoked {
    bool was_current = false;
  };
  auto revoked = deps_.store.Write([&](store::WriteTx& tx) -> Result<Revoked> {
    auto session = tx.GetSessionById(session_id);
    // Another user's session is "not found": no probing for ids.
    if (!session || session->user_id != user_id) {
      return session ? MakeError(ErrorCode::kNotFound, "session not found") : session.error();
    }
    if (auto gone = tx.DeleteSession(session->token_hash); !gone) return gone.error();
    auto logged = AppendAudit(
        tx, req.Audit("session.revoke", "session", session_id,
                      json::object{{"owner_user_id", user_id}, {"client_address", session->client_address}}));
    if (!logged) return logged.error();
    return Revoked{!current.empty() && session->token_hash == current};
  });
  if (!revoked) return AuthFailure(revoked.error());
  auto res = NoContent();
  if (revoked->was_current) res.set(http::beast_http::field::set_cookie, sessions_.ClearedCookie());
  return res;
}

http::Response AccountHandlers::GetSettings(ApiRequest& /*req*/) {
  auto settings = deps_.store.Read([](store::ReadTx& tx) { return tx.GetAccountSettings(); });
  if (!settings) return AuthFailure(settings.error());
  return Json(http::Status::ok, SettingsJson(*settings));
}

http::Response AccountHandlers::PutSettings(ApiRequest& req) {
  auto body = req.Body<AccountSettingsRequest>();
  if (!body) return AuthFailure(body.error());
  const Principal& caller = req.caller();
  auto stored = deps_.store.Write([&](store::WriteTx& tx) -> Result<store::AccountSettings> {
    if (body->require_totp) {
      // An admin without TOTP would lock their own session out of this page.
      auto admin = tx.GetUser(caller.user_id);
      if (!admin) return admin.error();
      if (!admin->totp_enabled) {
        return MakeError(ErrorCode::kConflict, "set up two-factor authentication for yourself first",
                         "require_totp");
      }
    }
    store::AccountSettings settings;
    settings.require_totp = body->require_totp;
    auto put = tx.PutAccountSettings(settings);
    if (!put) return put.error();
    auto logged = AppendAudit(tx, req.Audit("settings.update", "settings", "accounts",
                                            json::object{{"require_totp", body->require_totp}}));
    if (!logged) return logged.error();
    return put;
  });
  if (!stored) return AuthFailure(stored.error());
  return Json(http::Status::ok, SettingsJson(*stored));
}

}  // namespace rmgr::server::api

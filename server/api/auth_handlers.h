#pragma once
// AuthHandlers: the REST endpoints of operator authentication and accounts
// (docs/api-contract.md "Authentication", User, Token):
//   POST /auth/login (public, rate limited per source address and per
//   username) and, for a user with TOTP, its second step POST
//   /auth/login/totp; POST /auth/logout, GET /auth/me, /users CRUD (admin),
//   /tokens create/list/revoke. It also owns and registers the account
//   (password, sessions, settings) and TOTP handlers, which share its throttle.
// Every mutation and its audit entry are written in one store transaction;
// a failed login is audited as auth.login_failed (never with the password).
// Passwords are hashed before the transaction (Argon2id is slow) and never
// logged, audited or returned; API tokens are returned once, at creation.
//
// Thread safety: register on one thread; the handlers are safe to run
// concurrently (the rate limiters lock internally). The object must outlive
// the router it registered into, as must `deps` and `sessions`.

#include <optional>
#include <string>
#include <string_view>

#include "server/api/account_handlers.h"
#include "server/api/api_deps.h"
#include "server/api/api_routes.h"
#include "server/api/login_throttle.h"
#include "server/api/totp_handlers.h"
#include "server/auth/session_authenticator.h"

namespace rmgr::server::api {

class AuthHandlers {
 public:
  //! Handlers over `deps.store`, issuing sessions through `sessions`.
  AuthHandlers(ApiDeps& deps, auth::SessionAuthenticator& sessions, LoginLimits limits = {});

  //! Adds every auth, user, token, account and TOTP route to `routes`.
  void Register(ApiRoutes& routes);

 private:
  http::Response Login(ApiRequest& req);
  http::Response LoginTotp(ApiRequest& req);
  //! Stores a new session for `user` (with its audit entry naming
  //! `second_factor`), spending the login challenge hashing to
  //! `challenge_hash` when not empty, and answers with its cookie.
  http::Response StartSession(ApiRequest& req, const store::User& user, std::optional<std::string> rehashed,
                              std::string_view second_factor, const std::string& challenge_hash);
  http::Response Logout(ApiRequest& req);
  http::Response Me(ApiRequest& req);
  http::Response ListUsers(ApiRequest& req);
  http::Response CreateUser(ApiRequest& req);
  http::Response GetUser(ApiRequest& req);
  http::Response UpdateUser(ApiRequest& req);
  http::Response DeleteUser(ApiRequest& req);
  http::Response CreateToken(ApiRequest& req);
  http::Response ListTokens(ApiRequest& req);
  http::Response RevokeToken(ApiRequest& req);

  ApiDeps& deps_;
  auth::SessionAuthenticator& sessions_;
  LoginThrottle throttle_;
  AccountHandlers account_;
  TotpHandlers totp_;
};

}  // namespace rmgr::server::api

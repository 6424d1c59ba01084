#pragma once
// AuthHandlers: the REST endpoints of operator authentication and accounts
// (docs/api-contract.md "Authentication", User, Token):
//   POST /auth/login (public, rate limited per source address and per
//   username), POST /auth/logout, GET /auth/me, /users CRUD (admin),
//   /tokens create/list/revoke.
// Every mutation and its audit entry are written in one store transaction;
// a failed login is audited as auth.login_failed (never with the password).
// Passwords are hashed before the transaction (Argon2id is slow) and never
// logged, audited or returned; API tokens are returned once, at creation.
//
// Thread safety: register on one thread; the handlers are safe to run
// concurrently (the rate limiters lock internally). The object must outlive
// the router it registered into, as must `deps` and `sessions`.

#include <chrono>

#include "server/api/api_deps.h"
#include "server/api/api_routes.h"
#include "server/auth/rate_limiter.h"
#include "server/auth/session_authenticator.h"

namespace rmgr::server::api {

//! Login throttling: token buckets per source address and per username.
struct LoginLimits {
  int per_address_burst = 20;                          ///< Attempts at once from one address.
  std::chrono::milliseconds per_address_refill{6000};  ///< Then one more every this long.
  int per_user_burst = 10;                             ///< Attempts at once for one username.
  std::chrono::milliseconds per_user_refill{30000};    ///< Then one more every this long.
};

class AuthHandlers {
 public:
  //! Handlers over `deps.store`, issuing sessions through `sessions`.
  AuthHandlers(ApiDeps& deps, auth::SessionAuthenticator& sessions, LoginLimits limits = {});

  //! Adds every auth, user and token route to `routes`.
  void Register(ApiRoutes& routes);

 private:
  http::Response Login(ApiRequest& req);
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
  auth::RateLimiter by_address_;
  auth::RateLimiter by_username_;
};

}  // namespace rmgr::server::api

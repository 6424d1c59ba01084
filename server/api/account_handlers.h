#pragma once
// AccountHandlers: what a user does to their own account, and what admins
// do to anyone's sessions and to the account settings
// (docs/api-contract.md "Account"):
//   POST /account/password (the current password and a new one; every other
//   session of the user ends, the caller's stays), GET /account/sessions and
//   DELETE /account/sessions/{id}; admins: GET /users/{id}/sessions, DELETE
//   /users/{id}/sessions/{session_id}, GET and PUT /settings/accounts
//   (require TOTP for everyone).
// Every change is audited in its transaction; a refused password change too.
//
// Thread safety: register on one thread; handlers run concurrently. The
// object must outlive the router, as must `deps`, `sessions` and `throttle`.

#include "server/api/api_deps.h"
#include "server/api/api_routes.h"
#include "server/api/login_throttle.h"
#include "server/auth/session_authenticator.h"

namespace rmgr::server::api {

class AccountHandlers {
 public:
  //! Handlers over `deps.store`; `throttle` slows password guessing.
  AccountHandlers(ApiDeps& deps, auth::SessionAuthenticator& sessions, LoginThrottle& throttle);

  //! Adds the account, session and settings routes to `routes`.
  void Register(ApiRoutes& routes);

 private:
  http::Response ChangePassword(ApiRequest& req);
  http::Response ListOwnSessions(ApiRequest& req);
  http::Response RevokeOwnSession(ApiRequest& req);
  http::Response ListUserSessions(ApiRequest& req);
  http::Response RevokeUserSession(ApiRequest& req);
  http::Response GetSettings(ApiRequest& req);
  http::Response PutSettings(ApiRequest& req);

  //! The live sessions of `user_id` as a list answer.
  http::Response SessionList(ApiRequest& req, const std::string& user_id);
  //! Ends session `session_id` of `user_id` (404 when it is not theirs).
  http::Response RevokeSession(ApiRequest& req, const std::string& user_id, const std::string& session_id);

  ApiDeps& deps_;
  auth::SessionAuthenticator& sessions_;
  LoginThrottle& throttle_;
};

}  // namespace rmgr::server::api

#pragma once
// TotpHandlers: a user's TOTP second factor (docs/api-contract.md "Two-factor
// authentication"):
//   GET /account/totp (state), POST /account/totp/enrol (a new pending
//   secret: otpauth URI, base32 secret and QR code), POST
//   /account/totp/confirm (a first valid code enables it and answers the
//   recovery codes, once), POST /account/totp/disable (password and a code),
//   DELETE /users/{id}/totp (admins reset another user's).
// Secrets are sealed with the server key before they reach the store and
// are shown only in the enrolment answer; recovery codes only in the confirm
// answer. Every change is audited in its transaction, and so are refused
// disable attempts.
//
// Thread safety: register on one thread; handlers run concurrently. The
// object must outlive the router, as must `deps`, `sessions` and `throttle`.

#include "server/api/api_deps.h"
#include "server/api/api_routes.h"
#include "server/api/login_throttle.h"
#include "server/auth/session_authenticator.h"

namespace rmgr::server::api {

class TotpHandlers {
 public:
  //! Handlers over `deps.store` and `deps.secrets`; `throttle` slows guessing on disable.
  TotpHandlers(ApiDeps& deps, auth::SessionAuthenticator& sessions, LoginThrottle& throttle);

  //! Adds the TOTP routes to `routes` (the enrolment ones open to a session that must enrol).
  void Register(ApiRoutes& routes);

 private:
  http::Response GetState(ApiRequest& req);
  http::Response Enrol(ApiRequest& req);
  http::Response Confirm(ApiRequest& req);
  http::Response Disable(ApiRequest& req);
  http::Response Reset(ApiRequest& req);

  ApiDeps& deps_;
  auth::SessionAuthenticator& sessions_;
  LoginThrottle& throttle_;
};

}  // namespace rmgr::server::api

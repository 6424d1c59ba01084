#pragma once
// SessionAuthenticator: decides who sent a REST request (auth::Authenticator).
//
// Two kinds of credentials:
//  * `Authorization: Bearer rmt_...` — an API token (CLI, scripts). Looked up
//    by its HashToken; revoked, expired or unknown tokens and disabled users
//    are 401. last_used_at is written at most once per touch_interval per
//    token, as a relaxed-durability write. No CSRF token is needed.
//  * Cookie `rm_session=rms_...` — a browser session made by POST
//    /auth/login. Stored as HashToken(cookie) with HashToken(csrf token).
//    Sessions expire after idle_timeout without use (sliding: each use moves
//    expires_at to now + idle_timeout, written at most once per
//    touch_interval) and in any case max_lifetime after login. Expired or
//    unknown sessions and disabled users are 401. A mutating request needs
//    the session's CSRF token in `X-CSRF-Token` (constant-time compare of
//    the hashes): missing or wrong is 403. When admins require TOTP and the
//    user has none, the principal says totp_enrolment_required (the routes
//    then refuse all but enrolment). API tokens are not held back this way:
//    they are 256-bit secrets made by a logged-in user, not a password.
// When a request carries an Authorization header, the cookie is ignored:
// the bearer token alone decides (so no CSRF token is needed), and a bad
// one is 401 even if the cookie is good.
//
// The principal's role is read from the user row on every request, so a
// demotion or a disable takes effect at once.
//
// Thread safety: immutable after construction; Authenticate and the helpers
// may be called from any number of threads at once. The store must outlive it.

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/util/time_format.h"
#include "server/auth/principal.h"
#include "server/store/store.h"

namespace rmgr::server::auth {

//! Tuning of browser sessions and of API token bookkeeping.
struct SessionOptions {
  std::chrono::seconds idle_timeout = std::chrono::hours(12);      ///< Session dies this long after last use.
  std::chrono::seconds max_lifetime = std::chrono::hours(24 * 7);  ///< ... and this long after login at most.
  std::chrono::seconds touch_interval = std::chrono::minutes(1);   ///< Coarseness of expiry/last-used writes.
  bool secure_cookie = false;                                      ///< Add `Secure` (set when serving TLS).
};

//! A new session's secrets (for the browser, once) and its stored form.
struct IssuedSession {
  std::string token;       ///< Cookie value; never stored or logged.
  std::string csrf_token;  ///< For X-CSRF-Token; never stored or logged.
  store::Session record;   ///< Hashes, user and expiry for CreateSession (which stamps created_at itself).
};

class SessionAuthenticator final : public auth::Authenticator {
 public:
  //! Name of the session cookie.
  static constexpr std::string_view kCookieName = "rm_session";
  //! Header carrying the CSRF token on mutating cookie requests.
  static constexpr std::string_view kCsrfHeader = "X-CSRF-Token";
  //! Prefix of session cookie values.
  static constexpr std::string_view kSessionPrefix = "rms_";
  //! Prefix of API tokens.
  static constexpr std::string_view kApiTokenPrefix = "rmt_";

  //! Reads credentials from `store`; `now` is the clock for expiry decisions.
  SessionAuthenticator(store::Store& store, std::function<TimePoint()> now, SessionOptions options = {});

  //! See the file comment. kUnauthenticated, kPermissionDenied (CSRF), or a
  //! store error (kBusy, kInternal).
  Result<auth::Principal> Authenticate(const http::RequestContext& ctx, bool mutating) override;

  //! Fresh random secrets for a session of `user_id` starting now, opened
  //! by request `ctx` (its address and User-Agent are kept for the session
  //! list). Call it outside the write transaction, then store `record` with CreateSession.
  IssuedSession NewSession(const std::string& user_id, const http::RequestContext& ctx) const;

  //! The Set-Cookie value that hands `token` to the browser.
  std::string SessionCookie(std::string_view token) const;
  //! The Set-Cookie value that makes the browser drop the session cookie.
  std::string ClearedCookie() const;

  //! HashToken of the session cookie `ctx` carries; empty when it carries none.
  static std::string SessionTokenHash(const http::RequestContext& ctx);

  //! The authenticator's clock.
  TimePoint Now() const { return now_(); }
  //! The options in force.
  const SessionOptions& options() const { return options_; }

 private:
  Result<auth::Principal> AuthenticateBearer(std::string_view header, const http::RequestContext& ctx);
  Result<auth::Principal> AuthenticateSession(std::string_view cookie, const http::RequestContext& ctx,
                                              bool mutating);

  store::Store& store_;
  std::function<TimePoint()> now_;
  SessionOptions options_;
};

}  // namespace rmgr::server::auth

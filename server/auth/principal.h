#pragma once
// Who is calling the REST API, and what they may do.
// Thread safety: value types and pure functions.

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "server/http/router.h"
#include "server/store/store_types.h"

namespace rmgr::server::auth {

//! Operator roles, weakest first: a route needs its role or a stronger one.
enum class Role { kViewer = 0, kOperator = 1, kAdmin = 2 };

//! "viewer", "operator", "admin".
std::string_view ToString(Role role);
//! Parses a role name; nullopt when unknown.
std::optional<Role> RoleFromString(std::string_view text);

//! An authenticated caller.
struct Principal {
  std::string user_id;                                    ///< The user acting.
  std::string username;                                   ///< For display and audit detail.
  Role role = Role::kViewer;                              ///< The user's role.
  store::ActorKind actor_kind = store::ActorKind::kUser;  ///< kUser (browser session) or kApi (API token).
  std::string actor_id;                                   ///< User id for sessions, token id for tokens.
  bool via_session = false;                               ///< Cookie auth: mutations need the CSRF header.
  //! A browser session of a user without TOTP while admins require it: only
  //! the routes that enrol (and log out) may run until TOTP is confirmed.
  bool totp_enrolment_required = false;

  //! True when the principal's role is `role` or stronger.
  bool HasRole(Role role_needed) const { return static_cast<int>(role) >= static_cast<int>(role_needed); }
};

//! Decides who sent a request. Implemented by SessionAuthenticator; the API
//! applies it before any handler runs.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  //! The caller of `ctx` from its session cookie or `Authorization: Bearer`
  //! token. For a cookie on a `mutating` request the X-CSRF-Token header
  //! must match the session (kPermissionDenied otherwise). kUnauthenticated
  //! when there are no valid credentials.
  virtual Result<Principal> Authenticate(const http::RequestContext& ctx, bool mutating) = 0;
};

}  // namespace rmgr::server::auth

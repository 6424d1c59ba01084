#pragma once
// ApiRoutes: registers REST handlers under /api/v1 with authentication, the
// CSRF rule and a minimum role applied before the handler runs, so no
// handler can forget them. Also the helpers every handler uses: strict JSON
// bodies (the schema codec), JSON responses, query parameters, audit entries.
//
// Thread safety: register routes on one thread before serving; handlers run
// concurrently on the HTTP threads.

#include <boost/json.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/schema/document.h"
#include "server/auth/principal.h"
#include "server/http/router.h"

namespace rmgr::server::api {

using auth::Authenticator;
using auth::Principal;
using auth::Role;
using auth::RoleFromString;
using auth::ToString;

//! What a handler gets: the HTTP request and the authenticated caller.
struct ApiRequest {
  http::RequestContext& http;  ///< Request, path params, query.
  const Principal* principal;  ///< Null only on public routes.

  //! The calling principal; only on authenticated routes.
  const Principal& caller() const { return *principal; }

  //! An audit entry for this caller and request: actor, source address, the
  //! action and target, and a detail object (which must hold no secrets).
  store::AuditEntry Audit(std::string action, std::string target_kind, std::string target_id,
                          boost::json::object detail = {}) const;

  //! Strictly decodes the JSON body into T (see schema::ReadObject).
  template <class T>
  Result<T> Body() const {
    if (auto ok = CheckJsonContentType(); !ok) return ok.error();
    return schema::DecodeObject<T>(http.request.body(), schema::ParseLimits{});
  }

  //! Optional integer query parameter within [min, max]; kInvalidArgument names the parameter.
  Result<std::optional<std::int64_t>> QueryInt(std::string_view name, std::int64_t min,
                                               std::int64_t max) const;
  //! Optional string query parameter.
  std::optional<std::string> Query(std::string_view name) const;
  //! A `{name}` path parameter (the route guarantees it exists).
  const std::string& Param(const std::string& name) const { return http.path_params.at(name); }
  //! kInvalidArgument naming Content-Type unless the body is declared JSON
  //! (Body checks it; handlers that read free-form JSON call it themselves).
  Result<void> CheckJsonContentType() const;
};

//! Whether a route runs for a session that must enrol TOTP first (admins
//! require it and the user has none): only enrolment, "who am I" and log out do.
enum class Gate {
  kFullAccount,  ///< Refused (403 totp_enrolment_required) until TOTP is confirmed.
  kEnrolment,    ///< Runs for such a session too.
};

//! A REST handler.
using ApiHandler = std::function<http::Response(ApiRequest&)>;
//! A REST handler whose response may come later (http::Deferred) or that
//! takes the connection (http::Takeover, for the event stream).
using ApiOutcomeHandler = std::function<http::Outcome(ApiRequest&)>;

//! Success response with a JSON body.
http::Response Json(http::Status status, boost::json::value body);
//! 204 No Content.
http::Response NoContent();

class ApiRoutes {
 public:
  //! The API prefix every route lives under.
  static constexpr std::string_view kPrefix = "/api/v1";

  //! Registers into `router`; `auth` must outlive the router.
  ApiRoutes(http::Router& router, Authenticator& auth) : router_(router), auth_(auth) {}

  //! A route needing a caller with at least `min_role`. `pattern` is under
  //! kPrefix ("/hosts/{id}"). `summary` is the one-line OpenAPI summary.
  void Add(http::beast_http::verb method, std::string_view pattern, Role min_role, std::string summary,
           ApiHandler handler, Gate gate = Gate::kFullAccount);

  //! As Add, for a handler that may defer its response or take the connection.
  void AddOutcome(http::beast_http::verb method, std::string_view pattern, Role min_role, std::string summary,
                  ApiOutcomeHandler handler, Gate gate = Gate::kFullAccount);

  //! A route with no authentication (login, health); its handler may return any http::Outcome (a
  //! FileResponse for the agent bundle download, which authenticates the host token itself).
  void AddPublic(http::beast_http::verb method, std::string_view pattern, std::string summary,
                 ApiOutcomeHandler handler);

  //! One registered API route, for the OpenAPI document.
  struct Description {
    http::beast_http::verb method;  ///< Method.
    std::string path;               ///< Full path with kPrefix, OpenAPI style "{id}".
    std::optional<Role> min_role;   ///< Null for public routes.
    std::string summary;            ///< One line.
  };
  //! Every route registered through this object.
  const std::vector<Description>& Descriptions() const { return descriptions_; }

 private:
  http::Router& router_;
  Authenticator& auth_;
  std::vector<Description> descriptions_;
};

}  // namespace rmgr::server::api

#pragma once
// REST handlers for enrollment tokens: GET/POST /enrollment-tokens, DELETE /enrollment-tokens/{id}
// (docs/api-contract.md "Enrollment token"). The token itself is answered
// once, on create; only its hash is stored.
// Thread safety: registration on one thread before serving; the handlers
// are safe to run concurrently (all state is in the store).

#include "server/api/api_deps.h"
#include "server/api/api_routes.h"

namespace rmgr::server::api {

//! Registers the enrollment routes; `deps` must outlive the router.
void RegisterEnrollmentRoutes(ApiRoutes& routes, ApiDeps& deps);

}  // namespace rmgr::server::api

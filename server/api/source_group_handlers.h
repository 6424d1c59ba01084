#pragma once
// REST handlers for source groups: GET/POST /source-groups, GET/PATCH/DELETE
// /source-groups/{id} (docs/api-contract.md "Source group"). Paths must be
// absolute with no '..' segment and no NUL/CR/LF.
// Thread safety: registration on one thread before serving; the handlers
// are safe to run concurrently (all state is in the store).

#include "server/api/api_deps.h"
#include "server/api/api_routes.h"

namespace rmgr::server::api {

//! Registers the source group routes; `deps` must outlive the router.
void RegisterSourceGroupRoutes(ApiRoutes& routes, ApiDeps& deps);

}  // namespace rmgr::server::api

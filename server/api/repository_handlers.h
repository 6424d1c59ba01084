#pragma once
// REST handlers for repositories: GET/POST /repositories, GET/PATCH/DELETE
// /repositories/{id} and GET /repositories/{id}/snapshots (docs/api-contract.md
// "Repository"). The password is write-only: sealed with the server key
// before it reaches the store, never answered, logged or audited.
// Thread safety: registration on one thread before serving; the handlers
// are safe to run concurrently (all state is in the store).

#include "server/api/api_deps.h"
#include "server/api/api_routes.h"

namespace rmgr::server::api {

//! Registers the repository routes; `deps` must outlive the router.
void RegisterRepositoryRoutes(ApiRoutes& routes, ApiDeps& deps);

}  // namespace rmgr::server::api

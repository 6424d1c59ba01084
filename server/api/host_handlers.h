#pragma once
// REST handlers for hosts: GET/POST /hosts, GET/PATCH/DELETE /hosts/{id}
// (docs/api-contract.md "Host"). Hosts are pre-registered here; agents
// enroll into them later (enrollment tokens).
// Thread safety: registration on one thread before serving; the handlers
// are safe to run concurrently (all state is in the store).

#include "server/api/api_deps.h"
#include "server/api/api_routes.h"

namespace rmgr::server::api {

//! Registers the host routes; `deps` must outlive the router.
void RegisterHostRoutes(ApiRoutes& routes, ApiDeps& deps);

}  // namespace rmgr::server::api

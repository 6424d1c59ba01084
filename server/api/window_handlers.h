#pragma once
// REST handlers for the window record (docs/api-contract.md "Windows"):
// GET /schedules/{id}/windows and GET /hosts/{id}/windows list, newest
// first, what happened in every schedule × source group × slot of a time
// range — the job that answered it, a pending run, or why nothing ran
// (server/scheduling/window_record.h decides). Viewers may read.
// Thread safety: registration on one thread before serving; the handlers
// are safe to run concurrently (all state is in the store).

#include "server/api/api_deps.h"
#include "server/api/api_routes.h"

namespace rmgr::server::api {

//! Registers the window routes; `deps` must outlive the router.
void RegisterWindowRoutes(ApiRoutes& routes, ApiDeps& deps);

}  // namespace rmgr::server::api

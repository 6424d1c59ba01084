#pragma once
// REST handlers for jobs: GET/POST /jobs, GET /jobs/{id}, GET /jobs/{id}/logs,
// POST /jobs/{id}/cancel (docs/api-contract.md "Job"). The server is the
// source of truth for jobs: run-now only queues one; the dispatcher sends it.
// Thread safety: registration on one thread before serving; the handlers
// are safe to run concurrently (all state is in the store).

#include "server/api/api_deps.h"
#include "server/api/api_routes.h"

namespace rmgr::server::api {

//! Registers the job routes; `deps` must outlive the router.
void RegisterJobRoutes(ApiRoutes& routes, ApiDeps& deps);

}  // namespace rmgr::server::api

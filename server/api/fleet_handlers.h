#pragma once
// REST handler for fleet actions: POST /fleet/actions runs now, cancels or
// changes the mode of every host a label selector matches, as one audited
// action with a result per host (docs/api-contract.md "Fleet actions").
// Thread safety: registration on one thread before serving; the handler is
// safe to run concurrently (all state is in the store).

#include "server/api/api_deps.h"
#include "server/api/api_routes.h"

namespace rmgr::server::api {

//! Registers POST /fleet/actions; `deps` must outlive the router.
void RegisterFleetRoutes(ApiRoutes& routes, ApiDeps& deps);

}  // namespace rmgr::server::api

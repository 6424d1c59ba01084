#pragma once
// REST handlers of the repository-size series and restore drills
// (docs/api-contract.md "Repository size" and "Restore drills"):
//   GET  /repositories/{id}/stats?since=  the size series, oldest first (viewer)
//   POST /repositories/{id}/stats         measure now: queues a stats job through
//                                         the host the stats planner would pick (operator)
//   GET  /drills/latest                   each host's last finished drill (viewer)
// The repository record's latest_stats (its newest point) is filled by
// repository_handlers.cpp.
// Thread safety: registration on one thread before serving; the handlers
// are safe to run concurrently (all state is in the store).

#include "server/api/api_deps.h"
#include "server/api/api_routes.h"

namespace rmgr::server::api {

//! Registers the stats and drill routes; `deps` must outlive the router.
void RegisterStatsRoutes(ApiRoutes& routes, ApiDeps& deps);

}  // namespace rmgr::server::api

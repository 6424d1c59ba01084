#pragma once
// REST routes of agent updates (docs/agent-updates.md): published releases,
// the bundle download for agents (host-token auth), and rollouts (start,
// list, show, cancel; starting and cancelling are admin-only and audited).
// Thread safety: registration once at start; handlers run on any thread.

#include "server/api/api_deps.h"
#include "server/api/api_routes.h"

namespace rmgr::server::api {

//! Adds /agent-releases, /agent/releases/{version}/bundle and /rollouts[...].
void RegisterRolloutRoutes(ApiRoutes& routes, ApiDeps& deps);

}  // namespace rmgr::server::api

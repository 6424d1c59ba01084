#pragma once
// REST handlers for schedules: GET/POST /schedules, GET/PATCH/DELETE
// /schedules/{id}, POST /schedules/{id}/run (docs/api-contract.md
// "Schedule"). Cron expressions are validated with the shared cron engine,
// answers carry the next five fire times, hooks are admin-only, and every
// change bumps the host's canonical schedule version in the same transaction.
// Thread safety: registration on one thread before serving; the handlers
// are safe to run concurrently (all state is in the store).

#include "server/api/api_deps.h"
#include "server/api/api_routes.h"

namespace rmgr::server::api {

//! Registers the schedule routes; `deps` must outlive the router.
void RegisterScheduleRoutes(ApiRoutes& routes, ApiDeps& deps);

}  // namespace rmgr::server::api

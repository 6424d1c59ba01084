#pragma once
// REST handlers for alerts and alert rules (docs/api-contract.md "Alerts"):
// list with filters and paging, counts for the navigation badge, one alert,
// acknowledge / silence / unsilence (operators), the rules with their
// effective settings and defaults, and an admin's change of one rule.
// Every decision is audited in the same transaction as its change.
// Thread safety: registration on one thread before serving; the handlers
// are safe to run concurrently (all state is in the store).

#include "server/api/api_deps.h"
#include "server/api/api_routes.h"

namespace rmgr::server::api {

//! Registers the alert routes; `deps` must outlive the router.
void RegisterAlertRoutes(ApiRoutes& routes, ApiDeps& deps);

}  // namespace rmgr::server::api

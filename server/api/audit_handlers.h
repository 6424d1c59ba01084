#pragma once
// REST handlers for the audit log: GET /audit with filters and paging
// (docs/api-contract.md "Audit entry"). Read-only; entries are written by
// the mutating handlers in the same transaction as their change.
// Thread safety: registration on one thread before serving; the handlers
// are safe to run concurrently (all state is in the store).

#include "server/api/api_deps.h"
#include "server/api/api_routes.h"

namespace rmgr::server::api {

//! Registers the audit routes; `deps` must outlive the router.
void RegisterAuditRoutes(ApiRoutes& routes, ApiDeps& deps);

}  // namespace rmgr::server::api

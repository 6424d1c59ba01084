#pragma once
// One call that registers every resource route of the REST API (hosts,
// enrollment tokens, repositories, source groups, schedules, jobs, audit);
// the composition root and the handler tests use it alike.
// Thread safety: call on one thread before serving.

#include "server/api/api_deps.h"
#include "server/api/api_routes.h"

namespace rmgr::server::api {

//! Registers all resource routes; `deps` must outlive the router.
void RegisterResourceRoutes(ApiRoutes& routes, ApiDeps& deps);

}  // namespace rmgr::server::api

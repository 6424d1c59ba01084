#pragma once
// REST handlers that talk to live parts of the system rather than only the
// store: GET /events (server-sent events for the web UI, per the caller's
// role, ended when their credentials stop being valid) and
// GET /hosts/{id}/browse (a snapshot directory listed by the host's agent;
// the HTTP response waits for the agent without holding a server thread).
// Thread safety: registration on one thread before serving; the handlers are
// safe to run concurrently.

#include "server/api/api_deps.h"
#include "server/api/api_routes.h"
#include "server/events/event_stream.h"

namespace rmgr::server::api {

//! Registers /events and /hosts/{id}/browse. Everything passed must outlive the router.
void RegisterLiveRoutes(ApiRoutes& routes, ApiDeps& deps, Authenticator& auth, events::EventStreams& streams);

}  // namespace rmgr::server::api

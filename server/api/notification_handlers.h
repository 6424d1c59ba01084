#pragma once
// REST handlers for notification channels: GET/POST /notification-channels,
// GET/PATCH/DELETE /notification-channels/{id}, POST
// /notification-channels/{id}/test and GET
// /notification-channels/{id}/deliveries (docs/api-contract.md
// "Notification channels"). Admins change channels; operators and viewers
// read them. Secret fields (a webhook's or healthchecks' URL, a header value,
// an ntfy token, an SMTP password) are write-only: sealed with the server
// key before they reach the store, never answered ("has_secret"), logged or
// audited (only the names of changed fields are).
// Thread safety: registration on one thread before serving; the handlers
// are safe to run concurrently (all state is in the store).

#include "server/api/api_deps.h"
#include "server/api/api_routes.h"

namespace rmgr::server::api {

//! Registers the notification channel routes; `deps` must outlive the router.
void RegisterNotificationRoutes(ApiRoutes& routes, ApiDeps& deps);

}  // namespace rmgr::server::api

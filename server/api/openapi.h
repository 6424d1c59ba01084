#pragma once
// The OpenAPI 3 description of /api/v1, kept by hand in openapi.json next
// to this file and embedded at build time. openapi_test.cpp checks that it
// lists exactly the routes the server registers.
// Thread safety: immutable data.

#include <string_view>

#include "server/api/api_routes.h"

namespace rmgr::server::api {

//! The embedded openapi.json text.
std::string_view OpenApiDocument();

//! Serves the document at GET /api/v1/openapi.json (no authentication).
void RegisterOpenApiRoute(ApiRoutes& routes);

}  // namespace rmgr::server::api

#pragma once
// The agent package for new hosts:
//   GET /downloads/{file}     the .deb itself, public: a host being added has
//                             no credentials yet, and the package holds no
//                             secret (the enrollment token stays the only one)
//   GET /api/v1/downloads     (viewer) what is offered, for the web UI's
//                             install-and-enroll command
// Thread safety: handlers run concurrently; the shelf is immutable.

#include <filesystem>

#include "server/api/api_routes.h"
#include "server/http/router.h"

namespace rmgr::server::api {

//! Registers both routes over the packages in `dir` (--packages-dir).
void RegisterDownloadRoutes(http::Router& router, ApiRoutes& routes, std::filesystem::path dir);

}  // namespace rmgr::server::api

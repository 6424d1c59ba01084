#include "server/api/openapi.h"

namespace rmgr::server::api {

void RegisterOpenApiRoute(ApiRoutes& routes) {
  routes.AddPublic(http::beast_http::verb::get, "/openapi.json", "This document", [](ApiRequest&) {
    http::Response res{http::Status::ok, 11};
    res.set(http::beast_http::field::content_type, "application/json");
    res.set(http::beast_http::field::cache_control, "no-cache");
    res.body() = std::string(OpenApiDocument());
    res.prepare_payload();
    return res;
  });
}

}  // namespace rmgr::server::api

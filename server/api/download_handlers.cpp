#include "server/api/download_handlers.h"

#include <memory>

#include "server/api/package_shelf.h"

namespace rmgr::server::api {

namespace {
namespace beast_http = http::beast_http;

constexpr const char* kDebContentType = "application/vnd.debian.binary-package";

boost::json::object Describe(const OfferedPackage& package) {
  return {{"file", package.file},       {"package", package.package},
          {"version", package.version}, {"architecture", package.architecture},
          {"size", package.size},       {"url", "/downloads/" + package.file}};
}
}  // namespace

void RegisterDownloadRoutes(http::Router& router, ApiRoutes& routes, std::filesystem::path dir) {
  auto shelf = std::make_shared<const PackageShelf>(std::move(dir));
  router.Add(beast_http::verb::get, "/downloads/{file}", [shelf](http::RequestContext& ctx) {
    const std::string& file = ctx.path_params.at("file");
    auto bytes = shelf->Read(file);
    if (!bytes) {
      // One answer for a bad name and a missing file: nothing to learn about the directory.
      if (bytes.error().code == ErrorCode::kNotFound) {
        return http::ErrorResponse(http::Status::not_found, "not_found", "no such package");
      }
      return http::ErrorResponse(bytes.error());
    }
    http::Response res{http::Status::ok, 11};
    res.set(beast_http::field::content_type, kDebContentType);
    // ParseName admits no quote, backslash or control byte, so the name needs no escaping.
    res.set(beast_http::field::content_disposition, "attachment; filename=\"" + file + "\"");
    res.set("X-Content-Type-Options", "nosniff");
    res.set(beast_http::field::cache_control, "no-cache");
    res.body() = std::move(*bytes);
    res.prepare_payload();
    return res;
  });
  routes.Add(beast_http::verb::get, "/downloads", Role::kViewer,
             "The packages new hosts can download from GET /downloads/{file} (the agent's .deb)",
             [shelf](ApiRequest&) {
               boost::json::array items;
               for (const auto& package : shelf->List()) items.push_back(Describe(package));
               return Json(http::Status::ok, boost::json::object{{"items", std::move(items)}});
             });
}

}  // namespace rmgr::server::api

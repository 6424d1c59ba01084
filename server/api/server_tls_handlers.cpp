#include "server/api/server_tls_handlers.h"

namespace rmgr::server::api {

namespace {
boost::json::value OrNull(const std::string& text) {
  if (text.empty()) return nullptr;
  return boost::json::value(text);
}
}  // namespace

void RegisterServerTlsRoute(ApiRoutes& routes, std::function<ServerTlsState()> state) {
  routes.Add(http::beast_http::verb::get, "/server/tls", Role::kViewer,
             "How the server is reached: TLS, its certificate's fingerprint, plain HTTP off loopback",
             [state = std::move(state)](ApiRequest&) {
               const ServerTlsState now = state();
               return Json(http::Status::ok, boost::json::object{
                                                 {"tls", now.tls},
                                                 {"fingerprint", OrNull(now.fingerprint)},
                                                 {"next_fingerprint", OrNull(now.next_fingerprint)},
                                                 {"spki_pin", OrNull(now.spki_pin)},
                                                 {"insecure_http", now.insecure_http},
                                             });
             });
}

}  // namespace rmgr::server::api

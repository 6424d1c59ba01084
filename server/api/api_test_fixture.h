#pragma once
// Test fixture for REST handlers: a real SQLite store in a temp dir, a real
// HttpServer on 127.0.0.1 (ephemeral port) with its own io thread, and a
// small synchronous HTTP client. Tests register handlers through Routes()
// before Start(). For handler tests that are not about authentication,
// HeaderAuthenticator takes the caller from test headers.

#include <gtest/gtest.h>

#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "server/api/api_deps.h"
#include "server/api/api_routes.h"
#include "server/auth/secret_box.h"
#include "server/http/http_server.h"
#include "server/store/store.h"

namespace rmgr::server::api::testing {

//! Test-only authenticator: `X-Test-Role: admin|operator|viewer` (and optional
//! `X-Test-User`) make the caller; no header is kUnauthenticated. A bearer
//! `Authorization` header is ignored. Never compiled into the server.
class HeaderAuthenticator : public Authenticator {
 public:
  Result<Principal> Authenticate(const http::RequestContext& ctx, bool mutating) override;
};

//! An HTTP answer as the tests see it.
struct Reply {
  unsigned status = 0;                          ///< HTTP status code.
  std::string body;                             ///< Raw body.
  std::map<std::string, std::string> headers;   ///< Lower-case names; Set-Cookie lines joined by "\n".
  //! The body parsed as JSON (null when it is not JSON).
  boost::json::value Json() const;
  //! error.code of the error shape, or "" when absent.
  std::string ErrorCode() const;
  //! error.field of the error shape, or "".
  std::string ErrorField() const;
};

class ApiFixture : public ::testing::Test {
 protected:
  ApiFixture();
  ~ApiFixture() override;

  //! The authenticator routes use; defaults to HeaderAuthenticator. Set before Routes().
  void UseAuthenticator(Authenticator* auth) { auth_ = auth; }
  //! Route registry for the handlers under test (created on first use).
  ApiRoutes& Routes();
  //! The router (for OpenAPI-style checks).
  http::Router& Router() { return *router_; }
  //! Starts serving; call after registering routes.
  void Start(http::HttpLimits limits = {});

  //! One request on a fresh connection. `headers` are added as given.
  Reply Call(std::string_view method, const std::string& target, const std::string& body = {},
             const std::map<std::string, std::string>& headers = {});
  //! Call with JSON body and `X-Test-Role: role` (HeaderAuthenticator).
  Reply As(std::string_view role, std::string_view method, const std::string& target,
           const boost::json::value& body = nullptr);

  //! The store under test.
  store::Store& Store() { return *store_; }
  //! Dependencies handed to handlers.
  ApiDeps& Deps() { return *deps_; }
  //! Data directory of this test.
  const std::filesystem::path& Dir() const { return dir_; }
  //! The port the server listens on (after Start).
  std::uint16_t Port() const { return port_; }
  //! Number of audit entries in the store.
  int64_t AuditCount();

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<auth::SecretBox> secrets_;
  std::unique_ptr<ApiDeps> deps_;
  HeaderAuthenticator header_auth_;
  Authenticator* auth_ = &header_auth_;
  std::shared_ptr<http::Router> router_;
  std::unique_ptr<ApiRoutes> routes_;
  boost::asio::thread_pool handlers_{2};  // handlers run here, as in the server
  boost::asio::io_context io_;
  std::unique_ptr<http::HttpServer> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
};

}  // namespace rmgr::server::api::testing

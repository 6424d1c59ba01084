#pragma once
// Router: maps (method, path pattern) to a handler. Patterns are literal
// segments and `{name}` captures, e.g. "/api/v1/hosts/{id}".
// Thread safety: build it on one thread (Add), then Dispatch from any number
// of threads concurrently; it is never modified after start.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "server/http/http_types.h"

namespace rmgr::server::http {

//! What a handler sees of a request.
struct RequestContext {
  const Request& request;                         ///< The parsed request (body included).
  std::string path;                               ///< Decoded path, no query string.
  std::map<std::string, std::string> path_params; ///< `{name}` captures from the pattern.
  std::map<std::string, std::string> query;       ///< Decoded query parameters (last one wins).
  std::string remote_address;                     ///< Peer IP address, for audit and rate limits.
};

//! A handler turns a request into a response; it must not throw (the router
//! converts an escaped exception into a 500 and logs it, as a last resort).
using Handler = std::function<Response(RequestContext&)>;

//! One registered route, as listed for the OpenAPI cross-check.
struct RouteInfo {
  beast_http::verb method;  ///< HTTP method.
  std::string pattern;      ///< Pattern as registered.
};

class Router {
 public:
  //! Registers a handler. Registering the same method and pattern twice is a bug.
  void Add(beast_http::verb method, std::string pattern, Handler handler);

  //! Routes a request: 404 for no matching path, 405 (with Allow) when the
  //! path matches under other methods, 400 for an undecodable target.
  Response Dispatch(const Request& request, const std::string& remote_address) const;

  //! Every registered route, in registration order.
  std::vector<RouteInfo> Routes() const;

 private:
  struct Route {
    beast_http::verb method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace rmgr::server::http

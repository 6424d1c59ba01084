#pragma once
// Router: maps (method, path pattern) to a handler. Patterns are literal
// segments and `{name}` captures, e.g. "/api/v1/hosts/{id}".
// Thread safety: build it on one thread (Add), then Dispatch from any number
// of threads concurrently; it is never modified after start.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/tls/maybe_tls_stream.h"
#include "server/http/http_types.h"

namespace rmgr::server::http {

//! What a handler sees of a request.
struct RequestContext {
  const Request& request;                          ///< The parsed request (body included).
  std::string path;                                ///< Decoded path, no query string.
  std::map<std::string, std::string> path_params;  ///< `{name}` captures from the pattern.
  std::map<std::string, std::string> query;        ///< Decoded query parameters (last one wins).
  std::string remote_address;                      ///< Peer IP address, for audit and rate limits.
};

//! A handler turns a request into a response; it must not throw (the router
//! converts an escaped exception into a 500 and logs it, as a last resort).
using Handler = std::function<Response(RequestContext&)>;

//! Completes a deferred response. Call it once, from any thread; a Reply
//! dropped without being called answers 500, so no request hangs forever.
using Reply = std::function<void(Response)>;

//! A response that comes later (e.g. an agent's answer). The session calls
//! `start` once, after the handler returned (so `start` must not touch the
//! RequestContext: capture copies), and writes what it is given.
struct Deferred {
  std::function<void(Reply)> start;
};

//! A long-lived response (server-sent events): the session hands over its
//! stream and the request for good, on the connection's strand. `take` must
//! not block; it owns the connection from then on.
struct Takeover {
  std::function<void(tls::MaybeTlsStream, Request)> take;
};

//! What a route produces: a response now, one later, the connection, or a
//! file streamed from disk (its Content-Length is the file's size).
using Outcome = std::variant<Response, Deferred, Takeover, FileResponse>;

//! A handler that may defer its response or take over the connection.
using OutcomeHandler = std::function<Outcome(RequestContext&)>;

//! Answers GET/HEAD requests no route matched (the web UI's files); nullopt
//! leaves the 404.
using Fallback = std::function<std::optional<Response>(const Request&)>;

//! One registered route, as listed for the OpenAPI cross-check.
struct RouteInfo {
  beast_http::verb method;  ///< HTTP method.
  std::string pattern;      ///< Pattern as registered.
};

class Router {
 public:
  //! Registers a handler. Registering the same method and pattern twice is a bug.
  void Add(beast_http::verb method, std::string pattern, Handler handler);
  //! Registers a handler whose response may be deferred or take the connection.
  void AddOutcome(beast_http::verb method, std::string pattern, OutcomeHandler handler);
  //! Sets the answer for GET/HEAD requests whose path no route matches.
  void SetFallback(Fallback fallback);

  //! Label for a request no route matched (404, 405).
  static constexpr std::string_view kUnmatchedRoute = "(unmatched)";
  //! Label for a request the fallback answered (the web UI's files).
  static constexpr std::string_view kFallbackRoute = "(fallback)";
  //! Label for a request whose target could not be decoded (400).
  static constexpr std::string_view kMalformedRoute = "(malformed)";

  //! Routes a request: 404 for no matching path (after the fallback), 405
  //! (with Allow) when the path matches under other methods, 400 for an
  //! undecodable target. When `matched` is given it is set to the pattern that
  //! answered (valid as long as the router) or one of the labels above: a
  //! bounded name for metrics, never the raw path.
  Outcome Dispatch(const Request& request, const std::string& remote_address,
                   std::string_view* matched = nullptr) const;

  //! Every registered route, in registration order.
  std::vector<RouteInfo> Routes() const;

 private:
  struct Route {
    beast_http::verb method;
    std::string pattern;
    std::vector<std::string> segments;
    OutcomeHandler handler;
  };
  std::vector<Route> routes_;
  Fallback fallback_;
};

}  // namespace rmgr::server::http

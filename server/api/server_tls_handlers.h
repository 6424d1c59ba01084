#pragma once
// GET /api/v1/server/tls: how the server is reached, for the web UI — the
// certificate's fingerprint it puts in the enroll command it shows, its
// public key pin for the curl that downloads the agent package, and
// whether to warn that it runs plain HTTP off loopback (--insecure-http).
// Thread safety: the state function is called on handler threads, concurrently.

#include <functional>
#include <string>

#include "server/api/api_routes.h"

namespace rmgr::server::api {

//! The listener's TLS state at the moment of a request (a SIGHUP may change the fingerprints).
struct ServerTlsState {
  bool tls = false;              ///< HTTPS and WSS are served.
  std::string fingerprint;       ///< The certificate's "sha256:..."; empty without TLS.
  std::string next_fingerprint;  ///< The announced next certificate; empty for none.
  std::string spki_pin;          ///< curl's --pinnedpubkey "sha256//<base64>"; empty without TLS.
  bool insecure_http = false;    ///< Plain HTTP on a non-loopback address.
};

//! Registers GET /server/tls (viewer).
void RegisterServerTlsRoute(ApiRoutes& routes, std::function<ServerTlsState()> state);

}  // namespace rmgr::server::api

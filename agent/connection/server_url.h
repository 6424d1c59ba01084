#pragma once
// ServerUrl: the server URL an agent is configured with, checked once and
// split into what the WebSocket client and the enrollment client need.
// Accepted: http, https, ws and wss URLs with a host and an optional path
// prefix; no user info, query or fragment (a URL must never carry a secret).
// Internal to rmgr_agent_connection.
// Thread safety: pure functions.

#include <string>
#include <string_view>

#include "common/result.h"

namespace rmgr::agent {

//! A checked server URL.
struct ServerUrl {
  std::string scheme;     ///< "http", "https", "ws" or "wss".
  std::string host;       ///< Host name or IP address (IPv6 without brackets), to resolve.
  std::string port;       ///< The explicit port or the scheme's default.
  std::string authority;  ///< Host and port as written ("127.0.0.1:8080"), for the Host header.
  std::string path;       ///< Path prefix without a trailing slash: "" or "/prefix".

  //! True for https and wss.
  bool tls() const { return scheme == "https" || scheme == "wss"; }
  //! "scheme://authority/prefix" without a trailing slash; append an absolute path to it.
  std::string Base() const { return scheme + "://" + authority + path; }
};

//! Checks `url`; the error (kInvalidArgument, field "server_url") says what is wrong.
Result<ServerUrl> ParseServerUrl(std::string_view url);

}  // namespace rmgr::agent

#pragma once
// The token of an "Authorization: Bearer <token>" header, for the routes
// that authenticate outside the REST API's authenticator (the agent
// WebSocket, the metrics scrape).
// Thread safety: pure function.

#include <string_view>

namespace rmgr::server::http {

//! The token of "Bearer <token>" (scheme case-insensitive, RFC 7235; spaces
//! around the token dropped), or empty for any other header.
std::string_view BearerToken(std::string_view authorization);

}  // namespace rmgr::server::http

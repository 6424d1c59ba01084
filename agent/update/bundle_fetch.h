#pragma once
// FetchBundle: downloads an agent bundle from the agent's server with one
// HTTP GET carrying the host token (Authorization: Bearer), over the same
// trust as the agent's WebSocket (pinned certificate or system CAs). Bounded:
// connect 10 s, whole transfer 10 min, at most `max_bytes` of body. The
// token never appears in logs or errors. Nothing fetched is trusted: the
// caller checks size, SHA-256 and signature.
// Thread safety: blocks; call from any thread but an io_context's.

#include <cstdint>
#include <string>

#include "common/result.h"
#include "common/schema/secret.h"
#include "common/tls/client_trust.h"

namespace rmgr::agent::update {

//! Where and how to fetch.
struct FetchRequest {
  std::string server_url;       ///< The agent's server URL (http(s) or ws(s)).
  std::string path;             ///< Absolute path on the server ("/api/v1/agent/releases/V/bundle").
  schema::Secret token;         ///< The host token.
  tls::ClientTrust trust{};     ///< How an https server is verified.
  std::uint64_t max_bytes = 0;  ///< Larger bodies are refused.
};

//! The body of a 200 answer. kUnavailable for transport failures and 5xx,
//! kNotFound for 404, kUnauthenticated for 401, kTooLarge past max_bytes,
//! kPermissionDenied for a refused certificate.
Result<std::string> FetchBundle(const FetchRequest& request);

}  // namespace rmgr::agent::update

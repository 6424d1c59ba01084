#pragma once
// Enrollment: the agent trades a one-time enrollment token for its host
// token (DESIGN.md "Security model") with one HTTP request (Beast, as the
// agent's WebSocket): connect timeout 10 s, total timeout 30 s, answers over
// 1 MiB refused, no redirects (a redirect would carry the token elsewhere).
// An https URL speaks TLS and verifies the server as `trust` says (a pinned
// fingerprint, the system CAs, or trust on first use); the token is sent only
// after the certificate passed. Neither token is ever logged or put in an
// error message.
// Thread safety: Enroll and LocalHostInfo may be called from any thread.

#include <string>
#include <string_view>

#include "common/labels/labels.h"
#include "common/result.h"
#include "common/schema/secret.h"
#include "common/tls/client_trust.h"

namespace rmgr::agent {

//! What the agent tells the server when it enrolls.
struct EnrollRequest {
  std::string server_url;     ///< "http(s)://host:port[/prefix]".
  schema::Secret token;       ///< The one-time enrollment token.
  std::string hostname;       ///< This host's name.
  std::string os;             ///< GOOS-style name ("linux").
  std::string arch;           ///< GOARCH-style name ("amd64").
  std::string agent_version;  ///< restic-manager-agent version.
  tls::ClientTrust trust{};   ///< How an https server's certificate is verified.
  labels::Labels labels{};    ///< Labels proposed for the new host (the token's win); empty: none sent.
};

//! What the server answers: who this host is and its secret.
struct EnrollResponse {
  std::string host_id;             ///< The host's ULID.
  std::string host_name;           ///< The host's display name on the server.
  schema::Secret host_token;       ///< Sent on every WebSocket upgrade from now on.
  std::string server_fingerprint;  ///< https: the certificate the server presented; empty for http.
  std::string update_key;          ///< The server's update signing key to pin; empty from older servers.
};

//! POST <server_url>/api/v1/agent/enroll with JSON
//! {"token","hostname","os","arch","agent_version","labels"?}; 201 → JSON
//! {"host_id","host_name","host_token"}. Any other status → an Error whose message is the server's (body
//! {"error":{"code","message","field"?}}): kUnauthenticated for 401, kPermissionDenied for 403,
//! kInvalidArgument for 400, kNotFound for 404, kConflict for 409 and 410 (an exhausted token), kUnavailable
//! for 429, 5xx and transport failures (with the reason), kMalformed for an unreadable or oversized answer,
//! kPermissionDenied for a certificate `trust` refuses (naming the presented
//! and the expected fingerprints). Blocks.
Result<EnrollResponse> Enroll(const EnrollRequest& request);

//! This machine as the protocol names it.
struct HostInfo {
  std::string hostname;  ///< uname's nodename.
  std::string os;        ///< GOOS-style: uname's sysname in lower case ("linux").
  std::string arch;      ///< GOARCH-style, see GoArch ("amd64").
};

//! HostInfo from uname(2); kInternal if uname fails.
Result<HostInfo> LocalHostInfo();

//! uname's machine name in GOARCH style: x86_64 → amd64, aarch64 → arm64, others as they are.
std::string GoArch(std::string_view machine);

}  // namespace rmgr::agent

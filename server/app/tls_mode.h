#pragma once
// How the server's listener speaks, decided from the config before anything
// binds (issue 12, "plain HTTP only on loopback unless the operator insists"):
//   --tls-cert/--tls-key        → the operator's certificate
//   --tls-self-signed           → the self-signed certificate in the data dir
//   --insecure-http             → plain HTTP, with a warning off loopback
//   none, loopback listen       → plain HTTP (so `make run` stays simple)
//   none, any other address     → the self-signed certificate
// Thread safety: pure functions.

#include <string>
#include <string_view>

#include "common/result.h"

namespace rmgr::server {

struct ServerConfig;

//! What the listener serves.
enum class TlsMode {
  kPlain,                ///< Plain HTTP and WS.
  kOperatorCertificate,  ///< HTTPS and WSS with --tls-cert/--tls-key.
  kSelfSigned,           ///< HTTPS and WSS with the data dir's self-signed certificate.
};

//! The host part of a "HOST:PORT" listen address (IPv6 brackets removed).
std::string ListenHost(std::string_view listen);

//! True for an address that only this machine can reach: 127.0.0.0/8, ::1,
//! an IPv4-mapped 127.x and the name "localhost". 0.0.0.0 and :: are not:
//! they listen on every interface.
bool IsLoopbackHost(std::string_view host);

//! The mode `config` asks for; kInvalidArgument for contradictory flags
//! (--tls-cert without --tls-key, --insecure-http with a TLS flag, ...).
Result<TlsMode> ResolveTlsMode(const ServerConfig& config);

}  // namespace rmgr::server

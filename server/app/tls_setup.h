#pragma once
// The listener's TLS context as the config asks for it (tls_mode.h): loads
// the operator's certificate, or creates/reuses the self-signed one in the
// data dir, and logs the fingerprint operators pin; nullptr for plain HTTP
// (logged as a warning off loopback).
// Thread safety: a function; call once at start.

#include <memory>

#include "common/result.h"
#include "server/http/tls_context.h"

namespace rmgr::server {

struct ServerConfig;

//! The context to serve with, or nullptr for plain HTTP.
Result<std::shared_ptr<http::TlsContext>> SetUpTls(const ServerConfig& config);

}  // namespace rmgr::server

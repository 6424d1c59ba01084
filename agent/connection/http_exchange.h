#pragma once
// One bounded HTTP request to the agent's server and its answer: the
// connection enrollment and bundle downloads share. An https URL speaks TLS
// and verifies the server as `trust` says before a byte of the request (which
// may carry a token) is sent. Redirects are not followed.
// Thread safety: blocks; call from any thread but an io_context's.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "agent/connection/server_url.h"
#include "common/result.h"
#include "common/tls/client_trust.h"

namespace rmgr::agent {

//! How long and how much.
struct ExchangeLimits {
  std::chrono::milliseconds connect_timeout{10'000};  ///< Resolve + connect + TLS handshake.
  std::chrono::milliseconds total_timeout{30'000};    ///< Writing the request and reading the answer.
  std::uint64_t max_body_bytes = 0;                   ///< Longer answers are refused.
};

//! The answer, and the certificate that carried it.
struct ExchangeAnswer {
  boost::beast::http::response<boost::beast::http::string_body> response;
  std::string server_fingerprint;  ///< "sha256:<hex>" of the server's certificate; empty over plain HTTP.
};

//! Sends `request` (its Host header is set here) and reads one answer of any
//! status. kUnavailable when the server cannot be reached or does not answer
//! in time (the message names the URL, and the limit on a timeout);
//! kPermissionDenied for a certificate `trust` refuses (naming the presented
//! fingerprint); kTooLarge for a body over the limit.
Result<ExchangeAnswer> ExchangeOnce(const ServerUrl& url, const tls::ClientTrust& trust,
                                    boost::beast::http::request<boost::beast::http::string_body>& request,
                                    const ExchangeLimits& limits);

}  // namespace rmgr::agent

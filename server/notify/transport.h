#pragma once
// Transport: the network side of delivery, over libcurl — an HTTP(S) POST
// (webhook, ntfy, healthchecks) and an SMTP submission (email). Every
// request has a connect and a total timeout, follows no redirect and speaks
// only the protocols it was asked for. Error messages name the failure
// (curl's text for the error code, "HTTP 500") and never the URL, a header
// or a credential, so they may be stored, logged and shown.
// Thread safety: the functions may run on any number of threads at once
// (each call owns its easy handle; curl_global_init runs once, guarded).

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/schema/secret.h"

namespace rmgr::server::notify {

//! Timeouts and trust for every request.
struct TransportSettings {
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};  ///< TCP + TLS handshake.
  std::chrono::milliseconds total_timeout{std::chrono::seconds(30)};    ///< The whole exchange.
  std::string ca_file;  ///< Extra CA bundle (PEM) to trust; empty: the system's.
};

//! One HTTP POST.
struct HttpPost {
  std::string url;                                           ///< http:// or https:// (may carry a secret).
  std::vector<std::pair<std::string, std::string>> headers;  ///< Extra headers (values may be secret).
  std::string content_type = "application/json";             ///< Content-Type of the body.
  std::string body;                                          ///< Request body.
};

//! POSTs `post`; success is a 2xx answer.
Result<void> PostHttp(const HttpPost& post, const TransportSettings& settings);

//! One mail submission.
struct MailSubmission {
  std::string smtp_url;         ///< smtp://host[:port] (STARTTLS) or smtps://host[:port] (implicit TLS).
  bool require_tls = true;      ///< smtp:// only: fail unless STARTTLS succeeds (else try it).
  std::string username;         ///< AUTH user; empty: no AUTH.
  schema::Secret password;      ///< AUTH password.
  std::string from;             ///< Envelope sender.
  std::vector<std::string> to;  ///< Envelope recipients.
  std::string message;          ///< The RFC 5322 message (headers, blank line, body; CRLF).
};

//! Submits `mail`; success is the server's acceptance of every recipient and the data.
Result<void> SendMail(const MailSubmission& mail, const TransportSettings& settings);

}  // namespace rmgr::server::notify

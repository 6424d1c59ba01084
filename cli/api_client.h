#pragma once
// ApiClient: the CLI's HTTP client for the restic-manager REST API
// (docs/api-contract.md), on libcurl. JSON in and out, `Authorization:
// Bearer` token, connect timeout 5 s and total timeout 60 s, TLS peer and
// host verification always on, no redirects (a redirect would carry the
// token elsewhere). The token and session cookie are never written to any
// message this class produces, including --verbose lines.
//
// Thread safety: an ApiClient owns one curl handle and is used by one thread
// at a time; distinct instances may run on different threads.

#include <boost/json/value.hpp>
#include <boost/system/result.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rmgr::cli {

//! A failed API call: the HTTP status and the API's error shape
//! `{"error": {"code", "message", "field"}}`, or a transport failure.
struct ApiError {
  int status = 0;    ///< HTTP status; 0 when no response arrived (connect, TLS, timeout).
  std::string code;  ///< API error code ("not_found", ...); "transport" or "bad_response" for local failures.
  std::string message;  ///< One human line, never a secret.
  std::string field;    ///< The offending field, or empty.

  //! "message (field)", or just "message" when no field is named.
  std::string OneLine() const;
  //! True for 401 and 403: the credentials are missing, bad or not allowed.
  bool IsAuthFailure() const { return status == 401 || status == 403; }
};

//! boost::system::result reports a wrong-alternative value() access by
//! throwing; this is what it throws for an ApiError (found by ADL).
[[noreturn]] void throw_exception_from_error(const ApiError& error, const boost::source_location& loc);

//! A value or an ApiError.
template <class T>
using ApiResult = boost::system::result<T, ApiError>;

//! Query parameters, in order; values are percent-encoded by the client.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

//! How to reach the server.
struct ApiClientOptions {
  std::string server_url;  ///< "https://host:port" (a path prefix is allowed); http or https only.
  std::string token;       ///< Bearer token; empty sends no Authorization header.
  std::string ca_file;     ///< PEM bundle to verify the server with; empty uses the system store.
  //! Pinned server certificate ("sha256:<hex of its DER>"): when set, the leaf must
  //! have this fingerprint and neither CAs nor the host name are consulted.
  std::string fingerprint;
  bool use_cookies = false;         ///< Keep cookies between calls (login's session cookie).
  std::ostream* verbose = nullptr;  ///< Where to log one line per request and response; null for none.
  long connect_timeout_ms = 5000;   ///< Connection (TCP + TLS) deadline.
  long total_timeout_ms = 60000;    ///< Whole-request deadline.
  std::size_t max_response_bytes = std::size_t{64} << 20;  ///< Larger responses fail with "too_large".
};

//! What a pinned client's certificate check saw; internal to ApiClient.
struct PinCheck {
  std::string expected;   ///< The pin.
  std::string presented;  ///< The leaf certificate of the last handshake.
};

//! HTTP client for /api/v1. Paths passed to the methods are under /api/v1
//! ("/hosts", "/hosts/" + id); build them with PathSegment() for ids.
class ApiClient {
 public:
  //! Checks the server URL (http/https, a host, no query or credentials).
  static ApiResult<std::unique_ptr<ApiClient>> Create(ApiClientOptions options);

  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  //! GET; the decoded JSON body.
  ApiResult<boost::json::value> Get(std::string_view path, const QueryParams& query = {});
  //! POST with a JSON body; the decoded JSON answer (null for 204).
  ApiResult<boost::json::value> Post(std::string_view path, const boost::json::value& body);
  //! PATCH with a JSON body; the decoded JSON answer.
  ApiResult<boost::json::value> Patch(std::string_view path, const boost::json::value& body);
  //! DELETE; null for 204.
  ApiResult<boost::json::value> Delete(std::string_view path);

  //! Sends `X-CSRF-Token` on every later request (cookie sessions need it on mutations).
  void SetCsrfToken(std::string token) { csrf_token_ = std::move(token); }

  //! The server URL as configured (never contains credentials).
  const std::string& server_url() const { return options_.server_url; }

 private:
  struct CurlHandle;
  ApiClient(ApiClientOptions options, std::string api_base);

  ApiResult<boost::json::value> Send(std::string_view method, std::string_view path, const QueryParams& query,
                                     const boost::json::value* body);

  ApiClientOptions options_;
  std::string api_base_;  // server_url without a trailing slash, plus "/api/v1"
  std::string csrf_token_;
  std::unique_ptr<CurlHandle> curl_;
  std::unique_ptr<PinCheck> pin_;  // null unless options_.fingerprint is set; OpenSSL holds its address
};

//! Percent-encodes `segment` for use as one path segment (an id from the user).
std::string PathSegment(std::string_view segment);

//! Checks that `url` is an http(s) URL with a host and without user info,
//! query or fragment; the message says what is wrong.
std::optional<std::string> CheckServerUrl(std::string_view url);

}  // namespace rmgr::cli

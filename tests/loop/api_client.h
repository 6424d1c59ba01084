#pragma once
// The REST API of a live restic-manager-server over libcurl, for the
// closed-loop tests: log in once with the admin password, trade the session
// for an API token, then send every request with that bearer token.
// Thread safety: one thread per object (each request uses its own handle).

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>

namespace rmgr::testing {

//! One HTTP answer; `json` is null when the body is empty or not JSON.
struct HttpAnswer {
  long status = 0;          ///< HTTP status, 0 when the request could not be sent.
  std::string body;         ///< The raw body.
  boost::json::value json;  ///< The body parsed, or null.
  std::string error;        ///< curl's error text when status is 0.

  //! "METHOD path → status body" for failure messages.
  std::string Describe() const;
};

class ApiClient {
 public:
  //! `base_url` is "http(s)://127.0.0.1:PORT" (no trailing slash); an https
  //! server is verified against `ca_file` (a self-signed certificate is its own CA).
  explicit ApiClient(std::string base_url = "", std::string ca_file = "");

  //! Logs in as `username`, creates an API token named `token_name` with the
  //! session and its CSRF token, and uses that token from then on.
  //! Returns an empty string on success, else what went wrong.
  std::string Login(const std::string& username, const std::string& password, const std::string& token_name);

  //! Requests below /api/v1 (`path` starts with '/').
  HttpAnswer Get(const std::string& path) const;
  HttpAnswer Post(const std::string& path, const boost::json::value& body) const;
  //! A POST without a body (run a schedule now, cancel a job).
  HttpAnswer Post(const std::string& path) const;
  HttpAnswer Patch(const std::string& path, const boost::json::value& body) const;
  HttpAnswer Delete(const std::string& path) const;

  //! Any request to `url_path` on the server (e.g. "/healthz"), with the token.
  HttpAnswer Raw(const std::string& method, const std::string& url_path,
                 const std::optional<boost::json::value>& body) const;

  //! The API token in use (empty before Login).
  const std::string& token() const { return token_; }

 private:
  std::string base_url_;
  std::string ca_file_;
  std::string token_;
};

}  // namespace rmgr::testing

#include "tests/loop/api_client.h"

#include <curl/curl.h>

#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <memory>
#include <vector>

namespace rmgr::testing {
namespace {

namespace json = boost::json;

constexpr long kRequestTimeoutSeconds = 60;

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;
using HeaderList = std::unique_ptr<curl_slist, SlistDeleter>;

std::size_t AppendBody(char* data, std::size_t size, std::size_t count, void* sink) {
  static_cast<std::string*>(sink)->append(data, size * count);
  return size * count;
}

CurlHandle NewHandle() {
  // curl_easy_init runs curl_global_init on first use; the tests are single-threaded here.
  return CurlHandle(curl_easy_init());
}

// Sends one request on `handle` (which may carry cookies from an earlier one).
HttpAnswer Perform(CURL* handle, const std::string& method, const std::string& url,
                   const std::optional<json::value>& body, const std::vector<std::string>& headers,
                   const std::string& ca_file) {
  HttpAnswer answer;
  if (handle == nullptr) {
    answer.error = "curl_easy_init failed";
    return answer;
  }
  HeaderList list;
  for (const auto& header : headers) list.reset(curl_slist_append(list.release(), header.c_str()));
  std::string payload;
  if (body) {
    payload = json::serialize(*body);
    list.reset(curl_slist_append(list.release(), "Content-Type: application/json"));
  }
  std::array<char, CURL_ERROR_SIZE> error{};
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, list.get());
  curl_easy_setopt(handle, CURLOPT_TIMEOUT, kRequestTimeoutSeconds);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error.data());
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &answer.body);
  if (!ca_file.empty()) curl_easy_setopt(handle, CURLOPT_CAINFO, ca_file.c_str());
  if (body) {
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, payload.c_str());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE, static_cast<long>(payload.size()));
  } else if (method == "GET") {
    curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
  } else {
    // No body, but say so: "Content-Length: 0".
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE, 0L);
  }
  const CURLcode code = curl_easy_perform(handle);
  if (code != CURLE_OK) {
    answer.error = error[0] != '\0' ? std::string(error.data()) : std::string(curl_easy_strerror(code));
    answer.error = method + " " + url + ": " + answer.error;
    return answer;
  }
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &answer.status);
  if (!answer.body.empty()) {
    boost::system::error_code ec;
    json::value parsed = json::parse(answer.body, ec);
    if (!ec) answer.json = std::move(parsed);
  }
  answer.error = method + " " + url;
  return answer;
}

}  // namespace

std::string HttpAnswer::Describe() const {
  return error + " -> HTTP " + std::to_string(status) + " " + body;
}

ApiClient::ApiClient(std::string base_url, std::string ca_file)
    : base_url_(std::move(base_url)), ca_file_(std::move(ca_file)) {}

std::string ApiClient::Login(const std::string& username, const std::string& password,
                             const std::string& token_name) {
  // One handle for both requests: curl's cookie engine carries the session cookie.
  CurlHandle handle = NewHandle();
  curl_easy_setopt(handle.get(), CURLOPT_COOKIEFILE, "");
  const HttpAnswer login =
      Perform(handle.get(), "POST", base_url_ + "/api/v1/auth/login",
              json::value(json::object{{"username", username}, {"password", password}}), {}, ca_file_);
  if (login.status != 200 || !login.json.is_object() || !login.json.as_object().contains("csrf_token")) {
    return "login failed: " + login.Describe();
  }
  const std::string csrf(login.json.at("csrf_token").as_string());
  const HttpAnswer created =
      Perform(handle.get(), "POST", base_url_ + "/api/v1/tokens",
              json::value(json::object{{"name", token_name}}), {"X-CSRF-Token: " + csrf}, ca_file_);
  if (created.status != 201 || !created.json.is_object() || !created.json.as_object().contains("token")) {
    return "token creation failed: " + created.Describe();
  }
  token_ = std::string(created.json.at("token").as_string());
  return "";
}

HttpAnswer ApiClient::Raw(const std::string& method, const std::string& url_path,
                          const std::optional<json::value>& body) const {
  CurlHandle handle = NewHandle();
  std::vector<std::string> headers;
  if (!token_.empty()) headers.push_back("Authorization: Bearer " + token_);
  return Perform(handle.get(), method, base_url_ + url_path, body, headers, ca_file_);
}

HttpAnswer ApiClient::Get(const std::string& path) const {
  return Raw("GET", "/api/v1" + path, std::nullopt);
}

HttpAnswer ApiClient::Post(const std::string& path, const json::value& body) const {
  return Raw("POST", "/api/v1" + path, body);
}

HttpAnswer ApiClient::Post(const std::string& path) const {
  return Raw("POST", "/api/v1" + path, std::nullopt);
}

HttpAnswer ApiClient::Patch(const std::string& path, const json::value& body) const {
  return Raw("PATCH", "/api/v1" + path, body);
}

HttpAnswer ApiClient::Delete(const std::string& path) const {
  return Raw("DELETE", "/api/v1" + path, std::nullopt);
}

}  // namespace rmgr::testing

#include "agent/connection/enroll_client.h"

#include <curl/curl.h>
#include <sys/utsname.h>

#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <system_error>

#include "agent/connection/server_url.h"
#include "common/schema/document.h"
#include "common/util/log.h"

namespace rmgr::agent {
namespace {

constexpr long kConnectTimeoutMs = 10'000;
constexpr long kTotalTimeoutMs = 30'000;
constexpr std::size_t kMaxResponseBytes = std::size_t{1} << 20;
constexpr std::string_view kEnrollPath = "/api/v1/agent/enroll";

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    std::atexit([] { curl_global_cleanup(); });
  });
}

// The response body, bounded.
struct Body {
  std::string text;
  bool overflowed = false;
};

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* body = static_cast<Body*>(user);
  const std::size_t n = size * count;
  if (body->text.size() + n > kMaxResponseBytes) {
    body->overflowed = true;
    return 0;  // makes curl fail the transfer with CURLE_WRITE_ERROR
  }
  body->text.append(data, n);
  return n;
}

ErrorCode CodeForStatus(long status) {
  switch (status) {
    case 400:
      return ErrorCode::kInvalidArgument;
    case 401:
      return ErrorCode::kUnauthenticated;
    case 403:
      return ErrorCode::kPermissionDenied;
    case 404:
      return ErrorCode::kNotFound;
    case 409:
      return ErrorCode::kConflict;
    case 429:
      return ErrorCode::kUnavailable;
    default:
      return status >= 500 ? ErrorCode::kUnavailable : ErrorCode::kInternal;
  }
}

// The API's error shape, or a generic line for anything else (a proxy's HTML page).
Error ServerError(long status, const std::string& body) {
  Error error{CodeForStatus(status), "the server answered HTTP " + std::to_string(status), ""};
  auto doc = schema::ParseJson(body, {});
  if (!doc || !doc->is_object()) return error;
  const auto* detail = doc->as_object().if_contains("error");
  if (detail == nullptr || !detail->is_object()) return error;
  const auto& fields = detail->as_object();
  if (const auto* m = fields.if_contains("message"); m != nullptr && m->is_string()) {
    error.message = m->as_string();
  }
  if (const auto* f = fields.if_contains("field"); f != nullptr && f->is_string())
    error.field = f->as_string();
  return error;
}

// Reads the 201 answer. Fields the agent does not know are ignored: the
// enrollment token is spent by now, and failing here would strand the host.
Result<EnrollResponse> ReadAnswer(const std::string& body) {
  const auto bad = [](const std::string& what) {
    return MakeError(ErrorCode::kMalformed, "the server's enrollment answer " + what);
  };
  auto doc = schema::ParseJson(body, {});
  if (!doc) return bad("is not JSON: " + doc.error().message);
  if (!doc->is_object()) return bad("is not a JSON object");
  const auto& obj = doc->as_object();
  const auto read = [&obj](std::string_view name, std::string& out) {
    const auto* v = obj.if_contains(name);
    if (v == nullptr || !v->is_string() || v->as_string().empty()) return false;
    out = v->as_string();
    return true;
  };
  EnrollResponse out;
  std::string token;
  if (!read("host_id", out.host_id)) return bad("has no host_id");
  if (!read("host_name", out.host_name)) return bad("has no host_name");
  if (!read("host_token", token)) return bad("has no host_token");
  out.host_token = schema::Secret(std::move(token));
  return out;
}

// The request body; holds the enrollment token, so it never leaves this file but to curl.
std::string RequestBody(const EnrollRequest& request) {
  return boost::json::serialize(boost::json::object{
      {"token", request.token.Reveal()},
      {"hostname", request.hostname},
      {"os", request.os},
      {"arch", request.arch},
      {"agent_version", request.agent_version},
  });
}

}  // namespace

Result<EnrollResponse> Enroll(const EnrollRequest& request) {
  auto url = ParseServerUrl(request.server_url);
  if (!url) return url.error();
  if (url->scheme != "http" && url->scheme != "https") {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the server URL for enrollment must start with http:// or https://", "server_url");
  }
  if (request.token.empty())
    return MakeError(ErrorCode::kInvalidArgument, "the enrollment token is empty", "token");
  const std::string endpoint = url->Base() + std::string(kEnrollPath);

  InitCurlOnce();
  const std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), &curl_easy_cleanup);
  if (!easy) return MakeError(ErrorCode::kInternal, "cannot initialise libcurl");
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Accept: application/json");
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  const std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_guard(headers,
                                                                                 &curl_slist_free_all);

  const std::string payload = RequestBody(request);
  Body body;
  std::array<char, CURL_ERROR_SIZE> errbuf{};
  CURL* h = easy.get();
  curl_easy_setopt(h, CURLOPT_URL, endpoint.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, kTotalTimeoutMs);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(h, CURLOPT_NOPROXY, "127.0.0.1,localhost,::1");
  curl_easy_setopt(h, CURLOPT_USERAGENT, "restic-manager-agent");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf.data());

  auto log = Logger("connection");
  log->debug("POST {}", endpoint);
  const CURLcode rc = curl_easy_perform(h);
  if (body.overflowed) {
    return MakeError(ErrorCode::kMalformed, "the server's enrollment answer is larger than " +
                                                std::to_string(kMaxResponseBytes) + " bytes");
  }
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return MakeError(ErrorCode::kUnavailable, "no answer from " + url->Base() + " within " +
                                                  std::to_string(kTotalTimeoutMs / 1000) + " s");
  }
  if (rc != CURLE_OK) {
    // curl's own text names the host and the failure; it never holds the request body.
    const std::string reason = errbuf[0] != '\0' ? std::string(errbuf.data()) : curl_easy_strerror(rc);
    return MakeError(ErrorCode::kUnavailable, "cannot reach " + url->Base() + ": " + reason);
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  log->debug("POST {} answered HTTP {}", endpoint, status);
  if (status != 201) return ServerError(status, body.text);
  return ReadAnswer(body.text);
}

Result<HostInfo> LocalHostInfo() {
  struct utsname names {};
  if (::uname(&names) != 0) {
    return MakeError(ErrorCode::kInternal, "uname failed: " + std::generic_category().message(errno));
  }
  HostInfo info{names.nodename, names.sysname, GoArch(names.machine)};
  for (char& c : info.os) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return info;
}

std::string GoArch(std::string_view machine) {
  if (machine == "x86_64") return "amd64";
  if (machine == "aarch64") return "arm64";
  return std::string(machine);
}

}  // namespace rmgr::agent

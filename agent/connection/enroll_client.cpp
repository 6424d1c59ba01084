#include "agent/connection/enroll_client.h"

#include <sys/utsname.h>

#include <algorithm>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <system_error>

#include "agent/connection/http_exchange.h"
#include "agent/connection/server_url.h"
#include "common/schema/document.h"
#include "common/update/bundle_signature.h"
#include "common/util/log.h"

namespace rmgr::agent {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

constexpr auto kConnectTimeout = std::chrono::seconds(10);
constexpr auto kTotalTimeout = std::chrono::seconds(30);
constexpr std::size_t kMaxResponseBytes = std::size_t{1} << 20;
constexpr std::string_view kEnrollPath = "/api/v1/agent/enroll";

ErrorCode CodeForStatus(unsigned status) {
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
    case 410:
      return ErrorCode::kConflict;
    case 429:
      return ErrorCode::kUnavailable;
    default:
      return status >= 500 ? ErrorCode::kUnavailable : ErrorCode::kInternal;
  }
}

// The API's error shape, or a generic line for anything else (a proxy's HTML page).
Error ServerError(unsigned status, const std::string& body) {
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
  if (std::string key; read("update_key", key)) {
    if (!update::IsPublicKeyText(key)) return bad("has an update_key that is not ed25519:<64 hex digits>");
    out.update_key = std::move(key);
  }
  return out;
}

// The request body; holds the enrollment token, so it never leaves this file but to the server.
std::string RequestBody(const EnrollRequest& request) {
  boost::json::object body{
      {"token", request.token.Reveal()},
      {"hostname", request.hostname},
      {"os", request.os},
      {"arch", request.arch},
      {"agent_version", request.agent_version},
  };
  if (!request.labels.empty()) {
    boost::json::object labels;
    for (const auto& [key, value] : request.labels) labels[key] = value;
    body["labels"] = std::move(labels);
  }
  return boost::json::serialize(body);
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
  const std::string target = url->path + std::string(kEnrollPath);
  auto log = Logger("connection");
  log->debug("POST {}{}", url->Base(), kEnrollPath);

  // One bounded request: connect within 10 s, the whole exchange within 30 s.
  // Redirects are not followed (a 3xx is an error: it would carry the token elsewhere).
  http::request<http::string_body> post{http::verb::post, target, 11};
  post.set(http::field::user_agent, "restic-manager-agent");
  post.set(http::field::content_type, "application/json");
  post.set(http::field::accept, "application/json");
  post.body() = RequestBody(request);
  auto answered = ExchangeOnce(*url, request.trust, post,
                               {.connect_timeout = kConnectTimeout,
                                .total_timeout = kTotalTimeout,
                                .max_body_bytes = kMaxResponseBytes});
  // The request held the enrollment token: wipe it.
  std::fill(post.body().begin(), post.body().end(), '\0');
  if (!answered) {
    if (answered.error().code != ErrorCode::kTooLarge) return answered.error();
    return MakeError(ErrorCode::kMalformed, "the server's enrollment answer is larger than " +
                                                std::to_string(kMaxResponseBytes) + " bytes");
  }
  const auto& response = answered->response;
  const unsigned status = response.result_int();
  log->debug("POST {}{} answered HTTP {}", url->Base(), kEnrollPath, status);
  if (status != 201) return ServerError(status, response.body());
  auto answer = ReadAnswer(response.body());
  if (answer && url->tls()) answer->server_fingerprint = answered->server_fingerprint;
  return answer;
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

#include "server/api/api_routes.h"

#include <boost/algorithm/string/predicate.hpp>
#include <charconv>

namespace rmgr::server::api {

namespace beast_http = http::beast_http;

store::AuditEntry ApiRequest::Audit(std::string action, std::string target_kind, std::string target_id,
                                    boost::json::object detail) const {
  store::AuditEntry entry;
  if (principal != nullptr) {
    entry.actor_kind = principal->actor_kind;
    entry.actor_id = principal->actor_id;
    if (!detail.contains("username")) detail["username"] = principal->username;
  }
  entry.action = std::move(action);
  entry.target_kind = std::move(target_kind);
  entry.target_id = std::move(target_id);
  entry.source_addr = http.remote_address;
  entry.detail_json = boost::json::serialize(detail);
  return entry;
}

Result<void> ApiRequest::CheckJsonContentType() const {
  const auto type = http.request[beast_http::field::content_type];
  if (!boost::algorithm::istarts_with(std::string_view(type.data(), type.size()), "application/json")) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "request body must be JSON (Content-Type: application/json)", "Content-Type");
  }
  return Ok();
}

std::optional<std::string> ApiRequest::Query(std::string_view name) const {
  const auto it = http.query.find(std::string(name));
  if (it == http.query.end()) return std::nullopt;
  return it->second;
}

Result<std::optional<std::int64_t>> ApiRequest::QueryInt(std::string_view name, std::int64_t min,
                                                         std::int64_t max) const {
  const auto text = Query(name);
  if (!text) return std::optional<std::int64_t>{};
  std::int64_t value = 0;
  const auto* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc{} || ptr != end) {
    return MakeError(ErrorCode::kInvalidArgument, "query parameter must be an integer", std::string(name));
  }
  if (value < min || value > max) {
    return MakeError(ErrorCode::kOutOfRange,
                     "query parameter must be between " + std::to_string(min) + " and " + std::to_string(max),
                     std::string(name));
  }
  return std::optional<std::int64_t>{value};
}

http::Response Json(http::Status status, boost::json::value body) {
  return http::JsonResponse(status, body);
}

http::Response NoContent() {
  http::Response res{http::Status::no_content, 11};
  res.set(beast_http::field::cache_control, "no-store");
  return res;
}

namespace {
bool IsMutating(beast_http::verb method) {
  return method != beast_http::verb::get && method != beast_http::verb::head &&
         method != beast_http::verb::options;
}
}  // namespace

void ApiRoutes::Add(beast_http::verb method, std::string_view pattern, Role min_role, std::string summary,
                    ApiHandler handler, Gate gate) {
  AddOutcome(
      method, pattern, min_role, std::move(summary),
      [handler = std::move(handler)](ApiRequest& request) -> http::Outcome { return handler(request); },
      gate);
}

void ApiRoutes::AddOutcome(beast_http::verb method, std::string_view pattern, Role min_role,
                           std::string summary, ApiOutcomeHandler handler, Gate gate) {
  std::string path = std::string(kPrefix) + std::string(pattern);
  descriptions_.push_back(Description{method, path, min_role, std::move(summary)});
  router_.AddOutcome(
      method, std::move(path),
      [this, method, min_role, gate,
       handler = std::move(handler)](http::RequestContext& ctx) -> http::Outcome {
        auto principal = auth_.Authenticate(ctx, IsMutating(method));
        if (!principal) {
          auto res = http::ErrorResponse(principal.error());
          if (principal.error().code == ErrorCode::kUnauthenticated) {
            res.set(beast_http::field::www_authenticate, "Bearer realm=\"restic-manager\"");
          }
          return res;
        }
        if (principal->totp_enrolment_required && gate != Gate::kEnrolment) {
          return http::ErrorResponse(http::Status::forbidden, "totp_enrolment_required",
                                     "set up two-factor authentication (TOTP) first: an admin requires it");
        }
        if (!principal->HasRole(min_role)) {
          return http::ErrorResponse(http::Status::forbidden, "permission_denied",
                                     "this action needs the " + std::string(ToString(min_role)) + " role");
        }
        ApiRequest request{ctx, &*principal};
        return handler(request);
      });
}

void ApiRoutes::AddPublic(beast_http::verb method, std::string_view pattern, std::string summary,
                          ApiOutcomeHandler handler) {
  std::string path = std::string(kPrefix) + std::string(pattern);
  descriptions_.push_back(Description{method, path, std::nullopt, std::move(summary)});
  router_.AddOutcome(method, std::move(path),
                     [handler = std::move(handler)](http::RequestContext& ctx) -> http::Outcome {
                       ApiRequest request{ctx, nullptr};
                       return handler(request);
                     });
}

}  // namespace rmgr::server::api

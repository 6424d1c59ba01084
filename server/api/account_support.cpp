#include "server/api/account_support.h"

#include "common/util/log.h"
#include "server/auth/account_rules.h"

namespace rmgr::server::api {

http::Response AuthFailure(const Error& error) {
  if (error.code == ErrorCode::kInternal || error.code == ErrorCode::kSchemaTooNew) {
    Logger("api")->error("account request failed: {}", error.Describe());
    return http::ErrorResponse(http::Status::internal_server_error, "internal", "internal error");
  }
  auto res = http::ErrorResponse(error);
  if (error.code == ErrorCode::kUnauthenticated) {
    res.set(http::beast_http::field::www_authenticate, "Bearer realm=\"restic-manager\"");
  }
  return res;
}

boost::json::value TimeOrNull(const std::optional<TimePoint>& time) {
  if (!time) return nullptr;
  return boost::json::value(FormatRfc3339Utc(*time));
}

boost::json::object UserJson(const store::User& user) {
  return boost::json::object{{"id", user.id},
                             {"username", user.username},
                             {"role", user.role},
                             {"created_at", FormatRfc3339Utc(user.created_at)},
                             {"disabled", user.disabled_at.has_value()},
                             {"totp_enabled", user.totp_enabled}};
}

boost::json::object SessionJson(const store::Session& session, bool current) {
  return boost::json::object{{"id", session.id},
                             {"user_id", session.user_id},
                             {"created_at", FormatRfc3339Utc(session.created_at)},
                             {"last_used_at", FormatRfc3339Utc(session.last_used_at)},
                             {"expires_at", FormatRfc3339Utc(session.expires_at)},
                             {"client_address", session.client_address},
                             {"user_agent", session.user_agent},
                             {"current", current}};
}

std::string Loggable(std::string_view username) {
  return auth::IsValidUsername(username) ? std::string(username) : std::string("(not a valid username)");
}

}  // namespace rmgr::server::api

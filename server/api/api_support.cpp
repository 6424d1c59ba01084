#include "server/api/api_support.h"

#include "common/schema/utf8.h"
#include "common/util/log.h"
#include "server/api/api_deps.h"

namespace rmgr::server::api {

AgentNotifier& NoAgentNotifier() {
  struct Nothing final : AgentNotifier {
    void SchedulesChanged(const std::string&) override {}
    void JobsQueued(const std::string&) override {}
    void CancelRequested(const std::string&, const std::string&) override {}
    void HostDeleted(const std::string&) override {}
    void Browse(BrowseQuery, BrowseDone done) override {
      done(MakeError(ErrorCode::kUnavailable, "this server has no agent side"));
    }
  };
  static Nothing nothing;
  return nothing;
}

Result<store::PageRequest> PageParams(const ApiRequest& req) {
  auto limit = req.QueryInt("limit", 1, store::kMaxPageLimit);
  if (!limit) return limit.error();
  auto cursor = TextParam(req, "cursor");
  if (!cursor) return cursor.error();
  store::PageRequest page;
  page.limit = static_cast<int>(limit->value_or(store::kDefaultPageLimit));
  page.cursor = cursor->value_or(std::string{});
  return page;
}

Result<std::optional<std::string>> TextParam(const ApiRequest& req, std::string_view name) {
  auto text = req.Query(name);
  if (text && text->size() > kMaxQueryTextBytes) {
    return MakeError(ErrorCode::kOutOfRange,
                     "query parameter is longer than " + std::to_string(kMaxQueryTextBytes) + " bytes",
                     std::string(name));
  }
  return text;
}

Result<std::optional<TimePoint>> TimeParam(const ApiRequest& req, std::string_view name) {
  auto text = TextParam(req, name);
  if (!text) return text.error();
  if (!*text) return std::optional<TimePoint>{};
  auto parsed = ParseRfc3339(**text);
  if (!parsed) {
    return MakeError(ErrorCode::kInvalidArgument, "not an RFC 3339 time: " + parsed.error().message,
                     std::string(name));
  }
  return std::optional<TimePoint>{parsed->time};
}

http::Response ApiError(const Error& error) {
  switch (error.code) {
    case ErrorCode::kInternal:
    case ErrorCode::kSchemaTooNew:
      Logger("api")->error("request failed: {}", error.Describe());
      return http::ErrorResponse(http::Status::internal_server_error, "internal", "internal error");
    case ErrorCode::kBusy:
    case ErrorCode::kUnavailable:
      Logger("api")->warn("request failed: {}", error.Describe());
      return http::ErrorResponse(http::Status::service_unavailable, "unavailable",
                                 "the server is busy, try again");
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kMalformed:
    case ErrorCode::kUnknownType:
    case ErrorCode::kMissingField:
    case ErrorCode::kWrongType:
    case ErrorCode::kOutOfRange:
    case ErrorCode::kTooLarge:
    case ErrorCode::kUnknownField:
    case ErrorCode::kNotFound:
    case ErrorCode::kConflict:
    case ErrorCode::kConstraint:
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kPermissionDenied:
      // The caller's mistake: worth a debug line, never an error. Messages
      // name fields and limits, never a submitted value that could be secret.
      Logger("api")->debug("request rejected: {}", error.Describe());
      break;
  }
  // Messages may quote input (a bad time, a cron field): keep the answer valid JSON.
  return http::ErrorResponse(http::StatusFor(error.code), ToString(error.code), schema::SanitizeUtf8(error.message, 512),
                             schema::SanitizeUtf8(error.field, 256));
}

http::Response ListResponse(boost::json::array items, const std::string& next_cursor) {
  boost::json::object body;
  body["items"] = std::move(items);
  body["next_cursor"] = next_cursor.empty() ? boost::json::value(nullptr) : boost::json::value(next_cursor);
  return Json(http::Status::ok, std::move(body));
}

Result<void> AppendAudit(store::WriteTx& tx, const store::AuditEntry& entry) {
  auto appended = tx.AppendAudit(entry);
  if (!appended) return appended.error();
  return Ok();
}

Error BadReference(const Error& error, std::string field) {
  if (error.code != ErrorCode::kNotFound) return error;
  return MakeError(ErrorCode::kInvalidArgument, error.message, std::move(field));
}

Error ExplainConstraint(const Error& error, std::string message) {
  if (error.code != ErrorCode::kConstraint) return error;
  return MakeError(ErrorCode::kConstraint, std::move(message));
}

}  // namespace rmgr::server::api

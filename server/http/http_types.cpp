#include "server/http/http_types.h"

#include "common/schema/utf8.h"

namespace rmgr::server::http {

Response JsonResponse(Status status, const boost::json::value& body) {
  Response res{status, 11};
  res.set(beast_http::field::content_type, "application/json");
  res.set(beast_http::field::cache_control, "no-store");
  std::string text = boost::json::serialize(body);
  // Answers carry request text (decoded paths, ids, query values) that need
  // not be UTF-8, and serialize copies such bytes as they are. They can only
  // sit inside strings, so replacing each with U+FFFD keeps the document and
  // makes it JSON a client can parse.
  if (!schema::IsValidUtf8(text)) text = schema::SanitizeUtf8(text);
  res.body() = std::move(text);
  res.prepare_payload();
  return res;
}

Response ErrorResponse(Status status, std::string_view code, std::string_view message, std::string_view field) {
  boost::json::object error{{"code", code}, {"message", message}};
  if (!field.empty()) error["field"] = field;
  return JsonResponse(status, boost::json::object{{"error", std::move(error)}});
}

Response ErrorResponse(const Error& error) {
  return ErrorResponse(StatusFor(error.code), ToString(error.code), error.message, error.field);
}

Status StatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kMalformed:
    case ErrorCode::kUnknownType:
    case ErrorCode::kMissingField:
    case ErrorCode::kWrongType:
    case ErrorCode::kOutOfRange:
    case ErrorCode::kUnknownField:
      return Status::bad_request;
    case ErrorCode::kTooLarge: return Status::payload_too_large;
    case ErrorCode::kNotFound: return Status::not_found;
    case ErrorCode::kConflict: return Status::conflict;
    case ErrorCode::kConstraint: return Status::unprocessable_entity;
    case ErrorCode::kBusy:
    case ErrorCode::kUnavailable:
      return Status::service_unavailable;
    case ErrorCode::kUnauthenticated: return Status::unauthorized;
    case ErrorCode::kPermissionDenied: return Status::forbidden;
    case ErrorCode::kSchemaTooNew:
    case ErrorCode::kInternal:
      return Status::internal_server_error;
  }
  return Status::internal_server_error;
}

}  // namespace rmgr::server::http

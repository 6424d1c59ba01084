#include "server/http/http_types.h"

namespace rmgr::server::http {

Response JsonResponse(Status status, const boost::json::value& body) {
  Response res{status, 11};
  res.set(beast_http::field::content_type, "application/json");
  res.set(beast_http::field::cache_control, "no-store");
  res.body() = boost::json::serialize(body);
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

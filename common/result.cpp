#include "common/result.h"

namespace rmgr {

std::string_view ToString(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kMalformed: return "malformed";
    case ErrorCode::kUnknownType: return "unknown_type";
    case ErrorCode::kMissingField: return "missing_field";
    case ErrorCode::kWrongType: return "wrong_type";
    case ErrorCode::kOutOfRange: return "out_of_range";
    case ErrorCode::kTooLarge: return "too_large";
    case ErrorCode::kUnknownField: return "unknown_field";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kConstraint: return "constraint";
    case ErrorCode::kBusy: return "busy";
    case ErrorCode::kSchemaTooNew: return "schema_too_new";
    case ErrorCode::kUnauthenticated: return "unauthenticated";
    case ErrorCode::kPermissionDenied: return "permission_denied";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

std::string Error::Describe() const {
  std::string out(ToString(code));
  out += ": ";
  out += message;
  if (!field.empty()) {
    out += " (";
    out += field;
    out += ")";
  }
  return out;
}

}  // namespace rmgr

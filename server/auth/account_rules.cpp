#include "server/auth/account_rules.h"

#include <algorithm>
#include <string>

namespace rmgr::server::auth {

bool IsValidUsername(std::string_view username) {
  if (username.empty() || username.size() > kMaxUsernameBytes) return false;
  return std::all_of(username.begin(), username.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

bool IsRoleName(std::string_view role) {
  return role == "admin" || role == "operator" || role == "viewer";
}

Result<void> CheckPasswordLength(std::string_view password, std::string_view field) {
  if (password.size() < kMinPasswordBytes || password.size() > kMaxPasswordBytes) {
    return MakeError(ErrorCode::kOutOfRange,
                     "password must be " + std::to_string(kMinPasswordBytes) + " to " +
                         std::to_string(kMaxPasswordBytes) + " bytes long",
                     std::string(field));
  }
  return Ok();
}

}  // namespace rmgr::server::auth

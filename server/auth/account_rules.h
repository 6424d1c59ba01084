#pragma once
// The rules operator accounts follow, shared by the REST handlers and the
// first-admin bootstrap: username shape, password length, role names.
// Thread safety: constants and pure functions.

#include <cstddef>
#include <string_view>

#include "common/result.h"

namespace rmgr::server::auth {

//! Longest username, in bytes.
inline constexpr std::size_t kMaxUsernameBytes = 64;
//! Shortest accepted password, in bytes.
inline constexpr std::size_t kMinPasswordBytes = 8;
//! Longest accepted password, in bytes (bounds the Argon2id input).
inline constexpr std::size_t kMaxPasswordBytes = 1024;
//! Username of the admin created on first start.
inline constexpr std::string_view kInitialAdminUsername = "admin";

//! True for 1..kMaxUsernameBytes characters of [a-z0-9._-].
bool IsValidUsername(std::string_view username);

//! True for "admin", "operator" and "viewer".
bool IsRoleName(std::string_view role);

//! kOutOfRange (field `field`) unless the password is kMinPasswordBytes..kMaxPasswordBytes
//! long. The message never contains the password.
Result<void> CheckPasswordLength(std::string_view password, std::string_view field = "password");

}  // namespace rmgr::server::auth

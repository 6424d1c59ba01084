#pragma once
// Password hashing (Argon2id through libsodium's crypto_pwhash_str) and
// random bearer tokens that are stored only as a keyed-free BLAKE2b hash.
// Thread safety: pure functions; libsodium is initialised on first use.

#include <string>
#include <string_view>

#include "common/result.h"

namespace rmgr::server::auth {

//! Argon2id hash string (includes salt and parameters) for a password.
//! Fails only when memory for the hash cannot be had.
Result<std::string> HashPassword(std::string_view password);

//! True when `password` matches a hash made by HashPassword. Constant-time in
//! the password; a malformed hash never matches.
bool VerifyPassword(std::string_view password, const std::string& hash);

//! True when the hash was made with weaker parameters than today's and
//! should be replaced at the next successful login.
bool PasswordNeedsRehash(const std::string& hash);

//! A new random token: `prefix` + 43 characters of base64url (256 bits).
std::string NewToken(std::string_view prefix);

//! The hex BLAKE2b-256 hash a token is stored as. Tokens are 256-bit random,
//! so a fast hash is enough; lookups are by this value.
std::string HashToken(std::string_view token);

//! Constant-time comparison of two equal-length strings (false if lengths differ).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace rmgr::server::auth

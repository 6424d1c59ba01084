#pragma once
// Recovery codes: one-time codes that stand in for a TOTP code when the
// authenticator is lost. Shown once at enrolment; stored only as
// HashToken(normalised code) — each has 80 random bits, so a fast hash is
// enough, as for API tokens.
// Thread safety: pure functions (randomness from libsodium, thread-safe).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rmgr::server::auth {

//! How many recovery codes an enrolment hands out.
inline constexpr int kRecoveryCodeCount = 10;

//! `count` fresh codes, each "xxxx-xxxx-xxxx-xxxx" of [a-z2-7] (80 bits).
std::vector<std::string> NewRecoveryCodes(int count = kRecoveryCodeCount);

//! The code as typed, lower-cased, without dashes and spaces; nullopt unless
//! that leaves exactly 16 characters of [a-z2-7].
std::optional<std::string> NormaliseRecoveryCode(std::string_view typed);

//! What a recovery code is stored and looked up as (HashToken of the normalised code).
std::string HashRecoveryCode(std::string_view normalised);

}  // namespace rmgr::server::auth

#pragma once
// TOTP second factor (RFC 6238 over RFC 4226 HOTP): HMAC-SHA-1, 6 digits,
// 30-second steps, a code accepted for the current step and one on either
// side (clock drift). The replay guard — each step at most once per user —
// is the caller's (store::WriteTx::UseTotpStep), since it needs the store.
// Thread safety: pure functions (randomness from libsodium, thread-safe).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/time_format.h"

namespace rmgr::server::auth {

//! Digits of a code.
inline constexpr int kTotpDigits = 6;
//! Length of a time step.
inline constexpr std::int64_t kTotpStepSeconds = 30;
//! Steps accepted on either side of the current one.
inline constexpr std::int64_t kTotpWindowSteps = 1;
//! Bytes of a new secret (160 bits, RFC 4226's recommendation for HMAC-SHA-1).
inline constexpr std::size_t kTotpSecretBytes = 20;

//! The HOTP value of `counter` under `key` as a zero-padded string of `digits` digits (6..8).
std::string Hotp(std::span<const unsigned char> key, std::uint64_t counter, int digits = kTotpDigits);

//! The RFC 6238 time step of `at` (Unix seconds / 30, floor).
std::int64_t TotpStep(TimePoint at);

//! The code for time step `step`.
std::string TotpCode(std::span<const unsigned char> key, std::int64_t step, int digits = kTotpDigits);

//! The step in [TotpStep(now) - window, TotpStep(now) + window] whose code is
//! `code` (compared in constant time), newest first; nullopt when none is,
//! or when `code` is not exactly kTotpDigits digits.
std::optional<std::int64_t> MatchTotp(std::span<const unsigned char> key, std::string_view code,
                                      TimePoint now, std::int64_t window = kTotpWindowSteps);

//! kTotpSecretBytes fresh random bytes.
std::vector<unsigned char> NewTotpSecret();

//! RFC 4648 base32 (A-Z2-7) without padding, as authenticator apps take it.
std::string Base32Encode(std::span<const unsigned char> bytes);

//! The otpauth:// URI authenticator apps scan (Key Uri Format): label
//! "issuer:account", the base32 secret, the issuer, SHA1, 6 digits, 30 s.
std::string OtpauthUri(std::string_view issuer, std::string_view account,
                       std::span<const unsigned char> secret);

}  // namespace rmgr::server::auth

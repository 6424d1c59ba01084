#pragma once
// The server's update signing key and what it signs. Ed25519 (libsodium
// crypto_sign_detached) over a domain-separated message naming the SHA-256
// of the whole bundle:
//
//   "rmgr-agent-bundle-v1\n" + <64 lower-case hex of SHA-256(bundle)>
//
// so a signature for a bundle can never be replayed as a signature of
// anything else the key might sign later. The public key travels as text,
// "ed25519:" + 64 lower-case hex digits; an agent pins it at enrollment and
// verifies every bundle against that pin before it writes a byte to disk.
// Thread safety: pure functions (libsodium is initialised on first use).

#include <string>
#include <string_view>

#include "common/result.h"

namespace rmgr::update {

//! Prefix of a public key's text form.
inline constexpr std::string_view kPublicKeyPrefix = "ed25519:";

//! A signing key pair: the secret half stays in the server's data dir.
struct SigningKeyPair {
  std::string public_key;  ///< "ed25519:<64 hex>".
  std::string secret_key;  ///< libsodium's 64-byte secret key (raw bytes); never logged.
};

//! A new random key pair.
SigningKeyPair GenerateSigningKey();
//! The pair for a stored 64-byte secret key; kMalformed when it has another length.
Result<SigningKeyPair> SigningKeyFromSecret(std::string_view secret_key);

//! Whether `text` is "ed25519:" and 64 lower-case hex digits.
bool IsPublicKeyText(std::string_view text);
//! Whether `text` is 128 lower-case hex digits (a detached signature).
bool IsSignatureText(std::string_view text);

//! The signature (128 lower-case hex) of the bundle whose SHA-256 is `bundle_sha256`.
std::string SignBundle(const SigningKeyPair& key, std::string_view bundle_sha256);

//! Ok when `signature` is `public_key`'s signature of the bundle whose SHA-256
//! is `bundle_sha256`; kPermissionDenied "signature does not verify ..."
//! otherwise, kInvalidArgument for a malformed key or signature.
Result<void> VerifyBundle(std::string_view public_key, std::string_view bundle_sha256,
                          std::string_view signature);

}  // namespace rmgr::update

#include "common/update/bundle_signature.h"

#include <sodium.h>

#include <array>
#include <cstdlib>

namespace rmgr::update {
namespace {

constexpr std::string_view kDomain = "rmgr-agent-bundle-v1\n";

void InitSodium() {
  // Idempotent and thread-safe; fails only when the system has no randomness.
  if (sodium_init() < 0) std::abort();
}

bool IsLowerHex(std::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string Hex(const unsigned char* bytes, std::size_t size) {
  std::string out(size * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, size);
  out.pop_back();
  return out;
}

template <std::size_t N>
bool FromHex(std::string_view hex, std::array<unsigned char, N>& out) {
  std::size_t written = 0;
  return hex.size() == 2 * N &&
         sodium_hex2bin(out.data(), N, hex.data(), hex.size(), nullptr, &written, nullptr) == 0 &&
         written == N;
}

std::string Message(std::string_view bundle_sha256) {
  return std::string(kDomain) + std::string(bundle_sha256);
}

}  // namespace

SigningKeyPair GenerateSigningKey() {
  InitSodium();
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> pk{};
  std::string sk(crypto_sign_SECRETKEYBYTES, '\0');
  crypto_sign_keypair(pk.data(), reinterpret_cast<unsigned char*>(sk.data()));
  return {std::string(kPublicKeyPrefix) + Hex(pk.data(), pk.size()), std::move(sk)};
}

Result<SigningKeyPair> SigningKeyFromSecret(std::string_view secret_key) {
  InitSodium();
  if (secret_key.size() != crypto_sign_SECRETKEYBYTES) {
    return MakeError(ErrorCode::kMalformed, "an update signing key has " +
                                                std::to_string(crypto_sign_SECRETKEYBYTES) + " bytes, not " +
                                                std::to_string(secret_key.size()));
  }
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> pk{};
  crypto_sign_ed25519_sk_to_pk(pk.data(), reinterpret_cast<const unsigned char*>(secret_key.data()));
  return SigningKeyPair{std::string(kPublicKeyPrefix) + Hex(pk.data(), pk.size()), std::string(secret_key)};
}

bool IsPublicKeyText(std::string_view text) {
  return text.size() == kPublicKeyPrefix.size() + 64 &&
         text.substr(0, kPublicKeyPrefix.size()) == kPublicKeyPrefix &&
         IsLowerHex(text.substr(kPublicKeyPrefix.size()));
}

bool IsSignatureText(std::string_view text) {
  return text.size() == 2 * crypto_sign_BYTES && IsLowerHex(text);
}

std::string SignBundle(const SigningKeyPair& key, std::string_view bundle_sha256) {
  InitSodium();
  const std::string message = Message(bundle_sha256);
  std::array<unsigned char, crypto_sign_BYTES> signature{};
  crypto_sign_detached(signature.data(), nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), reinterpret_cast<const unsigned char*>(key.secret_key.data()));
  return Hex(signature.data(), signature.size());
}

Result<void> VerifyBundle(std::string_view public_key, std::string_view bundle_sha256,
                          std::string_view signature) {
  InitSodium();
  std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> pk{};
  if (!IsPublicKeyText(public_key) || !FromHex(public_key.substr(kPublicKeyPrefix.size()), pk)) {
    return MakeError(ErrorCode::kInvalidArgument, "the pinned update key is not ed25519:<64 hex digits>");
  }
  std::array<unsigned char, crypto_sign_BYTES> sig{};
  if (!IsSignatureText(signature) || !FromHex(signature, sig)) {
    return MakeError(ErrorCode::kInvalidArgument, "the update's signature is not 128 hex digits");
  }
  const std::string message = Message(bundle_sha256);
  if (crypto_sign_verify_detached(sig.data(), reinterpret_cast<const unsigned char*>(message.data()),
                                  message.size(), pk.data()) != 0) {
    return MakeError(ErrorCode::kPermissionDenied,
                     "signature does not verify against the pinned update key (bundle sha256 " +
                         std::string(bundle_sha256) + ")");
  }
  return Ok();
}

}  // namespace rmgr::update

#pragma once
// PassphraseKeys: what the operator's passphrase becomes for a self-backup
// file (self_backup_format.h). Argon2id (libsodium crypto_pwhash) with a
// random salt and recorded limits gives 64 bytes: the first 32 seal parts
// (crypto_secretbox, XSalsa20-Poly1305), the last 32 key the header's
// HMAC-SHA-256. Derive refuses limits beyond what a restore should spend, so
// a crafted file cannot make it allocate without bound.
// Thread safety: immutable after Derive; use from any thread.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace rmgr::server {

//! Bytes of the header's authentication tag.
inline constexpr std::size_t kHeaderMacBytes = 32;

//! The nonce of one sealed part (crypto_secretbox_NONCEBYTES).
using PartNonce = std::array<unsigned char, 24>;

//! Argon2id parameters, recorded so a restore derives the same keys.
struct KdfParams {
  std::uint64_t opslimit = 0;            ///< crypto_pwhash opslimit.
  std::uint64_t memlimit = 0;            ///< crypto_pwhash memlimit, bytes.
  std::array<unsigned char, 16> salt{};  ///< Random per file.
};

//! Fresh parameters: a random salt and the given limits.
KdfParams NewKdfParams(std::uint64_t opslimit, std::uint64_t memlimit);

//! The two keys derived from a passphrase; wiped on destruction.
class PassphraseKeys {
 public:
  //! Argon2id of `passphrase` under `kdf`; kInvalidArgument for limits
  //! outside what this binary accepts (a crafted file must not exhaust memory).
  static Result<PassphraseKeys> Derive(std::string_view passphrase, const KdfParams& kdf);
  ~PassphraseKeys();
  PassphraseKeys(PassphraseKeys&&) noexcept;
  PassphraseKeys& operator=(PassphraseKeys&&) noexcept;
  PassphraseKeys(const PassphraseKeys&) = delete;
  PassphraseKeys& operator=(const PassphraseKeys&) = delete;

  //! Encrypts `plain` with a fresh random nonce, written to `nonce`.
  std::string Seal(std::string_view plain, PartNonce& nonce) const;
  //! Decrypts what Seal made; kUnauthenticated when it does not open.
  Result<std::string> Open(std::string_view sealed, const PartNonce& nonce) const;
  //! HMAC-SHA-256 of `bytes` under the header key.
  std::array<unsigned char, kHeaderMacBytes> Mac(std::string_view bytes) const;

 private:
  PassphraseKeys() = default;
  std::array<unsigned char, 32> part_key_{};
  std::array<unsigned char, 32> header_key_{};
};

}  // namespace rmgr::server

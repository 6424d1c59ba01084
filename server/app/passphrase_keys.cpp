#include "server/app/passphrase_keys.h"

#include <sodium.h>

#include <cstring>

namespace rmgr::server {
namespace {

// What a restore accepts: libsodium's own lower bounds, and at most 64 passes
// and 4 GiB of memory.
constexpr std::uint64_t kMaxMemlimit = std::uint64_t{4} << 30;
constexpr std::uint64_t kMaxOpslimit = 64;

static_assert(crypto_secretbox_KEYBYTES == 32 && crypto_auth_hmacsha256_KEYBYTES == 32, "key sizes");
static_assert(crypto_pwhash_SALTBYTES == 16, "salt size");
static_assert(crypto_secretbox_NONCEBYTES == std::tuple_size_v<PartNonce>, "nonce size");
static_assert(crypto_auth_hmacsha256_BYTES == kHeaderMacBytes, "tag size");

}  // namespace

KdfParams NewKdfParams(std::uint64_t opslimit, std::uint64_t memlimit) {
  [[maybe_unused]] static const int init = sodium_init();
  KdfParams kdf;
  kdf.opslimit = opslimit;
  kdf.memlimit = memlimit;
  randombytes_buf(kdf.salt.data(), kdf.salt.size());
  return kdf;
}

Result<PassphraseKeys> PassphraseKeys::Derive(std::string_view passphrase, const KdfParams& kdf) {
  if (sodium_init() < 0) return MakeError(ErrorCode::kInternal, "libsodium does not initialise");
  if (kdf.opslimit < crypto_pwhash_OPSLIMIT_MIN || kdf.opslimit > kMaxOpslimit ||
      kdf.memlimit < crypto_pwhash_MEMLIMIT_MIN || kdf.memlimit > kMaxMemlimit) {
    return MakeError(ErrorCode::kInvalidArgument, "key derivation limits out of range (opslimit " +
                                                      std::to_string(kdf.opslimit) + ", memlimit " +
                                                      std::to_string(kdf.memlimit) + ")");
  }
  std::array<unsigned char, 64> derived{};
  if (crypto_pwhash(derived.data(), derived.size(), passphrase.data(), passphrase.size(), kdf.salt.data(),
                    kdf.opslimit, static_cast<std::size_t>(kdf.memlimit),
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return MakeError(ErrorCode::kUnavailable, "out of memory deriving the passphrase key");
  }
  PassphraseKeys keys;
  std::memcpy(keys.part_key_.data(), derived.data(), 32);
  std::memcpy(keys.header_key_.data(), derived.data() + 32, 32);
  sodium_memzero(derived.data(), derived.size());
  return keys;
}

PassphraseKeys::~PassphraseKeys() {
  sodium_memzero(part_key_.data(), part_key_.size());
  sodium_memzero(header_key_.data(), header_key_.size());
}

PassphraseKeys::PassphraseKeys(PassphraseKeys&& other) noexcept
    : part_key_(other.part_key_), header_key_(other.header_key_) {
  sodium_memzero(other.part_key_.data(), other.part_key_.size());
  sodium_memzero(other.header_key_.data(), other.header_key_.size());
}

PassphraseKeys& PassphraseKeys::operator=(PassphraseKeys&& other) noexcept {
  if (this != &other) {
    part_key_ = other.part_key_;
    header_key_ = other.header_key_;
    sodium_memzero(other.part_key_.data(), other.part_key_.size());
    sodium_memzero(other.header_key_.data(), other.header_key_.size());
  }
  return *this;
}

std::string PassphraseKeys::Seal(std::string_view plain, PartNonce& nonce) const {
  randombytes_buf(nonce.data(), nonce.size());
  std::string sealed(plain.size() + crypto_secretbox_MACBYTES, '\0');
  crypto_secretbox_easy(reinterpret_cast<unsigned char*>(sealed.data()),
                        reinterpret_cast<const unsigned char*>(plain.data()), plain.size(), nonce.data(),
                        part_key_.data());
  return sealed;
}

Result<std::string> PassphraseKeys::Open(std::string_view sealed, const PartNonce& nonce) const {
  if (sealed.size() < crypto_secretbox_MACBYTES) {
    return MakeError(ErrorCode::kUnauthenticated, "a sealed part is too short");
  }
  std::string plain(sealed.size() - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                 reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size(),
                                 nonce.data(), part_key_.data()) != 0) {
    return MakeError(ErrorCode::kUnauthenticated, "a sealed part does not open with the passphrase");
  }
  return plain;
}

std::array<unsigned char, kHeaderMacBytes> PassphraseKeys::Mac(std::string_view bytes) const {
  std::array<unsigned char, kHeaderMacBytes> tag{};
  crypto_auth_hmacsha256(tag.data(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                         header_key_.data());
  return tag;
}

}  // namespace rmgr::server

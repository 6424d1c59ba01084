#pragma once
// SecretBox: encrypts repository secrets at rest with the server key
// (XSalsa20-Poly1305 via libsodium crypto_secretbox). The key lives in
// `<data_dir>/server.key`, created 0600 on first start. While a key
// rotation is unfinished (server/app/key_rotation.h) `server.key.next` and
// `server.key.old` sit beside it; LoadWithRotation opens with those too, so
// a restart in the middle of a rotation still opens every secret.
// Thread safety: immutable after construction; Seal/Open from any thread.

#include <array>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace rmgr::server::auth {

//! Ciphertext and the nonce it was sealed with.
struct SealedSecret {
  std::vector<unsigned char> nonce;       ///< crypto_secretbox_NONCEBYTES bytes.
  std::vector<unsigned char> ciphertext;  ///< MAC + encrypted bytes.
};

class SecretBox {
 public:
  //! Loads the key file, creating it (0600, random) when absent. Refuses a
  //! key file with the wrong size or readable by group/others.
  static Result<SecretBox> LoadOrCreate(const std::filesystem::path& key_file);

  //! LoadOrCreate, plus the keys of an unfinished rotation (`<key_file>.next`,
  //! `<key_file>.old`, when present, checked the same way) to open with.
  //! Seal always uses `key_file`'s key.
  static Result<SecretBox> LoadWithRotation(const std::filesystem::path& key_file);

  //! A box with an explicit key (tests).
  static SecretBox FromKey(const std::array<unsigned char, 32>& key);

  ~SecretBox();
  SecretBox(SecretBox&&) noexcept;
  SecretBox& operator=(SecretBox&&) noexcept;
  SecretBox(const SecretBox&) = delete;
  SecretBox& operator=(const SecretBox&) = delete;

  //! Encrypts with a fresh random nonce.
  SealedSecret Seal(std::string_view plaintext) const;

  //! Decrypts with the key, then with each opening key; kInternal when the
  //! data was tampered with or no key fits.
  Result<std::string> Open(const SealedSecret& sealed) const;

  //! Decrypts with the sealing key only (rotation: is this secret re-sealed yet?).
  Result<std::string> OpenWithSealingKey(const SealedSecret& sealed) const;

 private:
  SecretBox() = default;
  std::array<unsigned char, 32> key_{};
  std::vector<std::array<unsigned char, 32>> opening_keys_;  // an unfinished rotation's other keys
};

}  // namespace rmgr::server::auth

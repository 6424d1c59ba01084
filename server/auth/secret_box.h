#pragma once
// SecretBox: encrypts repository secrets at rest with the server key
// (XChaCha20-Poly1305 via libsodium crypto_secretbox). The key lives in
// `<data_dir>/server.key`, created 0600 on first start.
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

  //! A box with an explicit key (tests).
  static SecretBox FromKey(const std::array<unsigned char, 32>& key);

  ~SecretBox();
  SecretBox(SecretBox&&) noexcept;
  SecretBox& operator=(SecretBox&&) noexcept;
  SecretBox(const SecretBox&) = delete;
  SecretBox& operator=(const SecretBox&) = delete;

  //! Encrypts with a fresh random nonce.
  SealedSecret Seal(std::string_view plaintext) const;

  //! Decrypts; kInternal when the data was tampered with or the key differs.
  Result<std::string> Open(const SealedSecret& sealed) const;

 private:
  SecretBox() = default;
  std::array<unsigned char, 32> key_{};
};

}  // namespace rmgr::server::auth

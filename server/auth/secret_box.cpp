#include "server/auth/secret_box.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rmgr::server::auth {

static_assert(crypto_secretbox_KEYBYTES == 32, "secretbox key size");

namespace {
Error FileError(const std::filesystem::path& path, std::string what) {
  return MakeError(ErrorCode::kUnavailable,
                   "server key " + path.string() + ": " + what + ": " + std::strerror(errno));
}
}  // namespace

Result<SecretBox> SecretBox::LoadWithRotation(const std::filesystem::path& key_file) {
  auto box = LoadOrCreate(key_file);
  if (!box) return box;
  for (const char* suffix : {".next", ".old"}) {
    std::filesystem::path other = key_file;
    other += suffix;
    std::error_code ec;
    if (!std::filesystem::exists(other, ec)) continue;
    auto extra = LoadOrCreate(other);
    if (!extra) return extra.error();
    box->opening_keys_.push_back(extra->key_);
  }
  return box;
}

Result<SecretBox> SecretBox::LoadOrCreate(const std::filesystem::path& key_file) {
  [[maybe_unused]] static const int init = sodium_init();
  SecretBox box;
  int fd = ::open(key_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    randombytes_buf(box.key_.data(), box.key_.size());
    fd = ::open(key_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return FileError(key_file, "cannot create");
    const bool written =
        ::write(fd, box.key_.data(), box.key_.size()) == static_cast<ssize_t>(box.key_.size()) &&
        ::fsync(fd) == 0;
    ::close(fd);
    if (!written) return FileError(key_file, "cannot write");
    return box;
  }
  if (fd < 0) return FileError(key_file, "cannot open");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return FileError(key_file, "cannot stat");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return MakeError(ErrorCode::kPermissionDenied,
                     "server key " + key_file.string() + " is readable by group or others; chmod 600 it");
  }
  const auto n = ::read(fd, box.key_.data(), box.key_.size());
  char extra = 0;
  const auto more = ::read(fd, &extra, 1);
  ::close(fd);
  if (n != static_cast<ssize_t>(box.key_.size()) || more != 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "server key " + key_file.string() + " must be exactly 32 bytes");
  }
  return box;
}

SecretBox SecretBox::FromKey(const std::array<unsigned char, 32>& key) {
  [[maybe_unused]] static const int init = sodium_init();
  SecretBox box;
  box.key_ = key;
  return box;
}

SecretBox::~SecretBox() {
  sodium_memzero(key_.data(), key_.size());
  for (auto& key : opening_keys_) sodium_memzero(key.data(), key.size());
}
SecretBox::SecretBox(SecretBox&& other) noexcept
    : key_(other.key_), opening_keys_(std::move(other.opening_keys_)) {
  sodium_memzero(other.key_.data(), other.key_.size());
}
SecretBox& SecretBox::operator=(SecretBox&& other) noexcept {
  for (auto& key : opening_keys_) sodium_memzero(key.data(), key.size());
  key_ = other.key_;
  opening_keys_ = std::move(other.opening_keys_);
  sodium_memzero(other.key_.data(), other.key_.size());
  return *this;
}

SealedSecret SecretBox::Seal(std::string_view plaintext) const {
  SealedSecret out;
  out.nonce.resize(crypto_secretbox_NONCEBYTES);
  randombytes_buf(out.nonce.data(), out.nonce.size());
  out.ciphertext.resize(plaintext.size() + crypto_secretbox_MACBYTES);
  crypto_secretbox_easy(out.ciphertext.data(), reinterpret_cast<const unsigned char*>(plaintext.data()),
                        plaintext.size(), out.nonce.data(), key_.data());
  return out;
}

namespace {
Result<std::string> OpenWith(const SealedSecret& sealed, const std::array<unsigned char, 32>& key) {
  if (sealed.nonce.size() != crypto_secretbox_NONCEBYTES ||
      sealed.ciphertext.size() < crypto_secretbox_MACBYTES) {
    return MakeError(ErrorCode::kInternal, "sealed secret has the wrong shape");
  }
  std::string plain(sealed.ciphertext.size() - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()), sealed.ciphertext.data(),
                                 sealed.ciphertext.size(), sealed.nonce.data(), key.data()) != 0) {
    return MakeError(ErrorCode::kInternal, "sealed secret does not open with the server key");
  }
  return plain;
}
}  // namespace

Result<std::string> SecretBox::OpenWithSealingKey(const SealedSecret& sealed) const {
  return OpenWith(sealed, key_);
}

Result<std::string> SecretBox::Open(const SealedSecret& sealed) const {
  auto plain = OpenWith(sealed, key_);
  for (std::size_t i = 0; !plain && i < opening_keys_.size(); ++i) {
    if (auto other = OpenWith(sealed, opening_keys_[i])) plain = std::move(other);
  }
  return plain;
}

}  // namespace rmgr::server::auth

#include "server/auth/update_signing_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace rmgr::server::auth {
namespace {

Error FileError(const std::filesystem::path& path, const std::string& what) {
  return MakeError(ErrorCode::kUnavailable,
                   "update signing key " + path.string() + ": " + what + ": " + std::strerror(errno));
}

// Creates the file exclusively: two servers starting at once cannot both write one.
Result<update::SigningKeyPair> Create(const std::filesystem::path& path) {
  update::SigningKeyPair key = update::GenerateSigningKey();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return FileError(path, "cannot create");
  const bool written = ::write(fd, key.secret_key.data(), key.secret_key.size()) ==
                           static_cast<ssize_t>(key.secret_key.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written) return FileError(path, "cannot write");
  return key;
}

}  // namespace

Result<update::SigningKeyPair> LoadOrCreateUpdateSigningKey(const std::filesystem::path& data_dir) {
  const std::filesystem::path path = data_dir / kUpdateSigningKeyFile;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return Create(path);
  if (fd < 0) return FileError(path, "cannot open");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return FileError(path, "cannot stat");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return MakeError(ErrorCode::kPermissionDenied,
                     "update signing key " + path.string() + " may be read by others: chmod 600 it");
  }
  std::array<char, 128> buffer{};
  const ssize_t got = ::read(fd, buffer.data(), buffer.size());
  ::close(fd);
  if (got < 0) return FileError(path, "cannot read");
  auto key = update::SigningKeyFromSecret(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
  std::memset(buffer.data(), 0, buffer.size());
  if (!key) return MakeError(ErrorCode::kMalformed, path.string() + ": " + key.error().message);
  return key;
}

}  // namespace rmgr::server::auth

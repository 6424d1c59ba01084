#include "agent/outbox/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rmgr::agent {
namespace {

Error IoError(std::string_view what, const std::filesystem::path& path, int err) {
  return MakeError(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kUnavailable,
                   std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

}  // namespace

Result<void> SyncDirectory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("open directory", dir, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return IoError("fsync directory", dir, err);
  return Ok();
}

Result<void> WriteFileSynced(const std::filesystem::path& path, std::string_view data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return IoError("create", path, errno);
  // A file left over by a crash keeps its old mode; O_CREAT's mode applies only to new files.
  if (::fchmod(fd, 0600) != 0) {
    const int err = errno;
    ::close(fd);
    return IoError("chmod", path, err);
  }
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return IoError("write", path, err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return IoError("fsync", path, err);
  }
  if (::close(fd) != 0) return IoError("close", path, errno);
  return Ok();
}

Result<void> WriteFileAtomically(const std::filesystem::path& path, std::string_view data) {
  const std::filesystem::path temp = path.string() + ".tmp";
  if (auto written = WriteFileSynced(temp, data); !written) {
    ::unlink(temp.c_str());
    return written;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return IoError("rename to", path, err);
  }
  return SyncDirectory(path.has_parent_path() ? path.parent_path() : std::filesystem::path("."));
}

Result<std::string> ReadFileLimited(const std::filesystem::path& path, std::size_t limit) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError("open", path, errno);
  std::string out;
  char buf[8192];
  while (out.size() <= limit) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return IoError("read", path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace rmgr::agent

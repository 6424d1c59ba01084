#include "server/app/data_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace rmgr::server {
namespace {

// The pid the holder wrote, or "" when it cannot be read.
std::string HolderPid(int fd) {
  char text[32] = {};
  const auto n = ::pread(fd, text, sizeof text - 1, 0);
  if (n <= 0) return "";
  std::string pid(text, static_cast<std::size_t>(n));
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid;
}

}  // namespace

Result<DataDirLock> DataDirLock::Acquire(const std::filesystem::path& data_dir, std::string_view purpose) {
  const auto file = data_dir / "server.lock";
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return MakeError(ErrorCode::kUnavailable, "cannot open " + file.string() + ": " + std::strerror(errno),
                     "data_dir");
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int why = errno;
    const std::string pid = HolderPid(fd);
    ::close(fd);
    if (why != EWOULDBLOCK) {
      return MakeError(ErrorCode::kUnavailable, "cannot lock " + file.string() + ": " + std::strerror(why),
                       "data_dir");
    }
    return MakeError(ErrorCode::kConflict,
                     "cannot " + std::string(purpose) + ": another restic-manager-server" +
                         (pid.empty() ? std::string() : " (pid " + pid + ")") + " is using " +
                         data_dir.string() + "; stop it first",
                     "data_dir");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    // The lock holds without the pid; only the message of a refused second process is poorer.
  }
  return DataDirLock(fd);
}

DataDirLock::DataDirLock(DataDirLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

DataDirLock& DataDirLock::operator=(DataDirLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace rmgr::server

#pragma once
// One process at a time owns a data dir: the running server, or a command
// that must not run beside it (rotate-key, restore-self --force). An advisory
// lock (flock) on `<data-dir>/server.lock`, which names the holder's pid; the
// kernel drops it when the holder exits, however it exits, so a killed server
// never leaves a stale lock behind.
// Thread safety: a value; move it, don't share it.

#include <filesystem>
#include <string_view>

#include "common/result.h"

namespace rmgr::server {

class DataDirLock {
 public:
  //! Takes the lock without waiting. kConflict naming the holder's pid when
  //! another process (or another lock in this one) holds it; `purpose` says
  //! what this one is for ("serve", "rotate the server key") in that message.
  //! The data dir must exist.
  static Result<DataDirLock> Acquire(const std::filesystem::path& data_dir, std::string_view purpose);

  DataDirLock(DataDirLock&& other) noexcept;
  DataDirLock& operator=(DataDirLock&& other) noexcept;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace rmgr::server

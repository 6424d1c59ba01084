#pragma once
// Whole-file helpers for tests (never compiled into a product binary).
// Thread safety: plain functions on the file system.

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>

namespace rmgr::test_support {

//! The file's bytes ("" when it cannot be read).
inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

//! Writes `data` as the whole file, creating its directory.
inline void WriteFile(const std::filesystem::path& path, const std::string& data) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << data;
}

//! A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  //! Creates `<tmp>/<prefix>-XXXXXX`.
  explicit TempDir(const std::string& prefix = "rmgr-test") {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  //! The directory (empty if it could not be made).
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace rmgr::test_support

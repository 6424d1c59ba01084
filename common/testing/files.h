#pragma once
// Whole-file helpers for tests (never compiled into a product binary).
// Thread safety: plain functions on the file system.

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

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

}  // namespace rmgr::test_support

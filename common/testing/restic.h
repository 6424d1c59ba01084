#pragma once
// Which restic the tests that drive a real one use (never compiled into a
// product binary). ctest runs those suites twice (cmake/Testing.cmake,
// RESTIC_MATRIX): once with the machine's /usr/bin/restic (Debian 12: 0.14)
// and once, prefixed "restic018.", with RMGR_TEST_RESTIC naming Debian 13's
// 0.18 unpacked into the build tree by scripts/fetch-restic.sh.
// Thread safety: reads the environment only.

#include <stdio.h>

#include <cstdlib>
#include <string>
#include <utility>

namespace rmgr::test_support {

//! RMGR_TEST_RESTIC when set and not empty, else /usr/bin/restic.
inline const std::string& ResticBinary() {
  static const std::string binary = [] {
    const char* env = std::getenv("RMGR_TEST_RESTIC");
    return std::string(env != nullptr && *env != '\0' ? env : "/usr/bin/restic");
  }();
  return binary;
}

//! The first line `restic version` prints ("restic 0.18.0 compiled with
//! ..."), empty when ResticBinary() cannot run. The product reads the same
//! line (agent/runner/restic_version.h) to pick the flags it uses.
inline const std::string& ResticVersionLine() {
  static const std::string text = [] {
    std::string out;
    FILE* pipe = ::popen((ResticBinary() + " version 2>/dev/null").c_str(), "r");
    if (pipe == nullptr) return out;
    char line[256] = {};
    if (::fgets(line, sizeof line, pipe) != nullptr) out = line;
    ::pclose(pipe);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
  }();
  return text;
}

//! True when ResticBinary() is release major.minor or newer. Tests use it
//! where restic itself changed (exit codes 10/11/12 from 0.17, compression
//! figures from 0.16, ...).
inline bool ResticAtLeast(int major, int minor) {
  std::pair<int, int> version{0, 0};
  if (std::sscanf(ResticVersionLine().c_str(), "restic %d.%d", &version.first, &version.second) != 2) {
    version = {0, 0};
  }
  return version >= std::pair<int, int>{major, minor};
}

}  // namespace rmgr::test_support

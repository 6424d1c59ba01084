#pragma once
// Owning FILE* handles. A deleter type rather than decltype(&std::fclose):
// glibc declares fclose and pclose with attributes (nonnull), which GCC 14
// warns are dropped from a template argument (-Wignored-attributes).
// Thread safety: as the FILE* itself.

#include <stdio.h>

#include <memory>

namespace rmgr {

struct FileCloser {
  void operator()(FILE* file) const noexcept {
    if (file != nullptr) ::fclose(file);
  }
};

struct PipeCloser {
  void operator()(FILE* pipe) const noexcept {
    if (pipe != nullptr) ::pclose(pipe);
  }
};

//! From fopen; closed with fclose.
using UniqueFile = std::unique_ptr<FILE, FileCloser>;
//! From popen; closed with pclose (its exit status is not read).
using UniquePipe = std::unique_ptr<FILE, PipeCloser>;

}  // namespace rmgr

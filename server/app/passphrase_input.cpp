#include "server/app/passphrase_input.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>

#include "common/util/terminal_echo.h"

namespace rmgr::server {
namespace {

constexpr std::size_t kMaxPassphraseFileBytes = 4096;

Result<std::string> Checked(std::string line, std::string_view source) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.size() < kMinPassphraseBytes) {
    sodium_memzero(line.data(), line.size());
    return MakeError(ErrorCode::kInvalidArgument,
                     "the passphrase from " + std::string(source) + " is shorter than " +
                         std::to_string(kMinPassphraseBytes) + " bytes",
                     "passphrase");
  }
  return line;
}

Result<std::string> AskOnce(const char* prompt) {
  std::fputs(prompt, stderr);
  std::fflush(stderr);
  std::string line;
  {
    util::EchoOff quiet;
    if (!std::getline(std::cin, line)) {
      return MakeError(ErrorCode::kMissingField, "no passphrase typed", "passphrase");
    }
  }
  return Checked(std::move(line), "the terminal");
}

}  // namespace

Result<std::string> ReadPassphraseFile(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return MakeError(ErrorCode::kUnavailable,
                     "passphrase file " + file.string() + ": cannot open: " + std::strerror(errno),
                     "passphrase_file");
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
    ::close(fd);
    return MakeError(ErrorCode::kPermissionDenied,
                     "passphrase file " + file.string() + " is readable by group or others; chmod 600 it",
                     "passphrase_file");
  }
  std::string text(kMaxPassphraseFileBytes, '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const auto n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  text.resize(got);
  std::string line = text.substr(0, text.find('\n'));
  sodium_memzero(text.data(), text.size());
  return Checked(std::move(line), file.string());
}

Result<std::string> PromptPassphrase(bool confirm) {
  if (::isatty(STDIN_FILENO) != 1) {
    return MakeError(ErrorCode::kUnavailable,
                     "no terminal to ask for the passphrase on; give --passphrase-file", "passphrase");
  }
  auto first = AskOnce("Self-backup passphrase: ");
  if (!first || !confirm) return first;
  auto again = AskOnce("Same passphrase again: ");
  if (!again) return again;
  const bool same = *first == *again;
  sodium_memzero(again->data(), again->size());
  if (!same) {
    sodium_memzero(first->data(), first->size());
    return MakeError(ErrorCode::kInvalidArgument, "the two passphrases differ", "passphrase");
  }
  return first;
}

}  // namespace rmgr::server

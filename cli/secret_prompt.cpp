#include "cli/secret_prompt.h"

#include <termios.h>
#include <unistd.h>

#include <istream>
#include <optional>
#include <ostream>

namespace rmgr::cli {
namespace {

// Turns echo off on fd 0 for its lifetime, when fd 0 is a terminal.
class EchoOff {
 public:
  EchoOff() {
    if (::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    active_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  ~EchoOff() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

}  // namespace

bool StdinIsTerminal() {
  return ::isatty(STDIN_FILENO) == 1;
}

Result<std::string> ReadSecret(std::istream& in, bool interactive, std::ostream& err, std::string_view prompt,
                               std::string_view field) {
  std::string line;
  std::optional<EchoOff> quiet;
  if (interactive) {
    err << prompt << std::flush;
    quiet.emplace();
  }
  const bool got = static_cast<bool>(std::getline(in, line));
  quiet.reset();
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (!got && line.empty()) {
    return MakeError(ErrorCode::kMissingField, "no " + std::string(field) + " on standard input",
                     std::string(field));
  }
  if (line.empty())
    return MakeError(ErrorCode::kInvalidArgument, "the " + std::string(field) + " is empty",
                     std::string(field));
  return line;
}

}  // namespace rmgr::cli

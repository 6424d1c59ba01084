#include "common/util/terminal_echo.h"

#include <unistd.h>

namespace rmgr::util {

EchoOff::EchoOff() {
  if (::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
  termios quiet = saved_;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;
  active_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
}

EchoOff::~EchoOff() {
  if (active_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
}

}  // namespace rmgr::util

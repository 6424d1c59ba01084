#pragma once
// Typing a secret on the terminal without showing it.
// Thread safety: changes the process's terminal settings; use from one thread.

#include <termios.h>

namespace rmgr::util {

//! Turns echo off on fd 0 for its lifetime (the newline still shows), when
//! fd 0 is a terminal; does nothing otherwise. The settings it found are put
//! back when it ends.
class EchoOff {
 public:
  EchoOff();
  ~EchoOff();
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

}  // namespace rmgr::util

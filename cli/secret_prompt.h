#pragma once
// Reading passwords without ever taking them as flag values: from a
// terminal with echo off, or one line from piped stdin.
// Thread safety: touches the process's terminal settings; call from one thread.

#include <iosfwd>
#include <string>
#include <string_view>

#include "common/result.h"

namespace rmgr::cli {

//! True when file descriptor 0 is a terminal.
bool StdinIsTerminal();

//! Reads one secret line from `in` (without its line ending). When
//! `interactive`, first writes `prompt` to `err` and turns terminal echo off
//! on fd 0 until the line is read. An empty line or end of input is an
//! error naming `field`.
Result<std::string> ReadSecret(std::istream& in, bool interactive, std::ostream& err, std::string_view prompt,
                               std::string_view field);

}  // namespace rmgr::cli

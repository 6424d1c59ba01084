#pragma once
// The operator's self-backup passphrase, never taken from argv: one line of
// a file that only its owner may read (the rule server.key follows), or
// typed on the terminal with echo off.
// Thread safety: functions; PromptPassphrase touches the terminal, call it
// from one thread.

#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"

namespace rmgr::server {

//! Shortest passphrase accepted (it alone protects the server key in the file).
inline constexpr std::size_t kMinPassphraseBytes = 12;

//! The first line of `file` (without its line ending). kPermissionDenied when
//! group or others may read it; kInvalidArgument when it is shorter than
//! kMinPassphraseBytes.
Result<std::string> ReadPassphraseFile(const std::filesystem::path& file);

//! Asks on the terminal (stdin must be one; echo off) and, when `confirm`,
//! asks again and compares. kUnavailable when stdin is not a terminal.
Result<std::string> PromptPassphrase(bool confirm);

}  // namespace rmgr::server

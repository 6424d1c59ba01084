#pragma once
// The operator CLI as a library: builds the command tree and runs it, so
// tests can drive it in-process. Thread safety: one call at a time (the
// API commands share libcurl's process-wide setup and the terminal).

#include <iosfwd>
#include <string>
#include <vector>

#include "cli/command_env.h"

namespace rmgr::cli {

//! Exit codes scripts can rely on.
enum ExitCode : int {
  kExitOk = 0,       ///< Success.
  kExitFailure = 1,  ///< The command ran and failed (e.g. API error).
  kExitUsage = 2,    ///< Bad flags or an invalid argument such as a bad cron expression.
  kExitAuth = 3,     ///< Authentication or permission failure.
};

//! Runs the CLI with `args` (without argv[0]), writing to `out` and `err`,
//! reading passwords from std::cin and settings from the process environment.
int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

//! Runs the CLI with `args` against injected streams, environment and clock.
int RunCli(const std::vector<std::string>& args, CliIo& io);

}  // namespace rmgr::cli

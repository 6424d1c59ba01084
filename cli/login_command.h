#pragma once
// `restic-manager login`: signs in with a user name and password (prompted
// with echo off, or read from stdin; never a flag), creates an API token
// named "cli@<hostname>" with the session, signs the session out again and
// saves server and token to the config file (mode 0600).
// Thread safety: one instance per RunCli call.

#include <filesystem>
#include <string>

#include "cli/api_client.h"
#include "cli/command_env.h"

namespace CLI {
class App;
}  // namespace CLI

namespace rmgr::cli {

//! The `login` command.
class LoginCommand {
 public:
  //! Adds `login` under `root`; flags bind to this object.
  explicit LoginCommand(CLI::App& root);

  LoginCommand(const LoginCommand&) = delete;
  LoginCommand& operator=(const LoginCommand&) = delete;

  //! True when the parsed command line chose `login`.
  bool Selected() const;

  //! Logs in to `options.server_url` and writes `config_path`; returns an ExitCode.
  int Run(CliIo& io, ApiClientOptions options, const std::filesystem::path& config_path) const;

 private:
  CLI::App* login_;
  std::string username_ = "admin";
  std::string token_name_;
  bool password_stdin_ = false;
};

}  // namespace rmgr::cli

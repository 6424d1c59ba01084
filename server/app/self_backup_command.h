#pragma once
// The `backup-self` and `restore-self` subcommands of restic-manager-server:
// their flags, and running them from the resolved config (whose data dir is
// the one backed up, or the new one restored into). Progress and results go
// to stdout, errors to stderr; the passphrase comes from a 0600 file or the
// terminal, never from argv (passphrase_input.h).
// Thread safety: call from main only.

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "server/app/server_config.h"

namespace rmgr::server {

//! Flags of both subcommands, written into by CLI11.
struct SelfBackupFlags {
  std::string out;                             ///< backup-self --out.
  std::string from;                            ///< restore-self --from.
  std::optional<std::string> passphrase_file;  ///< Both: --passphrase-file.
  bool force = false;                          ///< restore-self --force.
};

//! The two subcommands, registered on `app`.
struct SelfBackupCommands {
  CLI::App* backup = nullptr;   ///< backup-self.
  CLI::App* restore = nullptr;  ///< restore-self.
};

//! Adds backup-self and restore-self to `app` (flags fall through to the server's own).
SelfBackupCommands AddSelfBackupCommands(CLI::App& app, SelfBackupFlags& flags);

//! Runs backup-self; the process exit status.
int RunBackupSelf(const ServerConfig& config, const SelfBackupFlags& flags);

//! Runs restore-self into config.data_dir; the process exit status.
int RunRestoreSelf(const ServerConfig& config, const SelfBackupFlags& flags);

}  // namespace rmgr::server

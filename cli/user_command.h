#pragma once
// `restic-manager user list|add|set-role` (admins): operator accounts.
// Passwords are prompted for or read from stdin, never taken as flags.
// Thread safety: one instance per RunCli call.

#include <string>

#include "cli/api_command.h"

namespace rmgr::cli {

//! The `user` command group.
class UserCommand : public ApiCommand {
 public:
  //! Adds `user` and its verbs under `root`; flags bind to this object.
  explicit UserCommand(CLI::App& root);

  //! Runs the chosen verb.
  int Run(CommandEnv& env) override;

 private:
  CLI::App* list_;
  CLI::App* add_;
  CLI::App* set_role_;
  PageFlags paging_;
  std::string id_;
  std::string username_;
  std::string role_;
  bool password_stdin_ = false;
};

}  // namespace rmgr::cli

#pragma once
// `restic-manager repo add|list|show`: restic repositories. The password is
// read from a terminal prompt or stdin, never from a flag, and is never shown
// again (the server keeps it sealed). Thread safety: one instance per RunCli call.

#include <string>

#include "cli/api_command.h"

namespace rmgr::cli {

//! The `repo` command group.
class RepoCommand : public ApiCommand {
 public:
  //! Adds `repo` and its verbs under `root`; flags bind to this object.
  explicit RepoCommand(CLI::App& root);

  //! Runs the chosen verb.
  int Run(CommandEnv& env) override;

 private:
  CLI::App* add_;
  CLI::App* list_;
  CLI::App* show_;
  PageFlags paging_;
  std::string name_;
  std::string url_;
  bool password_stdin_ = false;
  std::string id_;
};

}  // namespace rmgr::cli

#pragma once
// `restic-manager host list|show|add|set-mode|set-labels`: the hosts the server knows.
// Thread safety: one instance per RunCli call.

#include <string>
#include <vector>

#include "cli/api_command.h"

namespace rmgr::cli {

//! The `host` command group.
class HostCommand : public ApiCommand {
 public:
  //! Adds `host` and its verbs under `root`; flags bind to this object.
  explicit HostCommand(CLI::App& root);

  //! Runs the chosen verb.
  int Run(CommandEnv& env) override;

 private:
  CLI::App* list_;
  CLI::App* show_;
  CLI::App* add_;
  CLI::App* set_mode_;
  CLI::App* set_labels_;
  PageFlags paging_;
  std::string query_;
  std::string id_;
  std::string name_;
  std::string mode_;
  std::string selector_;
  std::vector<std::string> labels_;
};

}  // namespace rmgr::cli

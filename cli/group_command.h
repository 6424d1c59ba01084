#pragma once
// `restic-manager group add|list|show`: source groups, the paths (with
// excludes and tags) a host backs up together.
// Thread safety: one instance per RunCli call.

#include <string>
#include <vector>

#include "cli/api_command.h"

namespace rmgr::cli {

//! The `group` command group.
class GroupCommand : public ApiCommand {
 public:
  //! Adds `group` and its verbs under `root`; flags bind to this object.
  explicit GroupCommand(CLI::App& root);

  //! Runs the chosen verb.
  int Run(CommandEnv& env) override;

 private:
  CLI::App* add_;
  CLI::App* list_;
  CLI::App* show_;
  PageFlags paging_;
  std::string host_id_;
  std::string name_;
  std::vector<std::string> paths_;
  std::vector<std::string> excludes_;
  std::vector<std::string> tags_;
  std::string id_;
};

}  // namespace rmgr::cli

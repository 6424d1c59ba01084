#pragma once
// `restic-manager audit list`: who changed what, newest first.
// Thread safety: one instance per RunCli call.

#include <string>

#include "cli/api_command.h"

namespace rmgr::cli {

//! The `audit` command group.
class AuditCommand : public ApiCommand {
 public:
  //! Adds `audit` and its verbs under `root`; flags bind to this object.
  explicit AuditCommand(CLI::App& root);

  //! Runs the chosen verb.
  int Run(CommandEnv& env) override;

 private:
  CLI::App* list_;
  PageFlags paging_;
  std::string actor_kind_;
  std::string actor_id_;
  std::string action_;
  std::string target_kind_;
  std::string target_id_;
  std::string from_;
  std::string to_;
};

}  // namespace rmgr::cli

#pragma once
// `restic-manager token create|list|revoke`: API tokens for scripts and
// other machines. Thread safety: one instance per RunCli call.

#include <optional>
#include <string>

#include "cli/api_command.h"

namespace rmgr::cli {

//! The `token` command group.
class TokenCommand : public ApiCommand {
 public:
  //! Adds `token` and its verbs under `root`; flags bind to this object.
  explicit TokenCommand(CLI::App& root);

  //! Runs the chosen verb.
  int Run(CommandEnv& env) override;

 private:
  CLI::App* create_;
  CLI::App* list_;
  CLI::App* revoke_;
  PageFlags paging_;
  std::string name_;
  std::optional<std::int64_t> expires_in_seconds_;
  bool all_users_ = false;
  std::string id_;
};

}  // namespace rmgr::cli

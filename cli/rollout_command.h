#pragma once
// `restic-manager rollout start|list|show|cancel`: agent rollouts
// (docs/agent-updates.md). Starting and cancelling need an admin.
// Thread safety: one instance per RunCli call.

#include <cstdint>
#include <string>
#include <vector>

#include "cli/api_command.h"

namespace rmgr::cli {

//! The `rollout` command group.
class RolloutCommand : public ApiCommand {
 public:
  //! Adds `rollout` and its verbs under `root`; flags bind to this object.
  explicit RolloutCommand(CLI::App& root);

  //! Runs the chosen verb.
  int Run(CommandEnv& env) override;

 private:
  CLI::App* start_;
  CLI::App* list_;
  CLI::App* show_;
  CLI::App* cancel_;
  std::string id_;
  std::string version_;
  std::string selector_;
  std::vector<std::string> hosts_;
  int64_t wave_size_ = 1;
};

}  // namespace rmgr::cli

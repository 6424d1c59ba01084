#pragma once
// `restic-manager enroll create|list|revoke`: tokens an agent presents to
// join the fleet (one-time, or reusable with --max-uses, with labels for the
// hosts they enroll). Thread safety: one instance per RunCli call.

#include <string>
#include <vector>

#include "cli/api_command.h"

namespace rmgr::cli {

//! The `enroll` command group.
class EnrollCommand : public ApiCommand {
 public:
  //! Adds `enroll` and its verbs under `root`; flags bind to this object.
  explicit EnrollCommand(CLI::App& root);

  //! Runs the chosen verb.
  int Run(CommandEnv& env) override;

 private:
  int RunCreate(CommandEnv& env) const;

  CLI::App* create_;
  CLI::App* list_;
  CLI::App* revoke_;
  PageFlags paging_;
  std::string name_;
  std::string host_id_;
  int ttl_seconds_ = 0;
  int max_uses_ = 0;
  std::vector<std::string> labels_;
  std::string id_;
};

}  // namespace rmgr::cli

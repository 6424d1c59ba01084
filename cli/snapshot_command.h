#pragma once
// `restic-manager snapshot list`: the server's index of a repository's
// snapshots. Thread safety: one instance per RunCli call.

#include <string>

#include "cli/api_command.h"

namespace rmgr::cli {

//! The `snapshot` command group.
class SnapshotCommand : public ApiCommand {
 public:
  //! Adds `snapshot` and its verbs under `root`; flags bind to this object.
  explicit SnapshotCommand(CLI::App& root);

  //! Runs the chosen verb.
  int Run(CommandEnv& env) override;

 private:
  CLI::App* list_;
  PageFlags paging_;
  std::string repository_id_;
  std::string host_id_;
};

}  // namespace rmgr::cli

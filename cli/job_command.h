#pragma once
// `restic-manager job list|show|logs|run|cancel`: restic runs on hosts,
// their progress and output. `logs --follow` polls until the job ends.
// Thread safety: one instance per RunCli call.

#include <cstdint>
#include <string>

#include "cli/api_command.h"

namespace rmgr::cli {

//! The `job` command group.
class JobCommand : public ApiCommand {
 public:
  //! Adds `job` and its verbs under `root`; flags bind to this object.
  explicit JobCommand(CLI::App& root);

  //! Runs the chosen verb.
  int Run(CommandEnv& env) override;

 private:
  int RunLogs(CommandEnv& env) const;
  int RunRun(CommandEnv& env) const;
  int RunFleet(CommandEnv& env, const std::string& action) const;

  CLI::App* list_;
  CLI::App* show_;
  CLI::App* logs_;
  CLI::App* run_;
  CLI::App* cancel_;
  PageFlags paging_;
  std::string id_;
  std::string host_id_;
  std::string status_;
  std::string kind_;
  std::string schedule_id_;
  std::string repository_id_;
  std::string group_id_;
  std::string selector_;
  std::int64_t after_seq_ = -1;  // the API's "from the first line"
  bool follow_ = false;
};

//! True for a job status after which nothing more happens (anything but
//! queued, dispatched and running).
bool IsTerminalJobStatus(std::string_view status);

}  // namespace rmgr::cli

#pragma once
// `restic-manager schedule add|list|show|enable|disable|delete|windows`: when
// a host runs which kind of restic job against which repository and groups,
// and (windows) what happened in each of its past slots.
// Thread safety: one instance per RunCli call.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/api_command.h"

namespace rmgr::cli {

//! The `schedule` command group.
class ScheduleCommand : public ApiCommand {
 public:
  //! Adds `schedule` and its verbs under `root`; flags bind to this object.
  explicit ScheduleCommand(CLI::App& root);

  //! Runs the chosen verb.
  int Run(CommandEnv& env) override;

 private:
  int RunAdd(CommandEnv& env, const std::vector<Column>& detail) const;
  boost::json::object Retention() const;

  CLI::App* add_;
  CLI::App* list_;
  CLI::App* show_;
  CLI::App* enable_;
  CLI::App* disable_;
  CLI::App* delete_;
  CLI::App* windows_;
  std::string from_;
  std::string to_;
  PageFlags paging_;
  std::string id_;
  std::string host_id_;
  std::string name_;
  std::string kind_ = "backup";
  std::string cron_;
  std::string timezone_;
  std::string repository_id_;
  std::vector<std::string> group_ids_;
  std::optional<int> keep_last_;
  std::optional<int> keep_hourly_;
  std::optional<int> keep_daily_;
  std::optional<int> keep_weekly_;
  std::optional<int> keep_monthly_;
  std::optional<int> keep_yearly_;
  std::string keep_within_;
  std::vector<std::string> keep_tags_;
  bool prune_ = false;
  std::optional<int> jitter_seconds_;
  std::optional<int> max_runtime_seconds_;
  std::optional<int> drill_sample_files_;
  std::optional<int64_t> drill_max_bytes_;
  std::string pre_hook_;
  std::string post_hook_;
  std::optional<int> hook_timeout_seconds_;
  bool disabled_ = false;
};

}  // namespace rmgr::cli

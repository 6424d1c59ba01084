#pragma once
// Builds the restic command line and environment for a job (issue 4,
// "Running restic"). The repository password never appears here: every
// command reads it from `--password-file /dev/fd/3`, a pipe that
// ResticProcess fills. Repository env values (e.g. AWS_*) do go into the
// environment, because that is how restic takes them.
// Thread safety: pure functions.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "agent/runner/restic_version.h"
#include "common/protocol/messages.h"
#include "common/result.h"

namespace rmgr::agent::runner {

//! The descriptor restic reads the password from (see ResticProcess).
inline constexpr int kPasswordFd = 3;

//! Where and how restic runs on this host.
struct ResticCommandConfig {
  std::string restic_binary = "restic";  ///< argv[0]; looked up in PATH when it has no '/'.
  std::string state_dir{};               ///< Agent state dir; the cache is <state_dir>/cache.
  int progress_fps = 1;                  ///< RESTIC_PROGRESS_FPS (status lines per second), >= 1.
  std::vector<std::string> base_env{};   ///< "K=V" entries passed through first (PATH, HOME, TMPDIR...).
  ResticFeatures features{};             ///< What this restic can do (FeaturesOf its version).
  //! With features.retry_lock and > 0: `--retry-lock <seconds>s` on every
  //! command that takes a lock, so restic waits for a lock itself.
  std::chrono::seconds retry_lock{0};
};

//! One restic invocation: what to exec and with which environment.
struct ResticInvocation {
  std::vector<std::string> argv{};  ///< argv[0] is the restic binary.
  std::vector<std::string> env{};   ///< The complete environment, "K=V" each (may hold repository secrets).
};

//! Builds the invocation for `run.kind`. Fails with kInvalidArgument when the
//! command lacks what its kind needs (source group, retention, restore
//! options), names a malformed snapshot id, or its repository env tries to set
//! a RESTIC_PASSWORD* / RESTIC_REPOSITORY / RESTIC_CACHE_DIR variable. Kind ls
//! is built with BuildLsCommand instead (it comes as a BrowseRequest), a drill
//! with BuildDrillListCommand and BuildDrillRestoreCommand; a stats job's
//! command is its raw-data half (BuildRestoreSizeCommand is the other).
Result<ResticInvocation> BuildResticCommand(const protocol::CommandRun& run,
                                            const ResticCommandConfig& config);

//! `restic stats --no-lock --json --mode restore-size <ids...>`: what restoring
//! these snapshots writes (a stats job measures the latest of each host × paths).
Result<ResticInvocation> BuildRestoreSizeCommand(const protocol::Repository& repository,
                                                 const std::vector<std::string>& snapshot_ids,
                                                 const ResticCommandConfig& config);

//! `restic ls --no-lock --json --host <hostname> --path <p>... [--tag <t,...>] latest`:
//! the newest snapshot of `group` made on this host (hostname "" = any host).
Result<ResticInvocation> BuildDrillListCommand(const protocol::Repository& repository,
                                               const protocol::SourceGroup& group,
                                               const std::string& hostname,
                                               const ResticCommandConfig& config);

//! The --include pattern that matches exactly `path` (glob metacharacters escaped).
std::string IncludePattern(std::string_view path);

//! `restic restore --no-lock --target <target> --include <path>... <snapshot_id>`:
//! restores the drill's sample into its scratch directory.
Result<ResticInvocation> BuildDrillRestoreCommand(const protocol::Repository& repository,
                                                  const std::string& snapshot_id, const std::string& target,
                                                  const std::vector<std::string>& paths,
                                                  const ResticCommandConfig& config);

//! `restic ls --json <snapshot_id> <path>` for a BrowseRequest.
Result<ResticInvocation> BuildLsCommand(const protocol::Repository& repository,
                                        const std::string& snapshot_id, const std::string& path,
                                        const ResticCommandConfig& config);

}  // namespace rmgr::agent::runner

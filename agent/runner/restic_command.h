#pragma once
// Builds the restic command line and environment for a job (issue 4,
// "Running restic"). The repository password never appears here: every
// command reads it from `--password-file /dev/fd/3`, a pipe that
// ResticProcess fills. Repository env values (e.g. AWS_*) do go into the
// environment, because that is how restic takes them.
// Thread safety: pure functions.

#include <string>
#include <vector>

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
//! is built with BuildLsCommand instead (it comes as a BrowseRequest).
Result<ResticInvocation> BuildResticCommand(const protocol::CommandRun& run,
                                            const ResticCommandConfig& config);

//! `restic ls --json <snapshot_id> <path>` for a BrowseRequest.
Result<ResticInvocation> BuildLsCommand(const protocol::Repository& repository,
                                        const std::string& snapshot_id, const std::string& path,
                                        const ResticCommandConfig& config);

}  // namespace rmgr::agent::runner

#pragma once
// The agent's supervisor: `restic-manager-agent run` becomes it once an
// update was installed (update/current or update/pending.json exists; the
// first update re-executes the agent into it). It runs the agent as its
// child and owns rollback, so a broken release can never replace the code
// that undoes it: the supervisor is always the installed package's binary.
//
//   pending.json → try that version: the child must report a healthy server
//     connection (hello.ok) on the pipe named by RMGR_AGENT_HEALTH_FD within
//     `health_deadline`. Healthy → promoted (previous = current, current =
//     it). Exited or silent → stopped, pending removed, failed.json written
//     (the agent reports it after its next hello.ok), the current version
//     runs again.
//   otherwise → run update/current (or the installed package's binary).
//   rollback.json (the child got agent.rollback and exited 75) → previous
//     becomes current, the version left is removed, failed.json written
//     (reported as rolled_back after the next hello.ok); previous is then
//     gone, so a second rollback has nothing to go back to.
//   the child exits 75 (kExitRestartForUpdate) → loop; any other exit →
//     the supervisor exits with it (systemd restarts). SIGTERM/SIGINT are
//     passed to the child and its exit status is returned.
//
// The child runs with RMGR_AGENT_SUPERVISED=1 and, for an installed release,
// RMGR_AGENT_BUNDLE_VERSION=<version from its verified manifest>, which it
// reports as its agent_version (so one binary can stand in for a release).
// It dies with the supervisor (PR_SET_PDEATHSIG).
// Thread safety: call from main, once; installs process-wide signal handlers.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "agent/update/update_layout.h"
#include "common/result.h"

namespace rmgr::agent::update {

//! How the supervisor runs.
struct SupervisorOptions {
  std::filesystem::path state_dir;            ///< The agent's state dir.
  std::filesystem::path self;                 ///< The installed package's binary (/proc/self/exe).
  std::vector<std::string> args;              ///< argv[1..] for the child.
  std::chrono::seconds health_deadline{120};  ///< A tried version must be healthy within this.
};

//! Whether `run` should supervise: an update is installed or pending, and this process is not a child.
bool ShouldSupervise(const std::filesystem::path& state_dir);

//! Runs the loop above; returns the exit status for main.
int RunSupervisor(const SupervisorOptions& options);

//! Tells a supervisor (if any) that this agent reached the server (hello.ok). Idempotent, any thread.
void ReportHealthy();

//! The version this agent reports: RMGR_AGENT_BUNDLE_VERSION when supervised, else `built_in`.
std::string ReportedVersion(std::string_view built_in);

//! agent.rollback, in the agent: when it runs supervised from update/current = `request.version` and
//! update/previous is kept, writes rollback.json for the supervisor (the caller then exits 75);
//! otherwise kConflict saying why there is nothing to roll back to.
Result<void> RequestRollback(const std::filesystem::path& state_dir, const RollbackRequest& request,
                             std::string_view built_in);

}  // namespace rmgr::agent::update

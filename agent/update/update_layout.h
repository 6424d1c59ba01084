#pragma once
// Where an agent keeps its installed releases and the update markers, under
// its state dir:
//
//   versions/<version>/restic-manager-agent   an installed release (0700)
//   update/current      the version the supervisor runs (absent: the installed package's binary)
//   update/previous     the one before it, kept for rollback ("" = the installed package's binary)
//   update/pending.json {"version","rollout_id"}: installed, to be tried next (written by the agent)
//   update/failed.json  {"version","rollout_id","reason"}: a try that was rolled back (written by
//                       the supervisor, reported and removed by the agent after hello.ok)
//   update/rollback.json {"version","rollout_id","reason"}: the server asked to leave current
//                       (agent.rollback) for previous (written by the agent before it exits 75,
//                       carried out and removed by the supervisor, which writes failed.json)
//
// Each marker has one writer at a time: the agent writes pending.json and
// removes failed.json while it runs; the supervisor touches them only while
// no agent runs, or (promotion) after the agent said it is healthy.
// Thread safety: free functions on the file system; see above for who calls.

#include <filesystem>
#include <optional>
#include <string>

#include "common/result.h"

namespace rmgr::agent::update {

//! An update that was installed and is to be tried.
struct PendingUpdate {
  std::string version;     ///< Release version (a directory under versions/).
  std::string rollout_id;  ///< The rollout that asked for it.
};

//! An update the supervisor rolled back.
struct FailedUpdate {
  std::string version;     ///< The version that failed.
  std::string rollout_id;  ///< The rollout that asked for it.
  std::string reason;      ///< Why, for people.
};

//! A version to leave for update/previous (agent.rollback); same fields as FailedUpdate.
using RollbackRequest = FailedUpdate;

//! Exit status of an agent that installed an update and wants to be restarted into it.
inline constexpr int kExitRestartForUpdate = 75;
//! File name of the executable inside versions/<version>/.
inline constexpr const char* kAgentExecutable = "restic-manager-agent";

//! <state>/versions/<version>/restic-manager-agent.
std::filesystem::path ExecutablePath(const std::filesystem::path& state_dir, const std::string& version);

std::optional<PendingUpdate> ReadPending(const std::filesystem::path& state_dir);
Result<void> WritePending(const std::filesystem::path& state_dir, const PendingUpdate& pending);
std::optional<FailedUpdate> ReadFailed(const std::filesystem::path& state_dir);
Result<void> WriteFailed(const std::filesystem::path& state_dir, const FailedUpdate& failed);
std::optional<RollbackRequest> ReadRollback(const std::filesystem::path& state_dir);
Result<void> WriteRollback(const std::filesystem::path& state_dir, const RollbackRequest& rollback);
//! Whether update/<name> exists (update/previous is empty for the installed package's binary).
bool HasMarker(const std::filesystem::path& state_dir, const char* name);
//! Reads update/current or update/previous ("" when absent or empty).
std::string ReadMarker(const std::filesystem::path& state_dir, const char* name);
Result<void> WriteMarker(const std::filesystem::path& state_dir, const char* name,
                         const std::string& version);
//! Removes update/<name> (missing is fine).
void RemoveMarker(const std::filesystem::path& state_dir, const char* name);

}  // namespace rmgr::agent::update

#pragma once
// InstallUpdate: the agent's half of agent.update up to the restart. In
// order, and nothing is written before the last check passed:
//   1. an update key must be pinned (agent.json update_key);
//   2. the bundle is downloaded (FetchBundle) and must have the announced size;
//   3. its SHA-256 is computed here and the announced signature must verify
//      over it against the pinned key (bundle_signature.h);
//   4. the bundle must open (manifest, executable size and SHA-256) and its
//      manifest must name the announced version and this host's os/arch;
//   5. the executable is written to versions/<version>/ (0700, fsync'd,
//      renamed into place) and update/pending.json names it.
// The supervisor (supervisor.h) then tries it. Any failure leaves the
// running version alone and says why (the agent reports it as "refused").
// Thread safety: blocks (downloads); one install at a time per state dir.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "common/protocol/messages.h"
#include "common/result.h"

namespace rmgr::agent::update {

//! What an install needs besides the message.
struct InstallContext {
  std::filesystem::path state_dir;        ///< The agent's state dir.
  std::optional<std::string> update_key;  ///< The pinned key; absent → refused.
  std::string os;                         ///< This host's GOOS-style os.
  std::string arch;                       ///< This host's GOARCH-style arch.
  //! Downloads the bundle at a path (FetchBundle with the agent's URL, token and trust).
  std::function<Result<std::string>(const std::string& path, std::uint64_t max_bytes)> fetch;
};

//! Installs `update` as pending (see the file comment); the error's message says why not.
Result<void> InstallUpdate(const protocol::AgentUpdate& update, const InstallContext& context);

}  // namespace rmgr::agent::update

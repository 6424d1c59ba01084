#pragma once
// The agent's state file, <state_dir>/agent.json: which server the agent is
// enrolled with, as which host, and the host token. It holds a secret, so it
// is written 0600 in a 0700 directory and refused when others may read it.
// Writes are atomic (temp file, fsync, rename, fsync of the directory): a
// crash leaves the old file or the new one, never a mix.
// Thread safety: free functions; concurrent saves to one directory are not
// coordinated (the agent saves only while enrolling).

#include <filesystem>
#include <optional>
#include <string>

#include "common/result.h"
#include "common/schema/secret.h"

namespace rmgr::agent {

//! What enrollment leaves behind for every later start of the agent.
struct AgentState {
  std::string server_url;     ///< As given to enroll ("http://host:port").
  std::string host_id;        ///< The host's ULID.
  std::string host_name;      ///< The host's display name on the server.
  schema::Secret host_token;  ///< Bearer token for the WebSocket upgrade.
  //! ULID made once per installation (hello.install_id): lets the server see two
  //! machines sharing one host token. Absent in files written before it existed.
  std::optional<std::string> install_id{};
  //! The server certificate's pinned fingerprint ("sha256:..."): set by enroll
  //! --fingerprint or --trust-on-first-use; absent → the system CAs decide.
  std::optional<std::string> tls_fingerprint{};
  //! The certificate the server announced it will rotate to (tls.next), accepted
  //! beside tls_fingerprint; the first connection it verifies makes it the pin.
  std::optional<std::string> tls_next_fingerprint{};
  //! The server's update signing key ("ed25519:<64 hex>") pinned at enrollment:
  //! the agent installs only bundles it signed. Absent for agents enrolled
  //! before updates existed; they refuse updates until enrolled again.
  std::optional<std::string> update_key{};
};

//! Writes <state_dir>/agent.json (creating state_dir 0700 if needed): temp file
//! 0600, fsync, rename, fsync dir. Errors: kInvalidArgument for a state the
//! loader would refuse, kUnavailable for file system failures (naming the path).
Result<void> SaveAgentState(const std::filesystem::path& state_dir, const AgentState& state);

//! Reads it back. Missing file → kNotFound "this agent is not enrolled: run
//! restic-manager-agent enroll --server URL --token T --state-dir DIR";
//! malformed → kMalformed naming the file; a file group or others may access →
//! kPermissionDenied telling the user to chmod 600; other I/O → kUnavailable.
Result<AgentState> LoadAgentState(const std::filesystem::path& state_dir);

//! Gives `state` an install_id if it has none (a new ULID) and saves it, so the
//! id stays the same for every later start. Errors as SaveAgentState's; `state`
//! is unchanged on error.
Result<void> EnsureInstallId(const std::filesystem::path& state_dir, AgentState& state);

}  // namespace rmgr::agent

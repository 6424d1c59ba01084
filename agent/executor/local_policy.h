#pragma once
// LocalPolicy: what this host's owner allows the server to make the agent
// do, decided on the host (agent flags) and never by the server: where a
// restore may write and which pre/post hooks may run. The agent reports it
// in hello so operators see it, and enforces it itself before restic or a
// hook runs — a server that asks for more gets a job that fails with
// error_kind restore_refused or hook_refused and says which setting refused.
// Thread safety: value type and pure functions (CheckRestoreTarget reads the
// file system to resolve symlinks).

#include <filesystem>
#include <string>
#include <vector>

#include "common/protocol/enums.h"
#include "common/result.h"

namespace rmgr::agent {

//! The host's own rules for restores and hooks.
struct LocalPolicy {
  std::filesystem::path restore_root;  ///< Restores go here or below (absolute); anywhere else needs consent.
  bool restore_anywhere = false;  ///< The owner consents to restores outside restore_root (in place too).
  protocol::HookPolicy hooks = protocol::HookPolicy::kAllow;  ///< What to do with hooks.
  std::vector<std::string> hook_allow;  ///< Programs (absolute paths) an allowlist policy runs.
};

//! kPermissionDenied (naming restore_root and --allow-restore-anywhere) when
//! `target` lies outside the restore root and the policy does not consent;
//! kInvalidArgument for a target that is not absolute. Both sides are
//! resolved through existing symlinks first, so a link inside the root that
//! points out of it does not count as inside.
Result<void> CheckRestoreTarget(const LocalPolicy& policy, const std::string& target);

//! kPermissionDenied (naming the policy) when `command` may not run as a
//! hook: every hook under refuse; under allowlist, any command whose first
//! word is not on hook_allow exactly, or that holds shell syntax (quotes,
//! $, ;, |, &, redirections, globs, newlines...) which could run something
//! else — arguments are plain words.
Result<void> CheckHook(const LocalPolicy& policy, const std::string& command);

}  // namespace rmgr::agent

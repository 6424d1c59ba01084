#pragma once
// Where a restore may write on its target host, as the server sees it: an
// operator only inside the host's restore root (the agent's --restore-root,
// reported in hello); anywhere else — in place ("/") included — needs an
// admin *and* the host's consent (--allow-restore-anywhere). The agent
// enforces its half again itself (agent/executor/restore_guard.h); this
// check lets the server refuse, audit and explain before anything is sent.
// Thread safety: pure functions.

#include <string>

#include "common/result.h"
#include "server/auth/principal.h"
#include "server/store/store_types.h"

namespace rmgr::server::scheduling {

//! Whether `path` (absolute, lexically normal, no "..") is `root` or lies under it.
bool IsWithinRoot(const std::string& path, const std::string& root);

//! What a permitted restore target is.
enum class RestoreScope {
  kInsideRoot,   //!< Within the host's restore root: any operator.
  kOutsideRoot,  //!< Elsewhere: admin + the host's consent.
};

//! Checks `target` on `host` for a caller with `role`: kInvalidArgument for a
//! target that is not an absolute path without "..", kConflict when the
//! host's agent has not reported its restore root yet, kPermissionDenied
//! (with the reason and what would allow it) for an operator outside the
//! root or an admin on a host that does not consent. Errors name
//! args.options.restore.target.
Result<RestoreScope> CheckRestoreTarget(const store::Host& host, const std::string& target, auth::Role role);

}  // namespace rmgr::server::scheduling

#pragma once
// The one rule for repository passwords leaving the server: a password goes
// only to the agent of a host that uses the repository — a schedule of the
// host targets it, a job of the host (queued by a schedule, or by an
// operator and audited) runs against it, or the repository's snapshot index
// holds a snapshot the host made (store::ReadTx::HostUsesRepository).
// Every frame that carries a password (command.run of every job kind,
// browse.request) is built through OpenRepositoryFor; the browse route asks
// CheckHostUsesRepository first so the caller hears the reason at once.
// Thread safety: pure functions over the transaction they are given.

#include <string>

#include "common/protocol/messages.h"
#include "common/result.h"
#include "server/store/store.h"

namespace rmgr::server::auth {
class SecretBox;
}

namespace rmgr::server::scheduling {

//! Ok when `host_id` uses `repository_id`; kPermissionDenied naming both
//! (by name) when it does not; kNotFound for an unknown repository.
Result<void> CheckHostUsesRepository(store::ReadTx& tx, const std::string& host_id,
                                     const std::string& repository_id);

//! The wire form of the repository (password opened with the server key)
//! for a frame to `host_id`'s agent, after CheckHostUsesRepository.
//! kInternal when the password does not open with this server's key.
Result<protocol::Repository> OpenRepositoryFor(store::ReadTx& tx, const std::string& host_id,
                                               const std::string& repository_id,
                                               const auth::SecretBox& secrets);

}  // namespace rmgr::server::scheduling

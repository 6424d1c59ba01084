#pragma once
// The hub's authenticator: a bearer host token → the host it belongs to.
// Thread safety: safe from any thread (one store read).

#include <string_view>

#include "common/result.h"
#include "server/store/store.h"
#include "server/ws/agent_hub.h"

namespace rmgr::server::ws {

//! The host whose agent token hashes to `bearer_token`: kUnauthenticated for
//! an empty or unknown token, the store's error when it cannot be read.
Result<AgentIdentity> AuthenticateAgent(store::Store& store, std::string_view bearer_token);

}  // namespace rmgr::server::ws

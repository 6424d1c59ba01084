#include "server/ws/agent_authenticator.h"

#include "server/auth/credentials.h"

namespace rmgr::server::ws {

Result<AgentIdentity> AuthenticateAgent(store::Store& store, std::string_view bearer_token) {
  if (bearer_token.empty()) return MakeError(ErrorCode::kUnauthenticated, "no agent token");
  const std::string hash = auth::HashToken(bearer_token);
  auto host = store.Read([&](store::ReadTx& tx) { return tx.GetHostByTokenHash(hash); });
  if (!host) {
    if (host.error().code == ErrorCode::kNotFound) {
      return MakeError(ErrorCode::kUnauthenticated, "unknown agent token; enroll the agent again");
    }
    return host.error();
  }
  return AgentIdentity{host->id, host->name};
}

}  // namespace rmgr::server::ws

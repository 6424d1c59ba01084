#pragma once
// ApiDeps: what REST handlers need from the rest of the server. Owned by the
// composition root (ServerApp); handlers hold references for the server's life.
// Thread safety: every member is safe to use from any thread.

#include <functional>
#include <string>

#include "common/util/time_format.h"

namespace rmgr::store {
class Store;
}
namespace rmgr::server::auth {
class SecretBox;
}

namespace rmgr::server::api {

//! What the REST API tells the agent side once a change has committed
//! (implemented by the agent controller). Every call returns at once: the
//! work (pushing schedules, dispatching, cancelling) happens asynchronously,
//! so an HTTP response never waits on an agent.
class AgentNotifier {
 public:
  virtual ~AgentNotifier() = default;
  //! The host's canonical schedule version changed: push the set.
  virtual void SchedulesChanged(const std::string& host_id) = 0;
  //! Jobs were queued for the host: dispatch what can start.
  virtual void JobsQueued(const std::string& host_id) = 0;
  //! A dispatched or running job should stop: send command.cancel.
  virtual void CancelRequested(const std::string& host_id, const std::string& job_id) = 0;
};

//! An AgentNotifier that does nothing (handler tests, servers without agents).
AgentNotifier& NoAgentNotifier();

struct ApiDeps {
  store::Store& store;             ///< All persistence.
  const auth::SecretBox& secrets;  ///< Seals repository passwords at rest.
  std::function<TimePoint()> now = [] { return Clock::now(); };  ///< Clock (tests pin it).
  AgentNotifier* agents = &NoAgentNotifier();  ///< The agent side; never null.
};

}  // namespace rmgr::server::api

#pragma once
// ApiDeps: what REST handlers need from the rest of the server. Owned by the
// composition root (ServerApp); handlers hold references for the server's life.
// Thread safety: every member is safe to use from any thread.

#include <functional>
#include <string>

#include "common/protocol/messages.h"
#include "common/result.h"
#include "common/util/time_format.h"
#include "server/events/event_bus.h"

namespace rmgr::store {
class Store;
}
namespace rmgr::server::auth {
class SecretBox;
}

namespace rmgr::server::api {

//! A directory of a snapshot to list through a host's agent.
struct BrowseQuery {
  std::string host_id;        ///< The host whose agent runs `restic ls`.
  std::string repository_id;  ///< The repository holding the snapshot.
  std::string snapshot_id;    ///< Snapshot id (8..64 hex).
  std::string path;           ///< Directory inside the snapshot, starting with '/'.
};

//! Called once with the agent's listing, or kConflict (the host is offline or
//! went away), kUnavailable (no answer in time, or the server is stopping),
//! kInvalidArgument / kNotFound for a bad query.
using BrowseDone = std::function<void(Result<protocol::BrowseResult>)>;

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
  //! Lists a snapshot directory through the host's agent; `done` is called
  //! exactly once, from any thread, within the controller's browse timeout.
  virtual void Browse(BrowseQuery query, BrowseDone done) = 0;
};

//! An AgentNotifier that does nothing (handler tests, servers without agents).
AgentNotifier& NoAgentNotifier();

struct ApiDeps {
  store::Store& store;             ///< All persistence.
  const auth::SecretBox& secrets;  ///< Seals repository passwords at rest.
  std::function<TimePoint()> now = [] { return Clock::now(); };  ///< Clock (tests pin it).
  AgentNotifier* agents = &NoAgentNotifier();  ///< The agent side; never null.
  events::EventSink* events = &events::NoEvents();  ///< Live updates for the UI; never null.
};

}  // namespace rmgr::server::api

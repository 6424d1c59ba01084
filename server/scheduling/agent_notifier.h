#pragma once
// AgentNotifier: what the REST API tells the scheduling core once a change
// has committed (implemented by SchedulingCore). The API sits above
// scheduling, so the interface lives here, with the core that serves it.
// Thread safety: implementations are safe to call from any thread.

#include <functional>
#include <string>

#include "common/protocol/messages.h"
#include "common/result.h"

namespace rmgr::server::scheduling {

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
//! (implemented by SchedulingCore). Every call returns at once: the
//! work (pushing schedules, dispatching, cancelling) happens asynchronously,
//! so an HTTP response never waits on an agent.
class AgentNotifier {
 public:
  virtual ~AgentNotifier() = default;
  //! The host's canonical schedule version changed: push the set.
  virtual void SchedulesChanged(const std::string& host_id) = 0;
  //! Jobs were queued for the host: dispatch what can start.
  virtual void JobsQueued(const std::string& host_id) = 0;
  //! A dispatched or running job should stop: send command.cancel to its
  //! connected agent. The caller has kept the request in the store
  //! (WriteTx::RequestJobCancel), which the next hello delivers if the agent is away.
  virtual void CancelRequested(const std::string& host_id, const std::string& job_id) = 0;
  //! The host was deleted: close its agent's connection with a reason the
  //! agent acts on (it stops firing and says why).
  virtual void HostDeleted(const std::string& host_id) = 0;
  //! Lists a snapshot directory through the host's agent; `done` is called
  //! exactly once, from any thread, within the core's browse timeout.
  virtual void Browse(BrowseQuery query, BrowseDone done) = 0;
  //! A rollout was started or cancelled: move rollouts along now (not only at the next tick).
  virtual void RolloutsChanged() {}
};

}  // namespace rmgr::server::scheduling

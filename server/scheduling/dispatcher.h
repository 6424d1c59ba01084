#pragma once
// Dispatcher: starts what can start on a host. One job per repository per
// host at a time: a queued job moves to `dispatched` only when no other job
// of that host and repository is dispatched or running, inside one store
// write transaction (SQLite serializes writers, so two dispatches never both
// win). Pending runs (a fire that met a busy repository, coalesced to one per
// schedule) become jobs once their repository has nothing running or queued.
// A queued job that can never run (its repository or group is gone) fails
// here with the reason. Every command.run goes out after the commit.
// Thread safety: none; runs on the scheduling thread.

#include <string>

#include "server/scheduling/scheduling_context.h"

namespace rmgr::server::scheduling {

//! Moves queued jobs and pending runs of a host to its agent.
class Dispatcher {
 public:
  explicit Dispatcher(SchedulingContext& ctx) : ctx_(ctx) {}

  //! Dispatches what can start on the host (queued jobs, then pending runs)
  //! and sends the commands. Nothing happens for a host without a ready
  //! connection. Returns false when a command could not be sent or the
  //! store failed (the sweep tries again).
  bool DispatchReady(const std::string& host_id);

 private:
  SchedulingContext& ctx_;
};

}  // namespace rmgr::server::scheduling

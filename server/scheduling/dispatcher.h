#pragma once
// Dispatcher: starts what can start on a host. One job per repository per
// host at a time: a queued job moves to `dispatched` only when no other job
// of that host and repository is dispatched or running, and when the
// repository's leases across all hosts let it (repository_leases.h: a prune
// waits for every host's backups, backups wait for a prune, the
// repository's backup limit and maintenance window) — inside one store
// write transaction (SQLite serializes writers, so two dispatches never both
// win, on one host or on two). A job that waits keeps the reason
// (jobs.wait_reason, audited as job.waiting when it changes; job.lease when
// it starts after waiting). Pending runs (a fire that met a busy repository,
// coalesced to one per schedule) become jobs once their repository has
// nothing running or queued on the host.
// A queued job that can never run (its repository or group is gone) fails
// here with the reason. Every command.run goes out after the commit.
// Thread safety: none; runs on the scheduling thread.

#include <set>
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

  //! A job ended or leases may have moved: dispatches every other ready host
  //! with a queued job into one of `repository_ids` (all repositories when
  //! empty), oldest waiting job's host first.
  void DispatchWaiting(const std::set<std::string>& repository_ids, const std::string& except_host);

 private:
  SchedulingContext& ctx_;
};

}  // namespace rmgr::server::scheduling

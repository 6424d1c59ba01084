#pragma once
// The two job actions an operator starts on one job or schedule and on a
// whole fleet at once (fleet_handlers): run a schedule now, cancel a job.
// Each works inside the caller's write transaction, so the caller's audit
// entry commits with it; the caller tells agents and the UI after the commit.
// Thread safety: functions over the given transaction.

#include <string>
#include <vector>

#include "common/result.h"
#include "server/api/api_routes.h"
#include "server/store/store.h"

namespace rmgr::server::api {

//! Queues one job per source group of `schedule`, started by the caller.
Result<std::vector<store::Job>> QueueScheduleRun(store::WriteTx& tx, const store::Schedule& schedule,
                                                 const Principal& caller);

//! What cancelling did.
struct CancelOutcome {
  store::Job job;              ///< The job after the action.
  bool cancelled_now = false;  ///< Queued, so finished as cancelled here; else the agent is asked.
};

//! Cancels job `id`: a queued job is finished as cancelled at once; a
//! dispatched or running one keeps running until its agent answers the
//! cancel (the request is stored, so it survives a restart). kConflict for a
//! finished job.
Result<CancelOutcome> CancelJobInTx(store::WriteTx& tx, const std::string& id, TimePoint now);

}  // namespace rmgr::server::api

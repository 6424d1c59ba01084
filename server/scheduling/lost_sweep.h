#pragma once
// LostSweep: no job stays dispatched or running forever. Every sweep
// interval it notes connected hosts as seen, marks `lost` every dispatched
// job — and every running job whose agent is not connected — that had no
// word for `lost_after`, audits each, and dispatches what waits on every
// connected host (queued jobs, pending runs) — so nothing waits for a
// reconnect to heal. Runs as a PeriodicTask on the scheduling thread.
// Thread safety: none; runs on the scheduling thread.

#include "common/util/periodic_task.h"
#include "server/scheduling/dispatcher.h"
#include "server/scheduling/scheduling_context.h"

namespace rmgr::server::scheduling {

//! The periodic lost-job sweep.
class LostSweep {
 public:
  LostSweep(SchedulingContext& ctx, Dispatcher& dispatcher);

  //! Starts the periodic sweep.
  void Start() { task_.Start(); }
  //! Stops it.
  void Stop() { task_.Stop(); }
  //! Runs one sweep now; returns how many jobs it marked lost.
  int Sweep();

 private:
  SchedulingContext& ctx_;
  Dispatcher& dispatcher_;
  PeriodicTask task_;
};

}  // namespace rmgr::server::scheduling

#pragma once
// Catchup: laptops that slept through a window get a backup when they return
// (DESIGN.md "Catch-up for intermittent hosts"). When an intermittent host
// connects, a settle timer is armed (reconnect flapping re-arms it, never
// stacks); when it fires on a host still connected and idle, every enabled
// backup schedule × source group whose last expected slot is newer than that
// schedule's and group's own last success gets a job. A slot whose job ended
// without success is tried again (a retry carries no slot). Skipped when the
// host dropped again or became always-on; postponed while a job runs.
// Unparseable cron never triggers a dispatch.
// Thread safety: none; runs on the scheduling thread (its timers too).

#include <boost/asio/steady_timer.hpp>

#include <map>
#include <memory>
#include <string>

#include "server/scheduling/dispatcher.h"
#include "server/scheduling/scheduling_context.h"

namespace rmgr::server::scheduling {

//! Settle timers and the catch-up decision.
class Catchup {
 public:
  Catchup(SchedulingContext& ctx, Dispatcher& dispatcher) : ctx_(ctx), dispatcher_(dispatcher) {}

  //! (Re)arms the host's settle timer; an armed one is replaced, never stacked.
  void Arm(const std::string& host_id);
  //! Arms the host's settle timer unless one is armed already (a late fire
  //! must not push back a catch-up that is nearly due).
  void EnsureArmed(const std::string& host_id);
  //! Cancels every timer; Arm does nothing afterwards.
  void Stop();

 private:
  void Run(const std::string& host_id);

  SchedulingContext& ctx_;
  Dispatcher& dispatcher_;
  bool stopped_ = false;
  std::map<std::string, std::unique_ptr<boost::asio::steady_timer>, std::less<>> timers_;  // host id → armed
};

}  // namespace rmgr::server::scheduling

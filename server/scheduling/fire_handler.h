#pragma once
// FireHandler: what happens when an agent fires a schedule. The agent's cron
// only says "schedule S fired for slot T"; the server decides: one job per
// source group (unique per schedule × slot × group, so a re-sent fire is a
// no-op), or — when the schedule's repository is busy on the host — one
// coalesced pending run that starts when the repository is free. A fire of
// an unknown or disabled schedule is refused. A late fire (the slot passed
// while the agent was down or away) of an intermittent host is deferred to
// catch-up, so a laptop is not loaded the instant it wakes. Every decision
// is audited, and every decision is answered with fire.answer so the agent
// can drop the fire from its outbox; a fire the store could not take is not
// answered (the agent sends it again).
// Thread safety: none; runs on the scheduling thread.

#include "server/scheduling/catchup.h"
#include "server/scheduling/dispatcher.h"
#include "server/scheduling/scheduling_context.h"
#include "server/ws/agent_hub.h"

namespace rmgr::server::scheduling {

//! schedule.fire → jobs, a pending run, or a refusal.
class FireHandler {
 public:
  FireHandler(SchedulingContext& ctx, Dispatcher& dispatcher, Catchup& catchup)
      : ctx_(ctx), dispatcher_(dispatcher), catchup_(catchup) {}

  //! Decides the fire, answers it on `connection_id` and dispatches what it made.
  void Handle(const ws::AgentIdentity& who, std::uint64_t connection_id, const protocol::ScheduleFire& fire);

 private:
  SchedulingContext& ctx_;
  Dispatcher& dispatcher_;
  Catchup& catchup_;
};

}  // namespace rmgr::server::scheduling

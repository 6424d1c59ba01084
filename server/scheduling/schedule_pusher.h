#pragma once
// SchedulePusher: keeps each agent's cron equal to the host's canonical
// schedule set. Push sends the full, versioned set on the host's ready
// connection (after every change and right after each hello); an ack records
// the version the agent applied (0 or above canonical: ignored and logged)
// and the entries it could not apply (bad cron, unknown zone), shown as drift.
// Thread safety: none; runs on the scheduling thread.

#include <string>

#include "server/scheduling/scheduling_context.h"
#include "server/ws/agent_hub.h"

namespace rmgr::server::scheduling {

//! schedule.set out, schedule.ack in.
class SchedulePusher {
 public:
  explicit SchedulePusher(SchedulingContext& ctx) : ctx_(ctx) {}

  //! Sends the host's schedule set on its ready connection (none: pushed after the next hello).
  void Push(const std::string& host_id);
  //! Records the version the agent applied.
  void HandleAck(const ws::AgentIdentity& who, const protocol::ScheduleAck& ack);

 private:
  SchedulingContext& ctx_;
};

}  // namespace rmgr::server::scheduling

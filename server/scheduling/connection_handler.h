#pragma once
// ConnectionHandler: an agent arriving, introducing itself and leaving.
//
//   connected    → linked in Presence (not ready), host marked connected
//   hello        → host status recorded; jobs the server thinks are on the
//                  agent but the agent does not report (dispatched before
//                  this connection) become `interrupted`; hello.ok; the
//                  connection is ready; the full schedule.set; cancels owed
//                  and stops for jobs the server does not know; dispatch;
//                  a catch-up settle timer for intermittent hosts
//   disconnected → unlinked (only by its own goodbye), host marked
//                  disconnected, browse requests waiting on it fail
// Thread safety: none; runs on the scheduling thread.

#include <cstdint>
#include <string>

#include "server/scheduling/browse_broker.h"
#include "server/scheduling/catchup.h"
#include "server/scheduling/dispatcher.h"
#include "server/scheduling/schedule_pusher.h"
#include "server/scheduling/scheduling_context.h"
#include "server/ws/agent_hub.h"

namespace rmgr::server::scheduling {

//! Connect, hello and disconnect of agents.
class ConnectionHandler {
 public:
  //! The parts a hello sets going.
  struct Parts {
    SchedulePusher& pusher;   ///< Sends the schedule set.
    Dispatcher& dispatcher;   ///< Starts what waits.
    Catchup& catchup;         ///< Settle timers.
    BrowseBroker& browse;     ///< Fails waiters of a gone agent.
  };

  ConnectionHandler(SchedulingContext& ctx, Parts parts) : ctx_(ctx), parts_(parts) {}

  //! The hub authenticated and upgraded a connection.
  void Connected(const ws::AgentIdentity& who, std::uint64_t connection_id, const std::string& remote_address);
  //! The connection's hello.
  void Hello(const ws::AgentIdentity& who, std::uint64_t connection_id, const protocol::Hello& hello);
  //! The connection is gone.
  void Disconnected(const ws::AgentIdentity& who, std::uint64_t connection_id);

 private:
  //! Writes the host's connected flag (and last seen) and publishes the host.
  void RecordConnected(const std::string& host_id, bool connected);

  SchedulingContext& ctx_;
  Parts parts_;
};

}  // namespace rmgr::server::scheduling

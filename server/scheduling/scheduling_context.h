#pragma once
// SchedulingContext: what every part of the scheduling core shares — the
// store, the sealed secrets, the way to the agents (CommandSender), the
// table of live connections, the per-job watch, the publisher, the options
// and the scheduling thread's executor. Built and owned by SchedulingCore.
// Thread safety: the parts that hold it run only on `executor` (one thread),
// so Presence and JobWatch need no locks.

#include <boost/asio/any_io_executor.hpp>

#include "server/scheduling/job_watch.h"
#include "server/scheduling/publisher.h"
#include "server/scheduling/scheduling_options.h"
#include "server/store/store.h"
#include "server/ws/command_sender.h"
#include "server/ws/presence.h"

namespace rmgr::server::auth {
class SecretBox;
}

namespace rmgr::server::scheduling {

//! Shared references of the core's parts; outlived by nothing it points to.
struct SchedulingContext {
  store::Store& store;                      ///< All persistence.
  const auth::SecretBox& secrets;           ///< Opens repository passwords for command.run.
  ws::CommandSender& sender;                ///< Frames to agents.
  ws::Presence& presence;                   ///< Live connections.
  JobWatch& watch;                          ///< Last word and owed cancels per job.
  Publisher& publish;                       ///< Live updates for the UI.
  const SchedulingOptions& options;         ///< Timing.
  boost::asio::any_io_executor executor;    ///< The scheduling thread.

  //! The wall clock.
  TimePoint Now() const { return options.now(); }
  //! Sends on the host's connection; false when it is gone.
  bool Send(const std::string& host_id, std::uint64_t connection_id, protocol::Payload payload) const {
    return sender.Send(host_id, connection_id, std::move(payload));
  }
};

}  // namespace rmgr::server::scheduling

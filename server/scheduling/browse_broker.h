#pragma once
// BrowseBroker: lists a snapshot directory through a host's agent for the
// UI. A request goes to the host's ready connection as browse.request; the
// caller is answered exactly once — with the agent's browse.result, or an
// error when the host is offline, the query is bad, the agent does not
// answer within the browse timeout, the agent disconnects, or the server stops.
// Thread safety: none; runs on the scheduling thread (its timers too).

#include <boost/asio/steady_timer.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "server/scheduling/agent_notifier.h"
#include "server/scheduling/scheduling_context.h"
#include "server/ws/agent_hub.h"

namespace rmgr::server::scheduling {

//! Browse requests waiting for their agent.
class BrowseBroker {
 public:
  explicit BrowseBroker(SchedulingContext& ctx) : ctx_(ctx) {}

  //! Sends the request; `done` is called exactly once.
  void Browse(BrowseQuery query, BrowseDone done);
  //! An agent's listing: answers its waiter (another host's answer never counts).
  void Answer(const ws::AgentIdentity& who, const protocol::BrowseResult& result);
  //! Answers every waiter of `host_id` (all when empty) with `error`.
  void Fail(const std::string& host_id, const Error& error);
  //! Fails every waiter and refuses new requests.
  void Stop();

 private:
  struct Waiter {
    std::string host_id;
    BrowseDone done;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  std::optional<Waiter> Take(const std::string& request_id, const std::string& host_id = {});

  SchedulingContext& ctx_;
  bool stopped_ = false;
  std::map<std::string, Waiter, std::less<>> waiters_;  // request id → caller
};

}  // namespace rmgr::server::scheduling

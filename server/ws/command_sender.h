#pragma once
// CommandSender: how the scheduling core reaches an agent. Scheduling never
// touches a socket: it names the host and the connection it decided for,
// and the sender delivers or says it could not. Today the AgentHub is the one
// implementation (the agent is connected to this server); a second replica
// will implement it by routing through the database to the replica that
// holds the connection (DESIGN.md "Scale path").
// Thread safety: implementations are safe to call from any thread.

#include <cstdint>
#include <string>

#include "common/protocol/messages.h"

namespace rmgr::server::ws {

//! Delivers frames to, and closes, one agent connection.
class CommandSender {
 public:
  virtual ~CommandSender() = default;

  //! Queues `payload` for the host's connection `connection_id`; false when
  //! that connection is gone (replaced, closed) or its queue overflowed. True
  //! means queued, not delivered: only the agent's answer proves delivery.
  virtual bool Send(const std::string& host_id, std::uint64_t connection_id, protocol::Payload payload) = 0;

  //! Closes the host's connection `connection_id` with a WebSocket close
  //! `code` from common/protocol/close_codes.h; its plain-words meaning goes
  //! along as the close reason the agent logs. No-op when that connection is gone.
  virtual void Close(const std::string& host_id, std::uint64_t connection_id, std::uint16_t code) = 0;
};

}  // namespace rmgr::server::ws

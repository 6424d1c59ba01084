#pragma once
// AgentHub: the agents' WebSocket connections (GET /agent/ws). It checks the
// bearer token of the upgrade, keeps one live connection per host (a newer one
// replaces the older), decodes every text frame strictly, answers and sends
// protocol pings, and hands everything else to AgentEvents. Outgoing frames go
// through a bounded per-connection queue; a peer that does not keep up is
// dropped, not buffered without limit.
// Data flow: HttpServer upgrade -> Accept -> (401 | handshake) -> register
// -> OnAgentConnected -> read loop -> OnAgentMessage ... -> OnAgentDisconnected.
//
// Thread safety: every public member may be called from any thread. Each
// connection runs on a strand of its own, so any number of threads may run
// the io_context; its events arrive on that strand, in order, one at a time
// (connected, messages, disconnected), while events of different connections
// may run concurrently. Handlers must not block for long: the connection reads
// nothing while one runs. They may call back into the hub.
//
// Lifetime: connections own themselves and share the hub's state, so the hub
// may be destroyed while they wind down. Destroying it stops it and detaches
// the events (none fire afterwards); destroy it only when no io_context thread
// is running its connections' handlers (after the io_context stopped or ran
// out of work). A connection still open when the io_context stops fires no
// further events.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/protocol/envelope.h"
#include "common/result.h"
#include "common/tls/maybe_tls_stream.h"
#include "server/http/http_types.h"
#include "server/ws/command_sender.h"

namespace rmgr::server::ws {

//! Who an upgrade's bearer token belongs to.
struct AgentIdentity {
  std::string host_id;    ///< The host's ULID.
  std::string host_name;  ///< The host's display name, for logs.
};

//! Checks the bearer token of an upgrade request (the hub never sees the
//! store). An error is answered with its own status (ErrorResponse): return
//! kUnauthenticated for an unknown or revoked token, and e.g. kUnavailable
//! when the store is down, so an agent can tell a bad token from an outage.
//! Runs on the connection's strand; may be called concurrently.
using AgentAuthenticator = std::function<Result<AgentIdentity>(std::string_view bearer_token)>;

//! Bounds and timing of every agent connection.
struct HubOptions {
  std::size_t max_queue_frames = 256;             ///< Write queue bound per connection, in frames.
  std::size_t max_queue_bytes = 8 * 1024 * 1024;  ///< Same, in bytes. Past either → dropped (slow consumer).
  std::chrono::milliseconds ping_interval{15000};      ///< The hub sends a protocol `ping` this often.
  std::chrono::milliseconds idle_timeout{45000};       ///< Nothing received for this long → dropped.
  std::chrono::milliseconds handshake_timeout{10000};  ///< Upgrade, 401 response, and closing handshake.
  std::size_t max_protocol_errors = 5;  ///< Undecodable frames before the hub closes with 1008.
  protocol::DecodeLimits limits{};      ///< Frame size and depth; larger frames fail the read (close 1009).
};

//! What the hub reports about agents; implemented by the server's controller.
class AgentEvents {
 public:
  virtual ~AgentEvents() = default;

  //! A connection is authenticated, upgraded and live (Connected() is true).
  virtual void OnAgentConnected(const AgentIdentity& who, std::uint64_t connection_id,
                                const std::string& remote_address) = 0;

  //! A decoded frame: every type except `ping` (answered with `pong`) and `pong` (consumed).
  virtual void OnAgentMessage(const AgentIdentity& who, std::uint64_t connection_id,
                              protocol::Envelope envelope) = 0;

  //! Exactly once per OnAgentConnected, once that connection is gone (closed
  //! by the peer, dropped, replaced or stopped). When a newer connection
  //! replaced it, this may arrive after the newer one's OnAgentConnected:
  //! compare connection ids.
  virtual void OnAgentDisconnected(const AgentIdentity& who, std::uint64_t connection_id) = 0;
};

//! What the hub has counted since it was made (for metrics).
struct HubCounters {
  //! Frames decoded, by envelope type; every type is listed (0 included), in protocol order.
  std::vector<std::pair<std::string_view, std::uint64_t>> frames_received;
  //! Frames queued for sending, by envelope type; every type listed.
  std::vector<std::pair<std::string_view, std::uint64_t>> frames_sent;
  std::uint64_t connections_opened = 0;      ///< Connections that became live (authenticated, upgraded).
  std::uint64_t connections_closed = 0;      ///< Live connections that ended, for whatever reason.
  std::uint64_t protocol_errors = 0;         ///< As ProtocolErrors().
  std::uint64_t slow_consumers_dropped = 0;  ///< As SlowConsumersDropped().
  std::uint64_t connections_replaced = 0;    ///< As ConnectionsReplaced().
};

//! The agents' WebSocket connections: one live connection per host.
class AgentHub final : public CommandSender {
 public:
  //! Connections run on strands of `io`.
  AgentHub(boost::asio::io_context& io, AgentAuthenticator authenticate, HubOptions options = {});
  //! Stops the hub and detaches the events.
  ~AgentHub() override;
  AgentHub(const AgentHub&) = delete;
  AgentHub& operator=(const AgentHub&) = delete;

  //! Where events go; call before the first connection. Not owned; must outlive the hub's connections.
  void SetEvents(AgentEvents* events);

  //! The HttpServer UpgradeHandler for GET /agent/ws: authenticates, upgrades and serves the connection.
  void Accept(tls::MaybeTlsStream stream, http::Request request, std::string remote_address);

  //! Whether the host has a live connection.
  bool Connected(std::string_view host_id) const;

  //! Id of the host's live connection, if any.
  std::optional<std::uint64_t> ConnectionOf(std::string_view host_id) const;

  //! Queues a frame for the host's live connection; false when it has none or
  //! its queue overflowed (then it is dropped). True means queued, not delivered.
  bool Send(std::string_view host_id, const protocol::Envelope& envelope);

  //! Same, but only while the host's live connection is still `connection_id`
  //! (a reply never goes to a replacement).
  bool SendOn(std::string_view host_id, std::uint64_t connection_id, const protocol::Envelope& envelope);

  // CommandSender: SendOn / a close with a private-use code on one connection.
  bool Send(const std::string& host_id, std::uint64_t connection_id, protocol::Payload payload) override;
  void Close(const std::string& host_id, std::uint64_t connection_id, std::uint16_t code) override;

  //! Number of live connections (one per host).
  std::size_t ConnectionCount() const;

  //! Host ids with a live connection, sorted.
  std::vector<std::string> ConnectedHosts() const;

  //! Closes every connection (close code 1001 going away) and refuses new
  //! ones (HTTP 503). Idempotent and asynchronous; events for each connection still fire.
  void Stop();

  //! Undecodable, binary or oversized frames and WebSocket protocol violations so far.
  std::uint64_t ProtocolErrors() const;

  //! Connections dropped because their write queue overflowed.
  std::uint64_t SlowConsumersDropped() const;

  //! Connections closed because a newer one of the same host arrived.
  std::uint64_t ConnectionsReplaced() const;

  //! Every counter at once (each read atomically; together only roughly consistent).
  HubCounters Counters() const;

 private:
  class Connection;
  struct State;

  boost::asio::io_context& io_;
  std::shared_ptr<State> state_;  // shared with every connection
};

}  // namespace rmgr::server::ws

#pragma once
// AgentConnection: the agent's one WebSocket to the server (DESIGN.md "Wire
// protocol"). It connects to <server_url>/agent/ws with the host token as a
// bearer header, sends the app's hello first, hands every server frame to a
// ConnectionHandler, answers the server's pings, pings the server itself,
// drops a silent server, and reconnects with exponential backoff and
// jitter until stopped — or until the server closes with a code that means
// "do not come back" (protocol::kCloseHostDeleted, kCloseDuplicateInstall):
// then the loop ends and the handler hears OnRefused. https/wss URLs speak
// TLS and verify the server as ConnectionOptions::trust says (a pinned
// fingerprint, else the system CAs); a refused certificate is a failed
// attempt like any other, logged with both fingerprints.
//
// Data flow: Start → Run (connect/retry loop) → RunSession (resolve, connect,
// handshake, hello, OnOpen) → ReadLoop ∥ WriteLoop ∥ Heartbeat → OnClosed →
// backoff → Run.
//
// Thread safety: AgentConnection's methods may be called from any thread.
// The connection works on one strand of the io_context, which may run on
// any number of threads. Handler calls are sequential (never two at once)
// and come from the io_context's threads, except OnClosed("stopped"), which
// Stop() makes itself on the caller's thread.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/protocol/envelope.h"
#include "common/protocol/messages.h"
#include "common/result.h"
#include "common/schema/secret.h"
#include "common/tls/client_trust.h"

namespace rmgr::agent {

//! How to reach the server and how patiently.
struct ConnectionOptions {
  //! "http://127.0.0.1:8080", "https://..." or "ws(s)://..."; the client connects to <url>/agent/ws.
  std::string server_url;
  //! How an https/wss server's certificate is verified: pins (the enrolled one
  //! first, then an announced next one) or the system CAs.
  tls::ClientTrust trust;
  //! The host token, sent as "Authorization: Bearer <token>" on the upgrade; never logged.
  schema::Secret token;
  //! The agent sends a protocol `ping` envelope this often.
  std::chrono::milliseconds ping_interval{15000};
  //! Nothing received for this long → close and reconnect.
  std::chrono::milliseconds idle_timeout{45000};
  //! TCP connect + WebSocket handshake; also bounds the close handshake.
  std::chrono::milliseconds connect_timeout{10000};
  //! Reconnect delay after the first failure (before jitter).
  std::chrono::milliseconds backoff_initial{1000};
  //! Longest reconnect delay (before jitter).
  std::chrono::milliseconds backoff_max{60000};
  //! Bounded write queue (the hello counts); overflow → Send returns false (frame dropped, logged).
  std::size_t max_queue_frames = 1024;
  //! Undecodable server frames on one connection before the client closes (1008) and reconnects.
  std::size_t max_protocol_errors = 5;
  //! Applied to every server frame; max_frame_bytes is also the WebSocket read limit.
  protocol::DecodeLimits limits{};
  //! [0,1) source for jitter, called on the io_context's threads; default: a seeded PRNG.
  std::function<double()> random = {};
  //! User-Agent of the upgrade request.
  std::string user_agent = "restic-manager-agent";
};

//! Reconnect delay for the n-th consecutive failure (n >= 0): min(max, initial * 2^n),
//! then scaled by a jitter factor in [0.5, 1.0) drawn from `random01` ("equal jitter";
//! values outside [0,1) are clamped). Pure.
std::chrono::milliseconds BackoffDelay(int attempt, const ConnectionOptions& options, double random01);

//! What the agent app does with the connection. Calls are sequential; a call
//! that blocks holds up the connection (and Stop() on another thread).
class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  //! Called on every successful connect; the result is sent as the first frame.
  virtual protocol::Hello MakeHello() = 0;
  //! After the hello was queued: the app resends outbox results and missed fires via Send.
  virtual void OnOpen() = 0;
  //! Every decoded server frame except ping (answered with pong by the connection) and pong (consumed).
  virtual void OnMessage(protocol::Envelope envelope) = 0;
  //! Once per OnOpen, when that connection ends; `reason` is one line for logs ("stopped" after Stop()).
  virtual void OnClosed(std::string_view reason) = 0;
  //! After OnClosed, when the server's close code forbids reconnecting (4001, 4002): the
  //! connection has stopped for good. `reason` is the server's close reason text (may be empty).
  virtual void OnRefused(std::uint16_t /*close_code*/, std::string_view /*reason*/) {}
  //! After a TLS handshake verified by a pin other than the first (the
  //! announced next certificate): that pin is now the only one; the app
  //! records it in its state file. Called before MakeHello of that connection.
  virtual void OnPinRotated(std::string_view /*fingerprint*/) {}
};

//! The agent's WebSocket client. Owns its sockets and timers; borrows the
//! io_context (which must outlive the work the connection queued on it) and
//! the handler (which must outlive Stop(), or the destructor).
class AgentConnection {
 public:
  //! Does nothing until Start().
  AgentConnection(boost::asio::io_context& io, ConnectionOptions options, ConnectionHandler& handler);
  //! Stop().
  ~AgentConnection();
  AgentConnection(const AgentConnection&) = delete;
  AgentConnection& operator=(const AgentConnection&) = delete;

  //! Validates the options and starts the connect/reconnect loop on the io_context.
  //! Errors: kInvalidArgument (bad URL, TLS, empty token, a timeout that is not
  //! positive, max_queue_frames 0), kConflict (already started, or stopped).
  Result<void> Start();

  //! Queues a frame; any thread. False when no connection is open or the queue is full.
  bool Send(const protocol::Envelope& envelope);

  //! True between the hello being queued and the end of that connection.
  bool IsOpen() const;

  //! Accepts `fingerprint` (the server's announced next certificate) beside
  //! the pinned one from the next connection attempt on; a no-op without a
  //! pin (the system CAs decide then). Any thread.
  void AcceptNextFingerprint(std::string fingerprint);

  //! Ends the connection for good; idempotent, any thread. If a connection is
  //! open, calls OnClosed("stopped") before returning. A handler call in
  //! progress on another thread finishes first; no handler call starts after
  //! Stop() returns (a Stop() made from inside a handler call returns into
  //! that call, which is then the last). Frames still queued are dropped; the
  //! close handshake (1000) finishes on the io_context within connect_timeout.
  void Stop();

  //! WebSocket handshakes that succeeded.
  std::uint64_t connects() const;
  //! Server frames that could not be decoded (binary frames included), over all connections.
  std::uint64_t protocol_errors() const;
  //! Reconnect delays started (one after every failed attempt or ended connection).
  std::uint64_t reconnect_attempts() const;
  //! True once the server refused the agent for good (see OnRefused); the loop has ended.
  bool refused() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;  // shared with the coroutines working on the connection
};

}  // namespace rmgr::agent

#pragma once
// Session: one connection attempt of the agent and, once upgraded, its
// WebSocket session, shared by the coroutines working on it (read loop,
// write loop, heartbeat). Only the write queue may be touched off the
// strand (Send comes from any thread); it is guarded by its own mutex.
// Internal to agent/connection (AgentConnection's implementation).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/tls/client_trust.h"
#include "common/tls/maybe_tls_stream.h"

namespace rmgr::agent::connection_detail {

using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

class Session : public std::enable_shared_from_this<Session> {
 public:
  //! What Enqueue did with a frame.
  enum class Push { kQueued, kClosed, kFull };

  //! `stream` is unconnected, on `strand`; `peer` (TLS only) hears what the server presents.
  Session(const Strand& strand, tls::MaybeTlsStream stream, std::shared_ptr<tls::PeerRecord> peer,
          std::size_t max_queue_frames);

  //! Starts accepting frames, with `hello` first in the queue. Strand.
  void Open(std::string hello);
  //! Queues `frame` if the session is open and the queue has room. Any thread.
  Push Enqueue(std::string frame);
  //! Refuses frames from now on and drops the queued ones. Any thread.
  void Refuse();
  //! True while frames are accepted. Any thread.
  bool accepting() const;
  //! The next frame to write; when there is none, waits until Enqueue or
  //! Refuse wakes it and answers nullopt. Strand; one caller.
  boost::asio::awaitable<std::optional<std::string>> NextFrame();
  //! Closes the TCP socket: every pending operation fails. Strand.
  void CloseSocket();

  boost::asio::ip::tcp::resolver resolver;
  boost::beast::websocket::stream<tls::MaybeTlsStream> ws;
  const std::shared_ptr<tls::PeerRecord> peer;  // TLS: the server's certificate as seen
  boost::asio::steady_timer heartbeat;          // the next ping or the idle deadline
  std::chrono::steady_clock::time_point last_received{};
  bool received_frame = false;      // the server sent something: the failure streak is over
  bool closing = false;             // a close handshake began (only one may)
  bool ended = false;               // over; coroutines still holding it just return
  std::string end_reason;           // why, when something else than the read loop ended it
  std::size_t protocol_errors = 0;  // on this connection
  std::uint64_t pings_sent = 0;
  std::uint16_t server_close_code = 0;  // the code of the server's close frame, if it sent one
  std::string server_close_reason;

 private:
  // Called under mu_. The wake-up goes through the strand, which owns the timer.
  void WakeWriter();

  boost::asio::steady_timer wake_;  // the writer sleeps on it while the queue is empty
  const std::size_t max_queue_frames_;
  mutable std::mutex mu_;
  std::deque<std::string> queue_;  // guarded by mu_
  bool accepting_ = false;         // guarded by mu_
  bool writer_asleep_ = false;     // guarded by mu_
};

//! A one-line reason for a read that ended the session.
std::string ReadFailure(const Session& s, const boost::beast::error_code& ec, std::size_t max_frame_bytes);

}  // namespace rmgr::agent::connection_detail

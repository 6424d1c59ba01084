#pragma once
// FakeAgentClient: a test WebSocket client that plays an agent against the
// server's /agent/ws endpoint on loopback. Synchronous from the caller's point
// of view, with a deadline on every wait: it runs a private io_context on the
// calling thread only while the caller waits, and keeps one read outstanding
// so a timed-out wait never breaks the stream. The hub's protocol pings are
// answered with pongs and never returned to the caller.
// Thread safety: none; one test thread drives a client.

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <variant>
#include <functional>
#include <vector>

#include "common/protocol/envelope.h"

namespace rmgr::server::ws::testing {

//! How long any wait of the client lasts at most.
inline constexpr std::chrono::milliseconds kClientWait{10000};

class FakeAgentClient {
 public:
  //! Connects to 127.0.0.1:`port` and upgrades `target` with `Authorization: Bearer token`
  //! (no header when `token` is empty). Check Open() and HandshakeStatus().
  FakeAgentClient(std::uint16_t port, const std::string& token, const std::string& target = "/agent/ws");
  //! Closes the WebSocket (closing handshake, bounded) if it is still open.
  ~FakeAgentClient();
  FakeAgentClient(const FakeAgentClient&) = delete;
  FakeAgentClient& operator=(const FakeAgentClient&) = delete;

  //! Whether the upgrade succeeded and no read has failed since.
  bool Open() const { return upgraded_ && !read_error_; }
  //! HTTP status of the upgrade response (101 when accepted; 0 when none arrived).
  unsigned HandshakeStatus() const { return handshake_status_; }
  //! Why the stream ended (e.g. websocket::error::closed), once it has.
  boost::beast::error_code ReadError() const { return read_error_; }
  //! The close code the server sent, once the stream is closed.
  std::uint16_t CloseCode() const;

  //! Writes one frame: protocol::Encode(envelope). False when the stream is gone.
  bool Send(const protocol::Envelope& envelope);
  //! Sends `payload` with an empty envelope id.
  bool Send(protocol::Payload payload) { return Send(protocol::Envelope{"", std::move(payload)}); }

  //! The next frame other than a ping (pings are answered), or nullopt after
  //! `timeout` or once the stream ended. Undecodable frames fail the test.
  std::optional<protocol::Envelope> Next(std::chrono::milliseconds timeout = kClientWait);

  //! Reads until a frame of type T arrives and returns its payload; frames of
  //! other types read meanwhile go to Skipped(). nullopt after `timeout`.
  template <class T>
  std::optional<T> Expect(std::chrono::milliseconds timeout = kClientWait) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      auto envelope = Next(left);
      if (!envelope) return std::nullopt;
      if (auto* payload = std::get_if<T>(&envelope->payload)) return std::move(*payload);
      skipped_.push_back(std::move(*envelope));
    }
  }

  //! A barrier: sends a ping and returns every frame (but pings and the
  //! pongs) received before its pong. The hub hands one connection's frames
  //! on in order, so once the pong is back every earlier frame reached the
  //! hub's consumer. With a consumer barrier set (SetBarrier) it then waits
  //! for the consumer to have handled them and pings again, so everything the
  //! consumer sent in answer is in the result too. nullopt when a pong did
  //! not come within `timeout`.
  std::optional<std::vector<protocol::Envelope>> Sync(std::chrono::milliseconds timeout = kClientWait);

  //! Makes Sync wait for `barrier` (e.g. "the scheduling core handled what was
  //! enqueued") between its two pings.
  void SetBarrier(std::function<void()> barrier) { barrier_ = std::move(barrier); }

  //! Waits (bounded) until the server ends the stream; true when it has.
  bool WaitClosed(std::chrono::milliseconds timeout = kClientWait);

  //! Starts the closing handshake and waits for it (bounded), then drops the socket.
  void Close();

  //! Frames Expect() passed over, oldest first.
  const std::vector<protocol::Envelope>& Skipped() const { return skipped_; }

 private:
  void StartRead();
  // Runs the io_context until `done()` or the deadline; returns done().
  template <class Done>
  bool RunUntil(std::chrono::steady_clock::time_point deadline, Done&& done);

  boost::asio::io_context io_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> inbox_;  // frames read, not yet returned
  std::vector<protocol::Envelope> skipped_;
  boost::beast::error_code read_error_;
  bool upgraded_ = false;
  bool closed_ = false;  // Close() ran
  unsigned handshake_status_ = 0;
  std::function<void()> barrier_;
};

}  // namespace rmgr::server::ws::testing

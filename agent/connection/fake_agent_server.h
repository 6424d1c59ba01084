#pragma once
// FakeAgentServer (tests only): a small server on 127.0.0.1 standing in for
// restic-manager-server. It accepts the agent WebSocket at any path (or
// refuses the upgrade with a chosen status), records every frame and close
// code, answers protocol pings, and sends what the test tells it to; any
// other HTTP request gets a canned answer and is recorded (enrollment).
//
// Thread safety: the server runs on its own thread; every public method may
// be called from any thread. Recorded state is read through WaitFor and
// Snapshot, under the server's mutex.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace rmgr::agent::testing {

//! One WebSocket connection as the server saw it.
struct ServerSession {
  std::string target;                       ///< Request target of the upgrade.
  std::string authorization;                ///< The upgrade's Authorization header.
  std::vector<std::string> frames;          ///< Text frames received, in order.
  std::optional<std::uint16_t> close_code;  ///< Close code the client sent, if it sent one.
  bool ended = false;                       ///< The connection is gone.
};

//! One plain HTTP request (not an upgrade).
struct HttpRequest {
  std::string method;        ///< "POST", ...
  std::string target;        ///< "/api/v1/agent/enroll".
  std::string content_type;  ///< Content-Type header.
  std::string body;          ///< Request body.
};

//! Everything recorded so far.
struct ServerRecord {
  std::vector<ServerSession> sessions;        ///< Accepted WebSocket connections, in order.
  std::vector<std::string> refused_upgrades;  ///< Authorization headers of refused upgrades.
  std::vector<HttpRequest> http_requests;     ///< Plain requests, in order.
};

//! See the file comment.
class FakeAgentServer {
 public:
  //! Listens on 127.0.0.1 on a free port and starts serving.
  FakeAgentServer();
  //! Stops serving and joins the server thread.
  ~FakeAgentServer();
  FakeAgentServer(const FakeAgentServer&) = delete;
  FakeAgentServer& operator=(const FakeAgentServer&) = delete;

  //! "http://127.0.0.1:PORT".
  std::string url() const;

  //! Answers later upgrades with this HTTP status (0: accept them).
  void RefuseUpgrades(unsigned status);
  //! Whether protocol pings are answered with pongs (default true).
  void AnswerPings(bool answer);
  //! The answer to plain HTTP requests (default 404 with an empty body).
  void SetHttpReply(unsigned status, std::string body);

  //! Sends a text frame on session `index`.
  void SendText(std::size_t index, std::string frame);
  //! Sends a binary frame on session `index`.
  void SendBinary(std::size_t index, std::string frame);
  //! Starts the close handshake on session `index`.
  void Close(std::size_t index, boost::beast::websocket::close_code code);

  //! Waits until `done(record)` holds; false after `timeout`.
  bool WaitFor(const std::function<bool(const ServerRecord&)>& done,
               std::chrono::milliseconds timeout = std::chrono::seconds(10));
  //! A copy of the record.
  ServerRecord Snapshot() const;

 private:
  struct Connection;

  boost::asio::awaitable<void> Accept();
  boost::asio::awaitable<void> Serve(boost::asio::ip::tcp::socket socket);
  // Queues a frame on `c` and starts Flush when it is not running. Server thread.
  void Enqueue(const std::shared_ptr<Connection>& c, bool binary, std::string frame);
  boost::asio::awaitable<void> Flush(std::shared_ptr<Connection> c);
  // Runs `action` on the server thread with session `index`, if it is still connected.
  void Post(std::size_t index, std::function<void(const std::shared_ptr<Connection>&)> action);
  // Changes the record under the mutex and wakes waiters.
  void Record(const std::function<void(ServerRecord&)>& change);

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;

  mutable std::mutex mu_;
  std::condition_variable changed_;
  ServerRecord record_;                                    // guarded by mu_
  unsigned refuse_status_ = 0;                             // guarded by mu_
  bool answer_pings_ = true;                               // guarded by mu_
  unsigned http_status_ = 404;                             // guarded by mu_
  std::string http_body_;                                  // guarded by mu_
  std::map<std::size_t, std::weak_ptr<Connection>> live_;  // server thread only

  std::thread thread_;
};

}  // namespace rmgr::agent::testing

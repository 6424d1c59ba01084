#pragma once
// HttpServer: the listener and its HTTP/1.1 sessions (keep-alive, per-request
// timeouts, header and body limits, graceful stop). Requests are routed
// through a Router; the agent WebSocket upgrade will hang off the same
// sessions. Data flow: Listen -> AcceptLoop -> RunSession -> Router.
//
// Thread safety: Listen/Start on one thread before the io_context runs;
// Stop() may be called from any thread. Each session runs on its own strand,
// so any number of threads may run the io_context.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/result.h"
#include "server/http/router.h"

namespace rmgr::server::http {

//! Bounds on every connection.
struct HttpLimits {
  std::size_t header_limit = 16 * 1024;              ///< Request line + headers, bytes.
  std::size_t body_limit = 1024 * 1024;              ///< Request body, bytes (over → 413).
  std::chrono::seconds request_timeout{30};          ///< To read one request once it has begun.
  std::chrono::seconds idle_timeout{75};             ///< Keep-alive wait for the next request.
};

class HttpServer {
 public:
  //! `router` is shared read-only with every session.
  HttpServer(boost::asio::io_context& io, std::shared_ptr<const Router> router, HttpLimits limits = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  //! Binds and listens on host:port (port 0 picks a free one). Returns the bound endpoint.
  Result<boost::asio::ip::tcp::endpoint> Listen(const std::string& host, std::uint16_t port);

  //! Starts accepting. Call once, after Listen.
  void Start();

  //! Stops accepting, closes idle keep-alive connections and lets requests
  //! in flight finish; their connections close after the response. Idempotent.
  void Stop();

  //! Number of open client connections (for tests and metrics).
  std::size_t ConnectionCount() const;

 private:
  struct Session;

  boost::asio::awaitable<void> AcceptLoop();
  boost::asio::awaitable<void> RunSession(std::shared_ptr<Session> session);
  void Unregister(std::uint64_t id);

  boost::asio::io_context& io_;
  std::shared_ptr<const Router> router_;
  HttpLimits limits_;
  boost::asio::ip::tcp::acceptor acceptor_;

  std::atomic<bool> stopping_{false};  // read by sessions between requests
  mutable std::mutex mu_;              // guards sessions_ and next_id_
  std::map<std::uint64_t, std::weak_ptr<Session>> sessions_;
  std::uint64_t next_id_ = 0;
};

}  // namespace rmgr::server::http

#pragma once
// HttpServer: the listener and its HTTP/1.1 sessions (keep-alive, per-request
// timeouts, header and body limits, graceful stop). Request bodies need a
// Content-Length: a chunked one is answered 411. Requests are routed
// through a Router, except WebSocket upgrades for the one path given to
// SetUpgradeHandler, whose connections are handed over for good.
// Data flow: Listen -> AcceptLoop -> RunSession (TLS handshake when SetTls
// was given a context) -> Router | UpgradeHandler. Plain and TLS connections
// run the same session code over tls::MaybeTlsStream.
//
// Handlers run on the executor given to SetHandlerExecutor (the server gives
// them a pool of their own: a handler waiting on the store's disk never holds
// an io thread, so agent pings and other connections go on), else inline on
// the session's strand.
//
// Thread safety: Listen/Start on one thread before the io_context runs;
// Stop() may be called from any thread. Each session runs on its own strand,
// so any number of threads may run the io_context.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/result.h"
#include "common/tls/maybe_tls_stream.h"
#include "server/http/router.h"
#include "server/http/tls_context.h"
#include "server/http/trusted_proxies.h"

namespace rmgr::server::http {

//! Bounds on every connection.
struct HttpLimits {
  std::size_t header_limit = 16 * 1024;      ///< Request line + headers, bytes.
  std::size_t body_limit = 1024 * 1024;      ///< Request body, bytes (over → 413).
  std::chrono::seconds request_timeout{30};  ///< To read one request once it has begun.
  std::chrono::seconds idle_timeout{75};     ///< Keep-alive wait for the next request.
  TrustedProxies trusted_proxies{};          ///< Whose X-Forwarded-For names the client (none: the peer is).
};

//! One answered request, as metrics see it.
struct RequestRecord {
  beast_http::verb method = beast_http::verb::unknown;  ///< Request method.
  std::string_view route;  ///< The router's pattern, or one of Router's labels ("(unmatched)", ...).
  unsigned status = 0;     ///< Status sent; 101-like takeovers (event streams) count as 200.
  std::chrono::steady_clock::duration elapsed{};  ///< From the request read to its response written.
};

//! Hears of every routed request once it is answered (metrics implement it).
//! Called on the session's strand, from any io thread, concurrently: it must
//! be thread safe and quick (no I/O).
class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  //! One request answered (or handed over, for a takeover).
  virtual void OnRequest(const RequestRecord& record) = 0;
};

class HttpServer {
 public:
  //! Takes over an upgrade: called on the connection's strand with the stream
  //! (timeout cleared), the fully read request and the peer IP address; must
  //! not block. Bytes sent after the request are not passed on (an RFC 6455
  //! client sends none before the server's 101).
  using UpgradeHandler =
      std::function<void(tls::MaybeTlsStream stream, Request request, std::string remote_address)>;

  //! `router` is shared read-only with every session.
  HttpServer(boost::asio::io_context& io, std::shared_ptr<const Router> router, HttpLimits limits = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  //! Binds and listens on host:port (port 0 picks a free one). Returns the bound endpoint.
  Result<boost::asio::ip::tcp::endpoint> Listen(const std::string& host, std::uint16_t port);

  //! Hands WebSocket upgrade requests for exactly `path` (query ignored) to
  //! `handler`, which then owns the connection: Stop() no longer closes it and
  //! ConnectionCount() no longer counts it. Call before Start.
  void SetUpgradeHandler(std::string path, UpgradeHandler handler);

  //! Runs route handlers (and the fallback) on `executor` instead of the
  //! session's strand; the session resumes on its strand with the outcome.
  //! Call before Start.
  void SetHandlerExecutor(boost::asio::any_io_executor executor);

  //! Tells `observer` of every routed request (not of WebSocket upgrades or
  //! requests that could not be read). Not owned; must outlive the server's
  //! sessions. Call before Start.
  void SetRequestObserver(RequestObserver* observer);

  //! Serves every connection over TLS with the context current at its accept
  //! (HSTS and `Secure` cookies on its responses). Call before Start.
  void SetTls(std::shared_ptr<const TlsContext> tls);

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
  boost::asio::awaitable<Outcome> Route(const Request& request, const std::string& remote,
                                        std::string_view* matched) const;
  void Unregister(std::uint64_t id);

  boost::asio::io_context& io_;
  std::shared_ptr<const Router> router_;
  HttpLimits limits_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::string upgrade_path_;                                      // set before Start, then read-only
  UpgradeHandler upgrade_handler_;                                // set before Start, then read-only
  std::optional<boost::asio::any_io_executor> handler_executor_;  // set before Start, then read-only
  RequestObserver* observer_ = nullptr;                           // set before Start, then read-only
  std::shared_ptr<const TlsContext> tls_;                         // set before Start, then read-only

  std::atomic<bool> stopping_{false};  // read by sessions between requests
  mutable std::mutex mu_;              // guards sessions_ and next_id_
  std::map<std::uint64_t, std::weak_ptr<Session>> sessions_;
  std::uint64_t next_id_ = 0;
};

}  // namespace rmgr::server::http

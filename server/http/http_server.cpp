#include "server/http/http_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <tuple>
#include <vector>

#include "common/util/log.h"

namespace rmgr::server::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// Expected ends of a connection: not worth more than a debug line.
bool IsQuietClose(const boost::system::error_code& ec) {
  return ec == beast_http::error::end_of_stream || ec == beast_http::error::partial_message ||
         ec == asio::error::operation_aborted || ec == beast::error::timeout ||
         ec == asio::error::connection_reset || ec == asio::error::eof || ec == asio::error::bad_descriptor ||
         ec == asio::error::broken_pipe || ec == asio::ssl::error::stream_truncated;
}
// The response for a request that could not be read, with the limits it broke.
Response ReadErrorResponse(const boost::system::error_code& ec, const HttpLimits& limits) {
  if (ec == beast_http::error::header_limit) {
    return ErrorResponse(Status::request_header_fields_too_large, "too_large",
                         "request headers exceed " + std::to_string(limits.header_limit) + " bytes");
  }
  if (ec == beast_http::error::body_limit) {
    return ErrorResponse(Status::payload_too_large, "too_large",
                         "request body exceeds " + std::to_string(limits.body_limit) + " bytes");
  }
  return ErrorResponse(Status::bad_request, "malformed", "malformed HTTP request: " + ec.message());
}

// Waits on the session's strand for a deferred response. The Reply posts
// the response to the strand and wakes the wait (a timer that never expires
// on its own is cancelled). The first call wins; a Reply dropped uncalled
// answers 500, so the connection is never left waiting.
asio::awaitable<Response> AwaitDeferred(Deferred deferred) {
  struct Waiter {
    explicit Waiter(const asio::any_io_executor& executor) : strand(executor), wake(executor) {}
    asio::any_io_executor strand;
    asio::steady_timer wake;
    std::optional<Response> response;  // touched on the strand only
  };
  struct Once {
    explicit Once(std::shared_ptr<Waiter> w) : waiter(std::move(w)) {}
    Once(const Once&) = delete;
    Once& operator=(const Once&) = delete;
    ~Once() {
      if (!done.exchange(true))
        Deliver(ErrorResponse(Status::internal_server_error, "internal", "internal error"));
    }
    void Complete(Response response) {
      if (!done.exchange(true)) Deliver(std::move(response));
    }
    void Deliver(Response response) {
      asio::post(waiter->strand, [w = waiter, r = std::move(response)]() mutable {
        w->response = std::move(r);
        w->wake.cancel();
      });
    }
    std::shared_ptr<Waiter> waiter;
    std::atomic<bool> done{false};
  };

  auto waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
  waiter->wake.expires_at(asio::steady_timer::time_point::max());
  {
    auto once = std::make_shared<Once>(waiter);
    deferred.start([once](Response response) { once->Complete(std::move(response)); });
  }
  while (!waiter->response) {
    co_await waiter->wake.async_wait(kUseTuple);  // cancelled by Deliver
  }
  co_return std::move(*waiter->response);
}

// Over TLS: HSTS, and every cookie `Secure`, so a browser never sends the
// session over plain HTTP. One place for all responses (handlers do not know
// the transport).
void MarkTls(beast_http::fields& response) {
  response.set(beast_http::field::strict_transport_security, "max-age=31536000");
  std::vector<std::string> cookies;
  const auto [first, last] = response.equal_range(beast_http::field::set_cookie);
  for (auto it = first; it != last; ++it) cookies.emplace_back(it->value());
  if (cookies.empty()) return;
  response.erase(beast_http::field::set_cookie);
  for (auto& cookie : cookies) {
    if (cookie.find("; Secure") == std::string::npos) cookie += "; Secure";
    response.insert(beast_http::field::set_cookie, cookie);
  }
}

// What every response gets: the request's HTTP version, keep-alive unless
// stopping, the server's name, nosniff, and over TLS MarkTls.
template <class Body>
void Decorate(beast_http::response<Body>& response, const Request& request, bool tls, bool stopping) {
  response.version(request.version());
  response.keep_alive(request.keep_alive() && !stopping);
  response.set(beast_http::field::server, "restic-manager");
  response.set("X-Content-Type-Options", "nosniff");
  if (tls) MarkTls(response);
}

// The target without its query string.
std::string_view PathOf(std::string_view target) {
  return target.substr(0, target.find('?'));
}
}  // namespace

struct HttpServer::Session {
  Session(tcp::socket socket, std::shared_ptr<asio::ssl::context> tls)
      : executor(socket.get_executor()),
        stream(tls ? tls::MaybeTlsStream(beast::tcp_stream(std::move(socket)), std::move(tls))
                   : tls::MaybeTlsStream(beast::tcp_stream(std::move(socket)))) {}
  // A copy of the stream's strand: Stop() may post to it while an upgrade moves the stream away.
  const asio::any_io_executor executor;
  tls::MaybeTlsStream stream;
  std::uint64_t id = 0;
  bool idle = true;  // waiting for a request's first byte (never once upgraded); only touched on the strand
};

HttpServer::HttpServer(asio::io_context& io, std::shared_ptr<const Router> router, HttpLimits limits)
    : io_(io), router_(std::move(router)), limits_(limits), acceptor_(asio::make_strand(io)) {}

HttpServer::~HttpServer() = default;

Result<tcp::endpoint> HttpServer::Listen(const std::string& host, std::uint16_t port) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return MakeError(ErrorCode::kInvalidArgument, "not an IP address: " + host, "listen");
  const tcp::endpoint endpoint{address, port};
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message(), "listen");
  }
  return acceptor_.local_endpoint();
}

void HttpServer::Start() {
  asio::co_spawn(acceptor_.get_executor(), AcceptLoop(), [](const std::exception_ptr& e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      Logger("http")->critical("accept loop died: {}", ex.what());
    }
  });
}

void HttpServer::Stop() {
  std::map<std::uint64_t, std::weak_ptr<Session>> sessions;
  {
    std::lock_guard lock(mu_);
    if (stopping_.exchange(true)) return;
    sessions = sessions_;
  }
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
  for (auto& [id, weak] : sessions) {
    auto session = weak.lock();
    if (!session) continue;
    asio::post(session->executor, [session] {
      if (session->idle) session->stream.Tcp().socket().close();
    });
  }
}

void HttpServer::SetHandlerExecutor(asio::any_io_executor executor) {
  handler_executor_ = std::move(executor);
}

asio::awaitable<Outcome> HttpServer::Route(const Request& request, const std::string& remote,
                                           std::string_view* matched) const {
  if (!handler_executor_) co_return router_->Dispatch(request, remote, matched);
  // The caller waits, so the references outlive the handler; the session
  // resumes on its own strand.
  co_return co_await asio::co_spawn(
      *handler_executor_,
      [&]() -> asio::awaitable<Outcome> { co_return router_->Dispatch(request, remote, matched); },
      asio::use_awaitable);
}

void HttpServer::SetTls(std::shared_ptr<const TlsContext> tls) {
  tls_ = std::move(tls);
}

void HttpServer::SetRequestObserver(RequestObserver* observer) {
  observer_ = observer;
}

void HttpServer::SetUpgradeHandler(std::string path, UpgradeHandler handler) {
  upgrade_path_ = std::move(path);
  upgrade_handler_ = std::move(handler);
}

std::size_t HttpServer::ConnectionCount() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

void HttpServer::Unregister(std::uint64_t id) {
  std::lock_guard lock(mu_);
  sessions_.erase(id);
}

asio::awaitable<void> HttpServer::AcceptLoop() {
  auto log = Logger("http");
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(io_), kUseTuple);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) {
      log->warn("accept failed: {}", ec.message());
      continue;
    }
    auto session = std::make_shared<Session>(std::move(socket), tls_ ? tls_->Current() : nullptr);
    {
      std::lock_guard lock(mu_);
      if (stopping_) co_return;  // Stop() raced this accept
      session->id = next_id_++;
      sessions_[session->id] = session;
    }
    asio::co_spawn(session->executor, RunSession(session), [](const std::exception_ptr& e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        Logger("http")->error("session ended by exception: {}", ex.what());
      }
    });
  }
}

asio::awaitable<void> HttpServer::RunSession(std::shared_ptr<Session> session) {
  auto log = Logger("http");
  auto& stream = session->stream;
  auto& tcp_layer = stream.Tcp();
  boost::system::error_code ec;
  const auto peer = tcp_layer.socket().remote_endpoint(ec);
  const std::string remote = ec ? std::string("unknown") : peer.address().to_string();
  beast::flat_buffer buffer;

  if (auto* tls_layer = stream.Tls()) {
    // A client that connects and says nothing is bounded like a slow request.
    tcp_layer.expires_after(limits_.request_timeout);
    auto [handshake_ec] = co_await tls_layer->async_handshake(asio::ssl::stream_base::server, kUseTuple);
    if (handshake_ec) {
      // A refused certificate or a plain-HTTP client: the peer's business, not an error here.
      log->debug("TLS handshake with {} failed: {}", remote, handshake_ec.message());
      tcp_layer.socket().close(ec);
      Unregister(session->id);
      co_return;
    }
  }

  for (;;) {
    if (stopping_) break;
    beast_http::request_parser<beast_http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits_.header_limit));
    parser.body_limit(limits_.body_limit);

    session->idle = buffer.size() == 0;
    tcp_layer.expires_after(limits_.idle_timeout);
    auto [header_ec, header_bytes] =
        co_await beast_http::async_read_header(stream, buffer, parser, kUseTuple);
    session->idle = false;
    if (header_ec) {
      if (IsQuietClose(header_ec)) break;
      auto res = ReadErrorResponse(header_ec, limits_);
      res.keep_alive(false);
      tcp_layer.expires_after(limits_.request_timeout);
      co_await beast_http::async_write(stream, res, kUseTuple);
      break;
    }

    tcp_layer.expires_after(limits_.request_timeout);
    if (parser.chunked()) {
      // Our clients always send Content-Length, and Boost 1.81's chunk parser
      // asserts when a final chunk arrives in pieces (boostorg/beast#2861,
      // fixed in 1.86): a debug build would abort. RFC 9112 allows a 411.
      auto res = ErrorResponse(Status::length_required, "length_required",
                               "a request body needs a Content-Length (chunked is not accepted)");
      res.keep_alive(false);
      co_await beast_http::async_write(stream, res, kUseTuple);
      break;
    }
    auto [body_ec, body_bytes] = co_await beast_http::async_read(stream, buffer, parser, kUseTuple);
    if (body_ec) {
      if (IsQuietClose(body_ec)) break;
      auto res = ReadErrorResponse(body_ec, limits_);
      res.keep_alive(false);
      co_await beast_http::async_write(stream, res, kUseTuple);
      break;
    }

    Request request = parser.release();
    // Behind trusted reverse proxies the client is who they say (rate limits, audit).
    const std::string client = limits_.trusted_proxies.ClientAddress(remote, request["X-Forwarded-For"]);
    if (upgrade_handler_ && beast::websocket::is_upgrade(request) &&
        PathOf(request.target()) == upgrade_path_) {
      tcp_layer.expires_never();
      Unregister(session->id);
      upgrade_handler_(std::move(stream), std::move(request), client);
      co_return;
    }
    const auto began = std::chrono::steady_clock::now();
    std::string_view route = Router::kUnmatchedRoute;
    Outcome outcome = co_await Route(request, client, &route);
    const auto observe = [&](unsigned status) {
      if (observer_ == nullptr) return;
      observer_->OnRequest(
          RequestRecord{request.method(), route, status, std::chrono::steady_clock::now() - began});
    };
    if (auto* takeover = std::get_if<Takeover>(&outcome)) {
      observe(200);
      tcp_layer.expires_never();
      Unregister(session->id);
      takeover->take(std::move(stream), std::move(request));
      co_return;
    }
    if (auto* file = std::get_if<FileResponse>(&outcome)) {
      Decorate(*file, request, stream.IsTls(), stopping_);
      file->prepare_payload();  // Content-Length: the file's size
      // A piece at a time: the file is never held in memory, each read is a
      // small one, and a client that stops reading is cut after request_timeout.
      beast_http::response_serializer<beast_http::file_body> serializer{*file};
      beast::error_code write_ec;
      if (request.method() == beast_http::verb::head) {
        std::tie(write_ec, std::ignore) =
            co_await beast_http::async_write_header(stream, serializer, kUseTuple);
      } else {
        while (!write_ec && !serializer.is_done()) {
          tcp_layer.expires_after(limits_.request_timeout);
          std::tie(write_ec, std::ignore) =
              co_await beast_http::async_write_some(stream, serializer, kUseTuple);
        }
      }
      observe(file->result_int());
      if (write_ec) {
        if (!IsQuietClose(write_ec)) log->debug("write to {} failed: {}", remote, write_ec.message());
        break;
      }
      if (!file->keep_alive()) break;
      continue;
    }
    Response response;
    if (auto* deferred = std::get_if<Deferred>(&outcome)) {
      tcp_layer.expires_never();  // the deferred side bounds its own wait
      response = co_await AwaitDeferred(std::move(*deferred));
      tcp_layer.expires_after(limits_.request_timeout);
    } else {
      response = std::move(std::get<Response>(outcome));
    }
    Decorate(response, request, stream.IsTls(), stopping_);
    if (request.method() == beast_http::verb::head) {
      // The length a GET would get; no body. A handler that answered a HEAD
      // with an empty body has set Content-Length itself.
      if (response.find(beast_http::field::content_length) == response.end()) response.prepare_payload();
      response.body().clear();
    } else {
      response.prepare_payload();
    }
    auto [write_ec, written] = co_await beast_http::async_write(stream, response, kUseTuple);
    observe(response.result_int());
    if (write_ec) {
      if (!IsQuietClose(write_ec)) log->debug("write to {} failed: {}", remote, write_ec.message());
      break;
    }
    if (!response.keep_alive()) break;
  }
  if (auto* tls_layer = stream.Tls()) {
    // close_notify, so the client can tell a complete response from a cut one.
    tcp_layer.expires_after(std::chrono::seconds(2));
    co_await tls_layer->async_shutdown(kUseTuple);
  }
  tcp_layer.socket().shutdown(tcp::socket::shutdown_send, ec);
  tcp_layer.socket().close(ec);
  Unregister(session->id);
}

}  // namespace rmgr::server::http

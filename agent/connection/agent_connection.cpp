#include "agent/connection/agent_connection.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <cmath>
#include <exception>
#include <mutex>
#include <optional>
#include <random>
#include <utility>

#include "agent/connection/connection_session.h"
#include "agent/connection/server_url.h"
#include "common/protocol/close_codes.h"
#include "common/util/log.h"

namespace rmgr::agent {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

using connection_detail::ReadFailure;
using connection_detail::Session;
using connection_detail::Strand;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
// The server's WebSocket endpoint, under the URL's path prefix.
constexpr std::string_view kAgentPath = "/agent/ws";
// initial * 2^62 is past any sensible maximum; the exponent stops growing there.
constexpr int kMaxBackoffExponent = 62;
// RunSession's answer when Stop() interrupted it.
constexpr std::string_view kStopped = "stopped";

std::shared_ptr<spdlog::logger> Log() {
  return Logger("connection");
}

// Completion of a co_spawn'ed coroutine: an exception escaping it is a bug.
auto LogEscape(std::string_view what) {
  return [what](const std::exception_ptr& e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      Log()->critical("{} ended by an exception: {}", what, ex.what());
    }
  };
}

}  // namespace

std::chrono::milliseconds BackoffDelay(int attempt, const ConnectionOptions& options, double random01) {
  const int exponent = std::clamp(attempt, 0, kMaxBackoffExponent);
  const double grown = std::ldexp(static_cast<double>(options.backoff_initial.count()), exponent);
  const double capped = std::min(grown, static_cast<double>(options.backoff_max.count()));
  // [0,1) even when the source is sloppy (a NaN fails both comparisons and becomes 0).
  const double unit = random01 >= 0.0 && random01 < 1.0 ? random01 : 0.0;
  const double jittered = capped * (0.5 + 0.5 * unit);
  return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(std::max(0.0, jittered)));
}

class AgentConnection::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, ConnectionOptions options, ConnectionHandler& handler)
      : strand_(asio::make_strand(io)),
        options_(std::move(options)),
        handler_(handler),
        backoff_timer_(strand_) {
    if (!options_.random) {
      options_.random = [rng = std::mt19937_64(std::random_device{}())]() mutable {
        return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
      };
    }
  }

  Result<void> Start();
  bool Send(const protocol::Envelope& envelope);
  bool IsOpen() const;
  void Stop();
  void AcceptNextFingerprint(std::string fingerprint);

  std::atomic<std::uint64_t> connects{0};
  std::atomic<std::uint64_t> protocol_errors{0};
  std::atomic<std::uint64_t> reconnect_attempts{0};
  std::atomic<bool> refused{false};

 private:
  // The coroutines take `self` so that the connection outlives them, even
  // past ~AgentConnection (they end soon after Stop()).
  asio::awaitable<void> Run(std::shared_ptr<Impl> self);
  asio::awaitable<std::string> RunSession(std::shared_ptr<Session> s);
  asio::awaitable<std::string> Connect(Session& s);
  std::shared_ptr<Session> NewSession();
  tls::ClientTrust CurrentTrust() const;
  void PinnedVerified(const std::string& fingerprint);
  asio::awaitable<std::string> ReadLoop(std::shared_ptr<Session> s);
  asio::awaitable<void> WriteLoop(std::shared_ptr<Impl> self, std::shared_ptr<Session> s);
  asio::awaitable<void> Heartbeat(std::shared_ptr<Impl> self, std::shared_ptr<Session> s);

  std::string UpgradeDeclined(unsigned status);
  bool Open(Session& s);
  void Dispatch(Session& s, protocol::Envelope envelope);
  bool CountProtocolError(Session& s, const Error& error);
  bool Queue(Session& s, const protocol::Envelope& envelope);
  void BeginClose(const std::shared_ptr<Session>& s, websocket::close_code code);
  void EndSession(Session& s);
  void NotifyClosed(std::string_view reason);
  void Refused(const Session& s);
  static bool IsFinalCloseCode(std::uint16_t code) {
    return code == protocol::kCloseHostDeleted || code == protocol::kCloseDuplicateInstall;
  }
  void Abort();
  void SetSession(std::shared_ptr<Session> s);
  std::shared_ptr<Session> CurrentSession() const;

  const Strand strand_;
  mutable std::mutex trust_mu_;  // guards options_.trust (AcceptNextFingerprint comes from any thread)
  ConnectionOptions options_;
  ConnectionHandler& handler_;
  ServerUrl url_;       // set by Start before the loop runs
  std::string target_;  // url_.path + kAgentPath

  std::atomic<bool> started_{false};
  std::atomic<bool> stopped_{false};  // set under handler_mu_: no handler call starts after it

  // Serialises handler calls with Stop(). Recursive so that a handler may call Stop().
  std::recursive_mutex handler_mu_;
  bool handler_open_ = false;  // guarded by handler_mu_: OnOpen made, its OnClosed not yet

  mutable std::mutex session_mu_;
  std::shared_ptr<Session> session_;  // guarded by session_mu_: the current attempt, for Send and Stop

  // Strand only.
  asio::steady_timer backoff_timer_;
  bool auth_refusal_logged_ = false;  // per streak of refused upgrades
  std::string last_tls_refusal_;      // the last certificate refusal logged as an error
};

Result<void> AgentConnection::Impl::Start() {
  auto url = ParseServerUrl(options_.server_url);
  if (!url) return url.error();
  if (options_.token.empty())
    return MakeError(ErrorCode::kInvalidArgument, "the host token is empty", "token");
  if (options_.ping_interval.count() <= 0 || options_.idle_timeout.count() <= 0 ||
      options_.connect_timeout.count() <= 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "ping_interval, idle_timeout and connect_timeout must be positive");
  }
  if (options_.max_queue_frames == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "max_queue_frames must be at least 1 (the hello)");
  }
  if (stopped_) return MakeError(ErrorCode::kConflict, "the connection was stopped");
  if (started_.exchange(true)) return MakeError(ErrorCode::kConflict, "the connection is already started");
  url_ = std::move(*url);
  target_ = url_.path + std::string(kAgentPath);
  asio::co_spawn(strand_, Run(shared_from_this()), LogEscape("the connection loop"));
  return Ok();
}

bool AgentConnection::Impl::Send(const protocol::Envelope& envelope) {
  const auto s = CurrentSession();
  return s != nullptr && Queue(*s, envelope);
}

bool AgentConnection::Impl::IsOpen() const {
  const auto s = CurrentSession();
  return s != nullptr && s->accepting();
}

void AgentConnection::Impl::Stop() {
  {
    std::scoped_lock lock(handler_mu_);  // waits out a handler call on another thread
    if (stopped_.exchange(true)) return;
    if (handler_open_) {
      handler_open_ = false;
      handler_.OnClosed(kStopped);
    }
  }
  if (auto s = CurrentSession()) s->Refuse();  // Send is false from now on
  asio::post(strand_, [self = shared_from_this()] { self->Abort(); });
}

asio::awaitable<void> AgentConnection::Impl::Run(std::shared_ptr<Impl> /*self*/) {
  int failures = 0;  // consecutive attempts that got nothing from the server
  while (!stopped_) {
    auto session = NewSession();
    SetSession(session);
    const std::string reason = co_await RunSession(session);
    EndSession(*session);
    NotifyClosed(reason);
    SetSession(nullptr);
    if (stopped_) break;
    if (IsFinalCloseCode(session->server_close_code)) {
      Refused(*session);
      break;
    }
    if (session->received_frame) failures = 0;
    const auto delay = BackoffDelay(failures, options_, options_.random());
    // The first failure of a streak says what is wrong; retries that follow only add noise.
    Log()->log(failures == 0 ? spdlog::level::info : spdlog::level::debug, "{}; reconnecting in {} ms",
               reason, delay.count());
    failures = std::min(failures + 1, kMaxBackoffExponent);
    ++reconnect_attempts;
    // Abort() runs on this strand, so either it ran already or it will cancel this wait.
    if (stopped_) break;
    backoff_timer_.expires_after(delay);
    co_await backoff_timer_.async_wait(kUseTuple);
  }
}

asio::awaitable<std::string> AgentConnection::Impl::RunSession(std::shared_ptr<Session> s) {
  if (std::string failure = co_await Connect(*s); !failure.empty()) co_return failure;
  if (!Open(*s)) co_return std::string(kStopped);
  asio::co_spawn(strand_, WriteLoop(shared_from_this(), s), LogEscape("the connection's writer"));
  asio::co_spawn(strand_, Heartbeat(shared_from_this(), s), LogEscape("the connection's heartbeat"));
  co_return co_await ReadLoop(s);
}

// A session for the next attempt: plain, or TLS with a fresh context that
// verifies as options_.trust says (a context per attempt is cheap, and a
// changed pin applies from the next attempt on).
std::shared_ptr<Session> AgentConnection::Impl::NewSession() {
  beast::tcp_stream socket(strand_);
  if (!url_.tls()) {
    return std::make_shared<Session>(strand_, tls::MaybeTlsStream(std::move(socket)), nullptr,
                                     options_.max_queue_frames);
  }
  auto peer = std::make_shared<tls::PeerRecord>();
  auto context = tls::MakeClientContext(CurrentTrust(), url_.host, peer);
  if (!context) {
    // Only a broken CA store gets here; the handshake then fails and says so.
    Log()->error("TLS: {}", context.error().Describe());
    context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    (*context)->set_verify_mode(asio::ssl::verify_peer);
  }
  return std::make_shared<Session>(strand_, tls::MaybeTlsStream(std::move(socket), std::move(*context)),
                                   std::move(peer), options_.max_queue_frames);
}

tls::ClientTrust AgentConnection::Impl::CurrentTrust() const {
  std::scoped_lock lock(trust_mu_);
  return options_.trust;
}

void AgentConnection::Impl::AcceptNextFingerprint(std::string fingerprint) {
  std::scoped_lock lock(trust_mu_);
  auto& pins = options_.trust.pins;
  if (pins.empty() || std::find(pins.begin(), pins.end(), fingerprint) != pins.end()) return;
  pins.resize(1);  // the current pin and at most one announced next
  pins.push_back(std::move(fingerprint));
}

// A handshake verified by the announced next pin: the server has rotated, so
// that pin alone is trusted from now on, and the app records it.
void AgentConnection::Impl::PinnedVerified(const std::string& fingerprint) {
  {
    std::scoped_lock lock(trust_mu_);
    auto& pins = options_.trust.pins;
    if (pins.size() < 2 || pins.front() == fingerprint) return;
    pins = {fingerprint};
  }
  Log()->info("the server now presents its announced next certificate {}; pinned it", fingerprint);
  std::scoped_lock lock(handler_mu_);
  if (!stopped_) handler_.OnPinRotated(fingerprint);
}

// Resolves, connects and upgrades: "" once the WebSocket is open, else why not.
asio::awaitable<std::string> AgentConnection::Impl::Connect(Session& s) {
  const auto deadline = SteadyClock::now() + options_.connect_timeout;
  auto& stream = s.ws.next_layer().Tcp();

  if (stopped_) co_return std::string(kStopped);
  auto [resolve_ec, endpoints] = co_await s.resolver.async_resolve(url_.host, url_.port, kUseTuple);
  if (stopped_) co_return std::string(kStopped);
  if (resolve_ec) co_return fmt::format("cannot resolve {}: {}", url_.host, resolve_ec.message());

  stream.expires_at(deadline);
  auto [connect_ec, endpoint] = co_await stream.async_connect(endpoints, kUseTuple);
  if (stopped_) co_return std::string(kStopped);
  if (connect_ec) co_return fmt::format("cannot connect to {}: {}", url_.authority, connect_ec.message());

  if (auto* tls_layer = s.ws.next_layer().Tls()) {
    tls::SetServerName(*tls_layer, url_.host);
    auto [tls_ec] = co_await tls_layer->async_handshake(asio::ssl::stream_base::client, kUseTuple);
    if (stopped_) co_return std::string(kStopped);
    if (tls_ec) {
      std::string refusal = tls::DescribeRefusal(CurrentTrust(), *s.peer, tls_ec.message());
      // A refused certificate needs a person, unlike a server that is down: an
      // error, once per distinct refusal (retries would repeat it every minute).
      if (!s.peer->fingerprint.empty() && refusal != last_tls_refusal_) Log()->error("{}", refusal);
      last_tls_refusal_ = refusal;
      co_return refusal;
    }
    last_tls_refusal_.clear();
    PinnedVerified(s.peer->fingerprint);
  }

  // From here on the WebSocket's own timer bounds the opening and closing handshakes.
  stream.expires_never();
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout =
      std::max<SteadyClock::duration>(deadline - SteadyClock::now(), std::chrono::milliseconds(1));
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;  // the protocol's ping envelopes are the liveness check
  s.ws.set_option(timeouts);
  s.ws.set_option(
      websocket::stream_base::decorator([authorization = "Bearer " + options_.token.Reveal(),
                                         user_agent = options_.user_agent](websocket::request_type& request) {
        request.set(beast::http::field::authorization, authorization);
        request.set(beast::http::field::user_agent, user_agent);
      }));
  s.ws.read_message_max(options_.limits.max_frame_bytes);
  s.ws.text(true);

  websocket::response_type response;
  auto [handshake_ec] = co_await s.ws.async_handshake(response, url_.authority, target_, kUseTuple);
  if (stopped_) co_return std::string(kStopped);
  if (handshake_ec == websocket::error::upgrade_declined) co_return UpgradeDeclined(response.result_int());
  if (handshake_ec) {
    co_return fmt::format("WebSocket handshake with {} failed: {}", url_.authority, handshake_ec.message());
  }
  // The close handshake gets the whole connect_timeout, whatever the opening one used.
  timeouts.handshake_timeout = options_.connect_timeout;
  s.ws.set_option(timeouts);
  ++connects;
  auth_refusal_logged_ = false;
  s.last_received = SteadyClock::now();
  Log()->info("connected to {}{}", url_.authority, target_);
  co_return std::string();
}

std::string AgentConnection::Impl::UpgradeDeclined(unsigned status) {
  if (status == 401 || status == 403) {
    if (!auth_refusal_logged_) {
      Log()->error(
          "the server refused this host's token (HTTP {}): re-enroll with restic-manager-agent enroll",
          status);
      auth_refusal_logged_ = true;
    }
    return fmt::format("the server refused this host's token (HTTP {})", status);
  }
  return fmt::format("the server declined the WebSocket upgrade (HTTP {})", status);
}

// Queues the hello and lets the app send; false when Stop() came first.
bool AgentConnection::Impl::Open(Session& s) {
  std::scoped_lock lock(handler_mu_);
  if (stopped_) return false;
  s.Open(protocol::Encode(protocol::Envelope{"", handler_.MakeHello()}));
  handler_open_ = true;
  handler_.OnOpen();
  return true;
}

asio::awaitable<std::string> AgentConnection::Impl::ReadLoop(std::shared_ptr<Session> s) {
  beast::flat_buffer buffer;
  for (;;) {
    buffer.clear();
    auto [ec, bytes] = co_await s->ws.async_read(buffer, kUseTuple);
    if (ec) {
      if (ec == websocket::error::closed) {
        s->server_close_code = s->ws.reason().code;
        s->server_close_reason = std::string(s->ws.reason().reason.data(), s->ws.reason().reason.size());
      }
      co_return s->end_reason.empty() ? ReadFailure(*s, ec, options_.limits.max_frame_bytes) : s->end_reason;
    }
    s->last_received = SteadyClock::now();
    s->received_frame = true;
    if (s->closing) continue;  // what the server says before it answers our close no longer matters

    Result<protocol::Envelope> decoded =
        s->ws.got_text() ? protocol::Decode(std::string_view(static_cast<const char*>(buffer.data().data()),
                                                             buffer.size()),
                                            options_.limits)
                         : MakeError(ErrorCode::kWrongType, "binary frame; the protocol uses text frames");
    if (decoded) {
      Dispatch(*s, std::move(*decoded));
    } else if (CountProtocolError(*s, decoded.error())) {
      s->end_reason = fmt::format("{} undecodable frames from the server", s->protocol_errors);
      BeginClose(s, websocket::close_code::policy_error);  // the next read ends when the server answers
    }
  }
}

void AgentConnection::Impl::Dispatch(Session& s, protocol::Envelope envelope) {
  if (const auto* ping = std::get_if<protocol::Ping>(&envelope.payload)) {
    Queue(s, protocol::Envelope{"", protocol::Pong{ping->nonce, Clock::now()}});
    return;
  }
  // A pong only proves the server is alive, which any frame does.
  if (std::holds_alternative<protocol::Pong>(envelope.payload)) return;
  std::scoped_lock lock(handler_mu_);
  if (stopped_) return;
  handler_.OnMessage(std::move(envelope));
}

// Logs and counts an undecodable frame; true once this connection has had too many.
bool AgentConnection::Impl::CountProtocolError(Session& s, const Error& error) {
  ++protocol_errors;
  ++s.protocol_errors;
  // Never the frame itself: a command.run carries repository secrets.
  Log()->warn("undecodable frame from the server ({} of {} tolerated): {}", s.protocol_errors,
              options_.max_protocol_errors, error.Describe());
  return s.protocol_errors >= options_.max_protocol_errors;
}

bool AgentConnection::Impl::Queue(Session& s, const protocol::Envelope& envelope) {
  switch (s.Enqueue(protocol::Encode(envelope))) {
    case Session::Push::kQueued:
      return true;
    case Session::Push::kClosed:
      return false;
    case Session::Push::kFull:
      Log()->warn("write queue full ({} frames): dropped a {} frame", options_.max_queue_frames,
                  protocol::TypeName(envelope.payload));
      return false;
  }
  return false;
}

asio::awaitable<void> AgentConnection::Impl::WriteLoop(std::shared_ptr<Impl> /*self*/,
                                                       std::shared_ptr<Session> s) {
  for (;;) {
    std::optional<std::string> frame = co_await s->NextFrame();
    if (s->ended || s->closing) co_return;
    if (!frame) continue;
    auto [ec, bytes] = co_await s->ws.async_write(asio::buffer(*frame), kUseTuple);
    if (s->ended || s->closing) co_return;
    if (ec) {
      s->end_reason = "cannot write to the server: " + ec.message();
      s->CloseSocket();  // ends the read loop
      co_return;
    }
  }
}

asio::awaitable<void> AgentConnection::Impl::Heartbeat(std::shared_ptr<Impl> /*self*/,
                                                       std::shared_ptr<Session> s) {
  auto next_ping = SteadyClock::now() + options_.ping_interval;
  for (;;) {
    s->heartbeat.expires_at(std::min(next_ping, s->last_received + options_.idle_timeout));
    co_await s->heartbeat.async_wait(kUseTuple);
    if (s->ended || s->closing) co_return;
    const auto now = SteadyClock::now();
    if (now >= s->last_received + options_.idle_timeout) {
      s->end_reason =
          fmt::format("nothing received from the server for {} ms", options_.idle_timeout.count());
      s->CloseSocket();  // ends the read loop
      co_return;
    }
    if (now >= next_ping) {
      Queue(*s, protocol::Envelope{"", protocol::Ping{std::to_string(++s->pings_sent), Clock::now()}});
      next_ping = now + options_.ping_interval;
    }
  }
}

// Starts the close handshake (or, before the upgrade, drops the socket); the
// pending read ends once the server answers or the handshake times out.
void AgentConnection::Impl::BeginClose(const std::shared_ptr<Session>& s, websocket::close_code code) {
  if (s->closing || s->ended) return;
  s->closing = true;
  s->Refuse();
  if (!s->ws.is_open()) {
    s->resolver.cancel();
    s->CloseSocket();
    return;
  }
  s->ws.async_close(code, [s](const beast::error_code& ec) {
    if (ec) s->CloseSocket();
  });
}

// Idempotent: after it no coroutine does anything more with the session.
void AgentConnection::Impl::EndSession(Session& s) {
  s.ended = true;
  s.Refuse();
  s.heartbeat.cancel();
  s.resolver.cancel();
  s.CloseSocket();
}

void AgentConnection::Impl::NotifyClosed(std::string_view reason) {
  std::scoped_lock lock(handler_mu_);
  if (!handler_open_) return;  // Stop() told the handler already
  handler_open_ = false;
  handler_.OnClosed(reason);
}

// The server said "do not come back": the loop ends, as after Stop(), and the handler hears why.
void AgentConnection::Impl::Refused(const Session& s) {
  std::scoped_lock lock(handler_mu_);
  if (stopped_.exchange(true)) return;  // Stop() came first
  refused = true;
  Log()->error("the server closed the connection with {}: {}; not reconnecting", s.server_close_code,
               protocol::CloseCodeMeaning(s.server_close_code));
  handler_.OnRefused(s.server_close_code, s.server_close_reason);
}

// Stop()'s work on the strand: no more waiting, a polite goodbye.
void AgentConnection::Impl::Abort() {
  backoff_timer_.cancel();
  if (auto s = CurrentSession()) BeginClose(s, websocket::close_code::normal);
}

void AgentConnection::Impl::SetSession(std::shared_ptr<Session> s) {
  std::scoped_lock lock(session_mu_);
  session_ = std::move(s);
}

std::shared_ptr<Session> AgentConnection::Impl::CurrentSession() const {
  std::scoped_lock lock(session_mu_);
  return session_;
}

AgentConnection::AgentConnection(asio::io_context& io, ConnectionOptions options, ConnectionHandler& handler)
    : impl_(std::make_shared<Impl>(io, std::move(options), handler)) {}

AgentConnection::~AgentConnection() {
  Stop();
}

Result<void> AgentConnection::Start() {
  return impl_->Start();
}

bool AgentConnection::Send(const protocol::Envelope& envelope) {
  return impl_->Send(envelope);
}

bool AgentConnection::IsOpen() const {
  return impl_->IsOpen();
}

void AgentConnection::Stop() {
  impl_->Stop();
}

void AgentConnection::AcceptNextFingerprint(std::string fingerprint) {
  impl_->AcceptNextFingerprint(std::move(fingerprint));
}

std::uint64_t AgentConnection::connects() const {
  return impl_->connects.load();
}

std::uint64_t AgentConnection::protocol_errors() const {
  return impl_->protocol_errors.load();
}

std::uint64_t AgentConnection::reconnect_attempts() const {
  return impl_->reconnect_attempts.load();
}

bool AgentConnection::refused() const {
  return impl_->refused.load();
}

}  // namespace rmgr::agent

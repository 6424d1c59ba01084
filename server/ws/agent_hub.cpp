#include "server/ws/agent_hub.h"

#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <utility>
#include <variant>

#include "common/protocol/close_codes.h"
#include "common/util/log.h"
#include "common/util/ulid.h"
#include "server/http/bearer_token.h"

namespace rmgr::server::ws {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::io_context::executor_type>;

namespace {
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kLog = "agents";
// Close code for a connection a newer one of the same host replaced (4000-4999: private use, RFC 6455 7.4.2).
constexpr auto kReplacedCloseCode = static_cast<websocket::close_code>(4000);
// A read buffer grown past this by one large frame is given back afterwards,
// so thousands of idle agents do not each hold their largest frame's memory.
constexpr std::size_t kKeptReadBufferBytes = 64 * 1024;

// co_spawn completion for every connection coroutine: an escaped exception is logged, never lost.
constexpr auto kLogEscaped = [](const std::exception_ptr& e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    Logger(std::string(kLog))->error("agent connection ended by exception: {}", ex.what());
  }
};

// Moves an accepted connection onto `strand`. Beast runs the websocket timers
// on the socket's executor, so it must be the connection's strand; the HTTP
// layer may have accepted it on another. On failure the stream comes back
// closed, and the first write on it fails like any dropped connection.
beast::tcp_stream MoveToStrand(beast::tcp_stream stream, const Strand& strand) {
  tcp::socket accepted = stream.release_socket();
  tcp::socket moved(strand);
  boost::system::error_code ec;
  const auto protocol = accepted.local_endpoint(ec).protocol();
  if (ec) return beast::tcp_stream(std::move(moved));
  const auto native = accepted.release(ec);
  if (ec) return beast::tcp_stream(std::move(moved));
  moved.assign(protocol, native, ec);
  if (ec) ::close(native);
  return beast::tcp_stream(std::move(moved));
}

// The strand a connection runs on: the one the HTTP layer accepted it on
// when that is a strand (HttpServer gives each connection its own), so a TLS
// session, which cannot change executors, stays where its handshake ran.
Strand StrandFor(tls::MaybeTlsStream& stream, asio::io_context& io) {
  const auto executor = stream.get_executor();  // target() points into it: keep it alive
  if (const auto* strand = executor.target<Strand>()) return *strand;
  return asio::make_strand(io);
}

// `stream` on `strand`: as it is when it already runs there, else its socket moved over (plain only).
tls::MaybeTlsStream OnStrand(tls::MaybeTlsStream stream, const Strand& strand) {
  const auto executor = stream.get_executor();  // target() points into it: keep it alive
  const auto* current = executor.target<Strand>();
  if ((current != nullptr && *current == strand) || stream.IsTls()) return stream;
  return tls::MaybeTlsStream(MoveToStrand(std::move(stream.Tcp()), strand));
}

// A frame as an envelope; a binary frame is a protocol error like a bad one.
Result<protocol::Envelope> DecodeFrame(const beast::flat_buffer& buffer, bool is_text,
                                       const protocol::DecodeLimits& limits) {
  if (!is_text) return MakeError(ErrorCode::kMalformed, "binary frame; the protocol uses text frames");
  return protocol::Decode(std::string_view(static_cast<const char*>(buffer.data().data()), buffer.size()),
                          limits);
}
}  // namespace

// One agent's WebSocket. Its coroutines (Run with the read loop, PingLoop,
// WriteLoop) and everything touching ws_ run on strand_; Enqueue and Close may
// be called from any thread.
class AgentHub::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::io_context& io, std::shared_ptr<State> state, tls::MaybeTlsStream stream,
             std::string remote_address)
      : state_(std::move(state)),
        strand_(StrandFor(stream, io)),
        ws_(OnStrand(std::move(stream), strand_)),
        ping_timer_(strand_),
        remote_(std::move(remote_address)) {}

  // Serves the connection from its upgrade request to its end.
  void Start(http::Request request) {
    asio::co_spawn(strand_, Run(shared_from_this(), std::move(request)), kLogEscaped);
  }

  // Queues a frame; false once closing or when the queue overflowed (then the
  // connection is dropped as a slow consumer).
  bool Enqueue(std::string frame);
  // Encodes and queues an envelope, counting it by type when queued.
  bool EnqueueEnvelope(const protocol::Envelope& envelope);

  // Starts the closing handshake with `reason`; a no-op once closing. The hub
  // has already forgotten the connection.
  void Close(websocket::close_reason reason);

 private:
  asio::awaitable<void> Run(std::shared_ptr<Connection> self, http::Request request);
  Result<AgentIdentity> Admit(const http::Request& request) const;
  asio::awaitable<void> Refuse(const Error& error, unsigned http_version);
  asio::awaitable<bool> Upgrade(const http::Request& request);
  asio::awaitable<void> ReadLoop();
  void Dispatch(protocol::Envelope envelope);
  std::size_t NoteProtocolError(std::string_view what);
  void NoteReadEnd(const boost::system::error_code& ec);
  // These two take `self` only to keep the connection alive while they run.
  asio::awaitable<void> PingLoop(std::shared_ptr<Connection> self);
  asio::awaitable<void> WriteLoop(std::shared_ptr<Connection> self);
  std::optional<std::string> NextFrame();
  bool FrameWritten(std::size_t bytes, const boost::system::error_code& ec);
  void DropSlowConsumer();
  // Refuses further frames; true if it was still accepting them.
  bool StopAccepting();

  const std::shared_ptr<State> state_;
  const Strand strand_;
  websocket::stream<tls::MaybeTlsStream> ws_;
  asio::steady_timer ping_timer_;
  const std::string remote_;
  AgentIdentity who_;                // set before registration, then read-only
  std::uint64_t id_ = 0;             // set at registration; strand only
  std::size_t protocol_errors_ = 0;  // strand only

  std::mutex mu_;  // guards the write queue below (Enqueue runs on any thread)
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;  // queue_ plus the frame being written
  bool writing_ = false;          // a WriteLoop is running
  bool open_ = false;             // registered and not closing: frames are accepted
};

// What the hub and its connections share; outlives the hub while connections wind down.
struct AgentHub::State {
  State(AgentAuthenticator authenticator, HubOptions hub_options)
      : authenticate(std::move(authenticator)), options(std::move(hub_options)) {}

  // Makes `connection` its host's live connection and returns its id, closing
  // the one it replaces; nullopt once the hub is stopping.
  std::optional<std::uint64_t> Register(const std::shared_ptr<Connection>& connection,
                                        const std::string& host_id);
  // Forgets the host's live connection if it is still `id`.
  void Forget(std::string_view host_id, std::uint64_t id);
  // The host's live connection (only if its id is `id`, when given).
  std::shared_ptr<Connection> Find(std::string_view host_id, std::optional<std::uint64_t> id = {}) const;
  // Calls `call` with the events, if set; an escaped exception is logged, so
  // a faulty handler cannot skip a connection's OnAgentDisconnected.
  template <class Call>
  void Notify(Call&& call);

  const AgentAuthenticator authenticate;
  const HubOptions options;
  std::atomic<AgentEvents*> events{nullptr};
  std::atomic<std::uint64_t> protocol_errors{0};
  std::atomic<std::uint64_t> slow_consumers{0};
  std::atomic<std::uint64_t> replaced{0};
  static constexpr std::size_t kTypes = std::variant_size_v<protocol::Payload>;
  std::array<std::atomic<std::uint64_t>, kTypes> frames_received{};  // by Payload alternative
  std::array<std::atomic<std::uint64_t>, kTypes> frames_sent{};      // by Payload alternative
  std::atomic<std::uint64_t> opened{0};
  std::atomic<std::uint64_t> closed{0};

  struct Entry {
    std::uint64_t id = 0;
    std::weak_ptr<Connection> connection;
  };
  mutable std::mutex mu;                           // guards the members below
  std::map<std::string, Entry, std::less<>> live;  // by host id
  std::uint64_t next_id = 1;
  bool stopping = false;
};

// ---------------------------------------------------------------- State

std::optional<std::uint64_t> AgentHub::State::Register(const std::shared_ptr<Connection>& connection,
                                                       const std::string& host_id) {
  std::shared_ptr<Connection> previous;
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mu);
    if (stopping) return std::nullopt;
    id = next_id++;
    auto& entry = live[host_id];
    previous = entry.connection.lock();
    entry = Entry{id, connection};
  }
  if (previous) {
    ++replaced;
    previous->Close(websocket::close_reason(kReplacedCloseCode, "replaced by a newer connection"));
  }
  return id;
}

void AgentHub::State::Forget(std::string_view host_id, std::uint64_t id) {
  std::lock_guard lock(mu);
  auto it = live.find(host_id);
  if (it != live.end() && it->second.id == id) live.erase(it);
}

std::shared_ptr<AgentHub::Connection> AgentHub::State::Find(std::string_view host_id,
                                                            std::optional<std::uint64_t> id) const {
  std::lock_guard lock(mu);
  auto it = live.find(host_id);
  if (it == live.end() || (id && it->second.id != *id)) return nullptr;
  return it->second.connection.lock();
}

template <class Call>
void AgentHub::State::Notify(Call&& call) {
  AgentEvents* target = events.load();
  if (target == nullptr) return;
  try {
    call(*target);
  } catch (const std::exception& e) {
    Logger(std::string(kLog))->error("agent event handler threw: {}", e.what());
  }
}

// ---------------------------------------------------------------- Connection: lifecycle

asio::awaitable<void> AgentHub::Connection::Run(std::shared_ptr<Connection> self, http::Request request) {
  auto log = Logger(std::string(kLog));
  auto identity = Admit(request);
  if (!identity) {
    co_await Refuse(identity.error(), request.version());
    co_return;
  }
  who_ = std::move(identity).value();
  const bool upgraded = co_await Upgrade(request);
  if (!upgraded) co_return;

  {
    std::lock_guard lock(mu_);
    open_ = true;  // before registering, so a Send right after it is not refused
  }
  const auto id = state_->Register(self, who_.host_id);
  if (!id) {
    co_await ws_.async_close(websocket::close_code::going_away, kUseTuple);
    co_return;
  }
  id_ = *id;
  ++state_->opened;
  log->info("host {} ({}) connected from {} as connection {}", who_.host_id, who_.host_name, remote_, id_);
  state_->Notify([&](AgentEvents& events) { events.OnAgentConnected(who_, id_, remote_); });
  asio::co_spawn(strand_, PingLoop(self), kLogEscaped);

  co_await ReadLoop();

  ++state_->closed;
  StopAccepting();
  state_->Forget(who_.host_id, id_);
  ping_timer_.cancel();
  ws_.next_layer().Tcp().close();  // gone for good before anyone hears it is
  log->info("host {} disconnected (connection {})", who_.host_id, id_);
  state_->Notify([&](AgentEvents& events) { events.OnAgentDisconnected(who_, id_); });
}

Result<AgentIdentity> AgentHub::Connection::Admit(const http::Request& request) const {
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopping) return MakeError(ErrorCode::kUnavailable, "the server is shutting down");
  }
  const auto token = http::BearerToken(request[beast::http::field::authorization]);
  if (token.empty()) return MakeError(ErrorCode::kUnauthenticated, "missing bearer token");
  return state_->authenticate(token);
}

asio::awaitable<void> AgentHub::Connection::Refuse(const Error& error, unsigned http_version) {
  Logger(std::string(kLog))->info("refused agent connection from {}: {}", remote_, error.Describe());
  auto response = http::ErrorResponse(error);
  response.version(http_version);
  response.keep_alive(false);
  response.set(beast::http::field::server, "restic-manager");
  if (error.code == ErrorCode::kUnauthenticated) response.set(beast::http::field::www_authenticate, "Bearer");
  response.prepare_payload();
  auto& stream = ws_.next_layer();
  stream.Tcp().expires_after(state_->options.handshake_timeout);
  co_await beast::http::async_write(stream, response, kUseTuple);
  boost::system::error_code ignored;
  stream.Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.Tcp().close();
}

asio::awaitable<bool> AgentHub::Connection::Upgrade(const http::Request& request) {
  const auto& options = state_->options;
  // Liveness is the protocol's ping, so Beast only enforces the deadlines.
  ws_.set_option(websocket::stream_base::timeout{.handshake_timeout = options.handshake_timeout,
                                                 .idle_timeout = options.idle_timeout,
                                                 .keep_alive_pings = false});
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
    response.set(beast::http::field::server, "restic-manager");
  }));
  ws_.text(true);
  ws_.read_message_max(options.limits.max_frame_bytes);
  auto [ec] = co_await ws_.async_accept(request, kUseTuple);
  if (ec) {
    Logger(std::string(kLog))->info("websocket handshake with {} failed: {}", remote_, ec.message());
    co_return false;
  }
  co_return true;
}

void AgentHub::Connection::Close(websocket::close_reason reason) {
  asio::post(strand_, [self = shared_from_this(), reason = std::move(reason)] {
    if (!self->StopAccepting()) return;
    self->ws_.async_close(reason, [self](const boost::system::error_code& ec) {
      if (ec) Logger(std::string(kLog))->debug("closing connection {}: {}", self->id_, ec.message());
    });
  });
}

bool AgentHub::Connection::StopAccepting() {
  std::lock_guard lock(mu_);
  return std::exchange(open_, false);
}

// ---------------------------------------------------------------- Connection: reading

asio::awaitable<void> AgentHub::Connection::ReadLoop() {
  beast::flat_buffer buffer;
  for (;;) {
    auto [ec, bytes] = co_await ws_.async_read(buffer, kUseTuple);
    if (ec) {
      NoteReadEnd(ec);
      co_return;
    }
    auto envelope = DecodeFrame(buffer, ws_.got_text(), state_->options.limits);
    buffer.clear();
    if (buffer.capacity() > kKeptReadBufferBytes) buffer.shrink_to_fit();
    if (envelope) {
      ++state_->frames_received[envelope->payload.index()];
      Dispatch(std::move(envelope).value());
      continue;
    }
    if (NoteProtocolError(envelope.error().Describe()) < state_->options.max_protocol_errors) continue;

    Logger(std::string(kLog))
        ->warn("closing connection {} of host {}: too many protocol errors", id_, who_.host_id);
    StopAccepting();
    state_->Forget(who_.host_id, id_);
    co_await ws_.async_close(
        websocket::close_reason(websocket::close_code::policy_error, "too many protocol errors"), kUseTuple);
    co_return;
  }
}

void AgentHub::Connection::Dispatch(protocol::Envelope envelope) {
  if (const auto* ping = std::get_if<protocol::Ping>(&envelope.payload)) {
    EnqueueEnvelope(
        {.id = envelope.id, .payload = protocol::Pong{.nonce = ping->nonce, .sent_at = Clock::now()}});
    return;
  }
  // A pong needs no answer: that it arrived already reset the idle deadline.
  if (std::holds_alternative<protocol::Pong>(envelope.payload)) return;
  state_->Notify([&](AgentEvents& events) { events.OnAgentMessage(who_, id_, std::move(envelope)); });
}

std::size_t AgentHub::Connection::NoteProtocolError(std::string_view what) {
  ++state_->protocol_errors;
  // `what` is a decode error or a Beast error: never frame bytes, which may hold secrets.
  Logger(std::string(kLog))->warn("protocol error from host {} (connection {}): {}", who_.host_id, id_, what);
  return ++protocol_errors_;
}

void AgentHub::Connection::NoteReadEnd(const boost::system::error_code& ec) {
  // Beast has already failed the connection (1009 for a frame over the limit, 1002 otherwise).
  if (ec == websocket::error::message_too_big || ec == websocket::condition::protocol_violation) {
    NoteProtocolError(ec.message());
    return;
  }
  auto log = Logger(std::string(kLog));
  if (ec == beast::error::timeout) {
    log->info("connection {} of host {} timed out", id_, who_.host_id);
    return;
  }
  log->debug("connection {} of host {} ended: {}", id_, who_.host_id, ec.message());
}

// ---------------------------------------------------------------- Connection: writing

asio::awaitable<void> AgentHub::Connection::PingLoop(std::shared_ptr<Connection> /*self*/) {
  for (;;) {
    ping_timer_.expires_after(state_->options.ping_interval);
    auto [ec] = co_await ping_timer_.async_wait(kUseTuple);
    if (ec) co_return;
    const protocol::Envelope ping{.payload = protocol::Ping{.nonce = NewUlid(), .sent_at = Clock::now()}};
    if (!EnqueueEnvelope(ping)) co_return;
  }
}

bool AgentHub::Connection::Enqueue(std::string frame) {
  const auto& options = state_->options;
  bool overflow = false;
  bool start_writer = false;
  {
    std::lock_guard lock(mu_);
    if (!open_) return false;
    overflow =
        queue_.size() >= options.max_queue_frames || queued_bytes_ + frame.size() > options.max_queue_bytes;
    if (overflow) {
      open_ = false;
    } else {
      queued_bytes_ += frame.size();
      queue_.push_back(std::move(frame));
      start_writer = !std::exchange(writing_, true);
    }
  }
  if (overflow) {
    DropSlowConsumer();
    return false;
  }
  if (start_writer) asio::co_spawn(strand_, WriteLoop(shared_from_this()), kLogEscaped);
  return true;
}

bool AgentHub::Connection::EnqueueEnvelope(const protocol::Envelope& envelope) {
  if (!Enqueue(protocol::Encode(envelope))) return false;
  ++state_->frames_sent[envelope.payload.index()];
  return true;
}

asio::awaitable<void> AgentHub::Connection::WriteLoop(std::shared_ptr<Connection> /*self*/) {
  while (auto frame = NextFrame()) {
    auto [ec, written] = co_await ws_.async_write(asio::buffer(*frame), kUseTuple);
    if (!FrameWritten(frame->size(), ec)) co_return;
  }
}

std::optional<std::string> AgentHub::Connection::NextFrame() {
  std::lock_guard lock(mu_);
  if (queue_.empty() || !open_) {
    queue_.clear();
    queued_bytes_ = 0;
    writing_ = false;
    return std::nullopt;
  }
  auto frame = std::move(queue_.front());
  queue_.pop_front();
  return frame;
}

bool AgentHub::Connection::FrameWritten(std::size_t bytes, const boost::system::error_code& ec) {
  // The read side sees the same failure (or the closing handshake) and ends the connection.
  if (ec) Logger(std::string(kLog))->debug("write to connection {} failed: {}", id_, ec.message());
  std::lock_guard lock(mu_);
  queued_bytes_ -= bytes;
  if (!ec) return true;
  open_ = false;
  queue_.clear();
  queued_bytes_ = 0;
  writing_ = false;
  return false;
}

void AgentHub::Connection::DropSlowConsumer() {
  ++state_->slow_consumers;
  asio::post(strand_, [self = shared_from_this()] {
    Logger(std::string(kLog))
        ->warn("slow consumer: dropping connection {} of host {}", self->id_, self->who_.host_id);
    self->state_->Forget(self->who_.host_id, self->id_);
    self->ws_.next_layer().Tcp().close();
  });
}

// ---------------------------------------------------------------- AgentHub

AgentHub::AgentHub(asio::io_context& io, AgentAuthenticator authenticate, HubOptions options)
    : io_(io), state_(std::make_shared<State>(std::move(authenticate), std::move(options))) {}

AgentHub::~AgentHub() {
  Stop();
  state_->events = nullptr;
}

void AgentHub::SetEvents(AgentEvents* events) {
  state_->events = events;
}

void AgentHub::Accept(tls::MaybeTlsStream stream, http::Request request, std::string remote_address) {
  std::make_shared<Connection>(io_, state_, std::move(stream), std::move(remote_address))
      ->Start(std::move(request));
}

bool AgentHub::Connected(std::string_view host_id) const {
  return ConnectionOf(host_id).has_value();
}

std::optional<std::uint64_t> AgentHub::ConnectionOf(std::string_view host_id) const {
  std::lock_guard lock(state_->mu);
  auto it = state_->live.find(host_id);
  if (it == state_->live.end()) return std::nullopt;
  return it->second.id;
}

bool AgentHub::Send(std::string_view host_id, const protocol::Envelope& envelope) {
  auto connection = state_->Find(host_id);
  return connection && connection->EnqueueEnvelope(envelope);
}

bool AgentHub::SendOn(std::string_view host_id, std::uint64_t connection_id,
                      const protocol::Envelope& envelope) {
  auto connection = state_->Find(host_id, connection_id);
  return connection && connection->EnqueueEnvelope(envelope);
}

bool AgentHub::Send(const std::string& host_id, std::uint64_t connection_id, protocol::Payload payload) {
  return SendOn(host_id, connection_id, protocol::Envelope{"", std::move(payload)});
}

void AgentHub::Close(const std::string& host_id, std::uint64_t connection_id, std::uint16_t code) {
  if (auto connection = state_->Find(host_id, connection_id)) {
    connection->Close(websocket::close_reason(static_cast<websocket::close_code>(code),
                                              std::string(protocol::CloseCodeMeaning(code))));
  }
}

std::size_t AgentHub::ConnectionCount() const {
  std::lock_guard lock(state_->mu);
  return state_->live.size();
}

std::vector<std::string> AgentHub::ConnectedHosts() const {
  std::lock_guard lock(state_->mu);
  std::vector<std::string> hosts;
  hosts.reserve(state_->live.size());
  for (const auto& [host_id, entry] : state_->live) hosts.push_back(host_id);
  return hosts;
}

void AgentHub::Stop() {
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::lock_guard lock(state_->mu);
    if (std::exchange(state_->stopping, true)) return;
    for (const auto& [host_id, entry] : state_->live) {
      if (auto connection = entry.connection.lock()) live.push_back(std::move(connection));
    }
    state_->live.clear();
  }
  for (const auto& connection : live)
    connection->Close(websocket::close_reason(websocket::close_code::going_away));
}

std::uint64_t AgentHub::ProtocolErrors() const {
  return state_->protocol_errors;
}

std::uint64_t AgentHub::SlowConsumersDropped() const {
  return state_->slow_consumers;
}

std::uint64_t AgentHub::ConnectionsReplaced() const {
  return state_->replaced;
}

HubCounters AgentHub::Counters() const {
  HubCounters counters;
  const auto names = protocol::TypeNames();
  for (std::size_t i = 0; i < State::kTypes; ++i) {
    counters.frames_received.emplace_back(names[i], state_->frames_received[i].load());
    counters.frames_sent.emplace_back(names[i], state_->frames_sent[i].load());
  }
  counters.connections_opened = state_->opened;
  counters.connections_closed = state_->closed;
  counters.protocol_errors = state_->protocol_errors;
  counters.slow_consumers_dropped = state_->slow_consumers;
  counters.connections_replaced = state_->replaced;
  return counters;
}

}  // namespace rmgr::server::ws

#include "server/ws/agent_hub.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

#include "common/util/ulid.h"
#include "server/http/http_server.h"

namespace rmgr::server::ws {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Client = websocket::stream<tcp::socket>;

constexpr auto kWait = std::chrono::seconds(10);

// Tokens "token-1" and "token-2" belong to host-1 and host-2; anything else is unknown.
Result<AgentIdentity> Authenticate(std::string_view token) {
  if (token == "token-1") return AgentIdentity{"host-1", "one"};
  if (token == "token-2") return AgentIdentity{"host-2", "two"};
  return MakeError(ErrorCode::kUnauthenticated, "unknown agent token");
}

// One AgentEvents call, as recorded.
struct Event {
  enum class Kind { kConnected, kMessage, kDisconnected };
  Kind kind;
  std::string host_id;
  std::uint64_t connection_id = 0;
  protocol::Envelope envelope{};  // kMessage only
};

// Records every event; tests wait on it instead of sleeping.
class RecordingEvents : public AgentEvents {
 public:
  void OnAgentConnected(const AgentIdentity& who, std::uint64_t connection_id, const std::string&) override {
    Record({Event::Kind::kConnected, who.host_id, connection_id});
  }
  void OnAgentMessage(const AgentIdentity& who, std::uint64_t connection_id,
                      protocol::Envelope envelope) override {
    Record({Event::Kind::kMessage, who.host_id, connection_id, std::move(envelope)});
  }
  void OnAgentDisconnected(const AgentIdentity& who, std::uint64_t connection_id) override {
    Record({Event::Kind::kDisconnected, who.host_id, connection_id});
  }

  //! Waits until `count` events of `kind` were recorded; false after kWait.
  bool WaitFor(Event::Kind kind, std::size_t count) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kWait, [&] { return CountLocked(kind) >= count; });
  }

  std::size_t Count(Event::Kind kind) const {
    std::lock_guard lock(mu_);
    return CountLocked(kind);
  }

  std::vector<Event> Snapshot() const {
    std::lock_guard lock(mu_);
    return events_;
  }

  //! Id of the `n`-th (0-based) connected event.
  std::uint64_t ConnectedId(std::size_t n) const {
    std::lock_guard lock(mu_);
    for (const auto& event : events_) {
      if (event.kind == Event::Kind::kConnected && n-- == 0) return event.connection_id;
    }
    return 0;
  }

 private:
  void Record(Event event) {
    {
      std::lock_guard lock(mu_);
      events_.push_back(std::move(event));
    }
    cv_.notify_all();
  }
  std::size_t CountLocked(Event::Kind kind) const {
    return static_cast<std::size_t>(
        std::count_if(events_.begin(), events_.end(), [&](const Event& e) { return e.kind == kind; }));
  }

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Event> events_;
};

protocol::Envelope HelloEnvelope() {
  protocol::Hello hello;
  hello.agent_version = "0.1.0";
  hello.restic_version = "0.16.4";
  hello.hostname = "one.example.com";
  hello.os = "linux";
  hello.arch = "amd64";
  hello.applied_schedule_version = 3;
  return protocol::Envelope{.id = NewUlid(), .payload = hello};
}

protocol::Envelope PingEnvelope(std::string nonce) {
  return protocol::Envelope{.payload = protocol::Ping{.nonce = std::move(nonce), .sent_at = Clock::now()}};
}

// A frame of about `bytes` bytes that the agent could receive.
protocol::Envelope LargeEnvelope(std::size_t bytes) {
  protocol::JobLog log{.job_id = NewUlid()};
  for (std::size_t size = 0; size < bytes; size += 16000) {
    log.lines.push_back(protocol::LogLine{.text = std::string(16000, 'x'), .at = Clock::now()});
  }
  return protocol::Envelope{.payload = std::move(log)};
}

// A real HttpServer on 127.0.0.1 whose /agent/ws upgrades go to the hub,
// with the io_context on two threads, and synchronous WebSocket clients.
class AgentHubTest : public ::testing::Test {
 protected:
  void Start(HubOptions options = {}) {
    hub_ = std::make_unique<AgentHub>(io_, Authenticate, options);
    hub_->SetEvents(&events_);
    server_ = std::make_unique<http::HttpServer>(io_, std::make_shared<http::Router>());
    server_->SetUpgradeHandler("/agent/ws",
                               [this](tls::MaybeTlsStream stream, http::Request request, std::string remote) {
                                 hub_->Accept(std::move(stream), std::move(request), std::move(remote));
                               });
    auto endpoint = server_->Listen("127.0.0.1", 0);
    ASSERT_TRUE(endpoint.ok()) << endpoint.error().Describe();
    endpoint_ = *endpoint;
    server_->Start();
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  void TearDown() override { Drain(); }

  // Stops server and hub and waits until the io_context ran out of work:
  // every connection has ended and every event has fired.
  void Drain() {
    if (server_) server_->Stop();
    if (hub_) hub_->Stop();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
  }

  // Opens a WebSocket to `target` with `token` (none when empty); the
  // handshake's error and HTTP response are returned through the out-params.
  std::unique_ptr<Client> Open(const std::string& token, beast::error_code& ec,
                               websocket::response_type* response = nullptr,
                               const std::string& target = "/agent/ws") {
    auto client = std::make_unique<Client>(client_io_);
    client->next_layer().connect(endpoint_);
    client->set_option(websocket::stream_base::decorator([token](websocket::request_type& request) {
      if (!token.empty()) request.set(beast::http::field::authorization, "Bearer " + token);
    }));
    websocket::response_type ignored;
    client->handshake(response ? *response : ignored, "127.0.0.1", target, ec);
    return client;
  }

  // A connected client whose connected event has been seen.
  std::unique_ptr<Client> Connect(const std::string& token) {
    const auto connected = events_.Count(Event::Kind::kConnected);
    beast::error_code ec;
    auto client = Open(token, ec);
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_TRUE(events_.WaitFor(Event::Kind::kConnected, connected + 1));
    client->text(true);
    return client;
  }

  static void Write(Client& client, const protocol::Envelope& envelope) {
    client.write(asio::buffer(protocol::Encode(envelope)));
  }

  // The next frame the client receives, decoded; the hub's own pings are skipped unless `keep_pings`.
  static protocol::Envelope Read(Client& client, bool keep_pings = false) {
    for (;;) {
      beast::flat_buffer buffer;
      client.read(buffer);
      auto envelope = protocol::Decode(beast::buffers_to_string(buffer.data()));
      EXPECT_TRUE(envelope.ok()) << envelope.error().Describe();
      if (!envelope) return {};
      if (keep_pings || !std::holds_alternative<protocol::Ping>(envelope->payload))
        return std::move(envelope).value();
    }
  }

  // Reads until the hub closes the connection; returns the read error (and
  // leaves the close code in client.reason()).
  static beast::error_code ReadUntilClosed(Client& client) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    while (!ec) {
      client.read(buffer, ec);
      buffer.clear();
    }
    return ec;
  }

  // Whether the connection still answers: a ping comes back as a pong with its nonce.
  static bool Answers(Client& client) {
    Write(client, PingEnvelope("still-there"));
    auto answer = Read(client);
    const auto* pong = std::get_if<protocol::Pong>(&answer.payload);
    return pong != nullptr && pong->nonce == "still-there";
  }

  static std::string ErrorCodeOf(const websocket::response_type& response) {
    return boost::json::value_to<std::string>(boost::json::parse(response.body()).at("error").at("code"));
  }

  asio::io_context io_;
  asio::io_context client_io_;
  RecordingEvents events_;
  std::unique_ptr<AgentHub> hub_;
  std::unique_ptr<http::HttpServer> server_;
  std::vector<std::thread> threads_;
  tcp::endpoint endpoint_;
};

TEST_F(AgentHubTest, MissingOrUnknownTokenIs401WithoutEvents) {
  Start();
  for (const std::string token : {"", "token-unknown"}) {
    beast::error_code ec;
    websocket::response_type response;
    auto client = Open(token, ec, &response);
    EXPECT_EQ(ec, websocket::error::upgrade_declined) << "token '" << token << "'";
    EXPECT_EQ(response.result(), http::Status::unauthorized);
    EXPECT_EQ(ErrorCodeOf(response), "unauthenticated");
    EXPECT_EQ(response[beast::http::field::www_authenticate], "Bearer");
  }
  // Events are ordered per connection, not across them: a later good
  // connection's event being the first one recorded shows the refused ones had none.
  auto client = Connect("token-1");
  const auto events = events_.Snapshot();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Event::Kind::kConnected);
  EXPECT_EQ(hub_->ConnectionCount(), 1u);
}

TEST_F(AgentHubTest, HelloArrivesAsAMessageOfTheConnection) {
  Start();
  auto client = Connect("token-1");
  EXPECT_TRUE(hub_->Connected("host-1"));
  EXPECT_EQ(hub_->ConnectedHosts(), std::vector<std::string>{"host-1"});
  const auto hello = HelloEnvelope();
  Write(*client, hello);
  ASSERT_TRUE(events_.WaitFor(Event::Kind::kMessage, 1));

  const auto events = events_.Snapshot();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, Event::Kind::kConnected);
  EXPECT_EQ(events[1].host_id, "host-1");
  EXPECT_EQ(events[1].connection_id, events[0].connection_id);
  EXPECT_EQ(events[1].envelope, hello);
  EXPECT_EQ(hub_->ConnectionOf("host-1"), events[0].connection_id);
}

TEST_F(AgentHubTest, SendReachesTheClientAndSendOnAStaleConnectionIsRefused) {
  Start();
  auto client = Connect("token-1");
  const auto id = events_.ConnectedId(0);
  const protocol::Envelope ok{
      .id = NewUlid(), .payload = protocol::HelloOk{.host_id = NewUlid(), .server_time = Clock::now()}};
  EXPECT_TRUE(hub_->Send("host-1", ok));
  EXPECT_EQ(Read(*client).id, ok.id);
  EXPECT_TRUE(hub_->SendOn("host-1", id, ok));
  EXPECT_EQ(Read(*client).id, ok.id);

  EXPECT_FALSE(hub_->SendOn("host-1", id + 1, ok));
  EXPECT_FALSE(hub_->Send("host-2", ok)) << "host-2 is not connected";
  EXPECT_FALSE(hub_->Connected("host-2"));
  EXPECT_FALSE(hub_->ConnectionOf("host-2").has_value());
}

TEST_F(AgentHubTest, ASecondConnectionOfTheSameHostReplacesTheFirst) {
  Start();
  auto first = Connect("token-1");
  auto second = Connect("token-1");
  const auto first_id = events_.ConnectedId(0);
  const auto second_id = events_.ConnectedId(1);
  EXPECT_LT(first_id, second_id);
  EXPECT_EQ(hub_->ConnectionOf("host-1"), second_id) << "the newest connection is live at once";

  EXPECT_EQ(ReadUntilClosed(*first), websocket::error::closed);
  EXPECT_EQ(first->reason().code, 4000);
  EXPECT_EQ(first->reason().reason, "replaced by a newer connection");
  ASSERT_TRUE(events_.WaitFor(Event::Kind::kDisconnected, 1));

  // The old connection's disconnect may come before or after the new one's
  // connect: consumers tell them apart by connection id.
  const auto events = events_.Snapshot();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kind, Event::Kind::kConnected);
  EXPECT_EQ(events[0].connection_id, first_id);
  const auto disconnected = std::find_if(events.begin(), events.end(),
                                         [](const Event& e) { return e.kind == Event::Kind::kDisconnected; });
  EXPECT_EQ(disconnected->connection_id, first_id);

  EXPECT_TRUE(hub_->Connected("host-1"));
  EXPECT_EQ(hub_->ConnectionCount(), 1u);
  EXPECT_EQ(hub_->ConnectionsReplaced(), 1u);
  EXPECT_FALSE(hub_->SendOn("host-1", first_id, PingEnvelope("x")));
  const protocol::Envelope cancel{.payload = protocol::CommandCancel{.job_id = NewUlid()}};
  EXPECT_TRUE(hub_->Send("host-1", cancel));
  EXPECT_EQ(Read(*second), cancel);
}

TEST_F(AgentHubTest, BadFramesAreCountedUntilTheLimitThenClosedWith1008) {
  Start();  // max_protocol_errors = 5
  auto client = Connect("token-1");
  std::string unknown_field = protocol::Encode(HelloEnvelope());
  const std::string payload_key = "\"payload\":{";
  unknown_field.insert(unknown_field.find(payload_key) + payload_key.size(), "\"bogus\":1,");

  client->write(asio::buffer(std::string("{not json")));
  client->write(asio::buffer(std::string(R"({"type":"no.such.type","id":"","payload":{}})")));
  client->write(asio::buffer(unknown_field));
  client->write(asio::buffer(std::string("[]")));
  EXPECT_TRUE(Answers(*client)) << "four errors: still open";
  EXPECT_EQ(hub_->ProtocolErrors(), 4u);
  EXPECT_TRUE(hub_->Connected("host-1"));

  client->write(asio::buffer(std::string("{not json either")));
  EXPECT_EQ(ReadUntilClosed(*client), websocket::error::closed);
  EXPECT_EQ(client->reason().code, websocket::close_code::policy_error);
  ASSERT_TRUE(events_.WaitFor(Event::Kind::kDisconnected, 1));
  EXPECT_EQ(hub_->ProtocolErrors(), 5u);
  EXPECT_EQ(events_.Count(Event::Kind::kMessage), 0u);
  EXPECT_FALSE(hub_->Connected("host-1"));
}

TEST_F(AgentHubTest, ABinaryFrameIsAProtocolError) {
  HubOptions options;
  options.max_protocol_errors = 2;
  Start(options);
  auto client = Connect("token-1");
  client->binary(true);
  client->write(asio::buffer(protocol::Encode(HelloEnvelope())));
  client->text(true);
  EXPECT_TRUE(Answers(*client));
  EXPECT_EQ(hub_->ProtocolErrors(), 1u);
  EXPECT_EQ(events_.Count(Event::Kind::kMessage), 0u);

  client->binary(true);
  client->write(asio::buffer(std::string("\x00\x01", 2)));
  EXPECT_EQ(ReadUntilClosed(*client), websocket::error::closed);
  EXPECT_EQ(client->reason().code, websocket::close_code::policy_error);
}

TEST_F(AgentHubTest, AnOversizedFrameClosesTheConnectionAndTheHubKeepsServing) {
  HubOptions options;
  options.limits.max_frame_bytes = 64 * 1024;
  Start(options);
  auto client = Connect("token-1");
  // The hub may fail the connection before the whole frame is out, so this write may fail too.
  beast::error_code write_ec;
  client->write(asio::buffer(std::string(100 * 1024, 'x')), write_ec);
  EXPECT_TRUE(ReadUntilClosed(*client));
  ASSERT_TRUE(events_.WaitFor(Event::Kind::kDisconnected, 1));
  EXPECT_EQ(hub_->ProtocolErrors(), 1u);

  auto again = Connect("token-1");
  const auto hello = HelloEnvelope();
  Write(*again, hello);
  ASSERT_TRUE(events_.WaitFor(Event::Kind::kMessage, 1));
  EXPECT_EQ(events_.Snapshot().back().envelope, hello);
}

TEST_F(AgentHubTest, AnAgentPingIsAnsweredWithItsNonceAndNotReported) {
  Start();
  auto client = Connect("token-1");
  auto ping = PingEnvelope("nonce-42");
  ping.id = NewUlid();
  Write(*client, ping);
  const auto answer = Read(*client);
  const auto* pong = std::get_if<protocol::Pong>(&answer.payload);
  ASSERT_NE(pong, nullptr) << answer;
  EXPECT_EQ(pong->nonce, "nonce-42");
  EXPECT_EQ(answer.id, ping.id);

  // A pong is consumed too: a message sent after both is the first one reported.
  Write(*client, protocol::Envelope{.payload = protocol::Pong{.nonce = "n", .sent_at = Clock::now()}});
  const auto hello = HelloEnvelope();
  Write(*client, hello);
  ASSERT_TRUE(events_.WaitFor(Event::Kind::kMessage, 1));
  EXPECT_EQ(events_.Snapshot().back().envelope, hello);
  EXPECT_EQ(events_.Count(Event::Kind::kMessage), 1u);
}

TEST_F(AgentHubTest, TheHubPingsEveryInterval) {
  HubOptions options;
  options.ping_interval = std::chrono::milliseconds(50);
  Start(options);
  auto client = Connect("token-1");
  for (int i = 0; i < 2; ++i) {
    const auto frame = Read(*client, /*keep_pings=*/true);
    const auto* ping = std::get_if<protocol::Ping>(&frame.payload);
    ASSERT_NE(ping, nullptr) << frame;
    EXPECT_FALSE(ping->nonce.empty());
  }
}

TEST_F(AgentHubTest, ASilentClientIsDroppedAfterTheIdleTimeout) {
  HubOptions options;
  options.ping_interval = std::chrono::milliseconds(50);
  options.idle_timeout = std::chrono::milliseconds(300);
  Start(options);
  auto client = Connect("token-1");  // receives pings, sends nothing
  ASSERT_TRUE(events_.WaitFor(Event::Kind::kDisconnected, 1));
  EXPECT_FALSE(hub_->Connected("host-1"));
  EXPECT_TRUE(ReadUntilClosed(*client));
}

TEST_F(AgentHubTest, ASlowConsumerIsDropped) {
  HubOptions options;
  options.max_queue_bytes = 256 * 1024;
  Start(options);
  auto client = Connect("token-1");  // never reads
  const auto frame = LargeEnvelope(64 * 1024);
  // Loopback socket buffers take some megabytes before the queue starts to grow.
  bool refused = false;
  for (int i = 0; i < 100000 && !refused; ++i) refused = !hub_->Send("host-1", frame);
  EXPECT_TRUE(refused);
  ASSERT_TRUE(events_.WaitFor(Event::Kind::kDisconnected, 1));
  EXPECT_EQ(hub_->SlowConsumersDropped(), 1u);
  EXPECT_FALSE(hub_->Connected("host-1"));
  EXPECT_FALSE(hub_->Send("host-1", frame));
}

TEST_F(AgentHubTest, StopClosesEveryConnectionWith1001AndRefusesNewOnes) {
  Start();
  auto one = Connect("token-1");
  auto two = Connect("token-2");
  hub_->Stop();
  hub_->Stop();  // idempotent
  for (auto* client : {one.get(), two.get()}) {
    EXPECT_EQ(ReadUntilClosed(*client), websocket::error::closed);
    EXPECT_EQ(client->reason().code, websocket::close_code::going_away);
  }
  ASSERT_TRUE(events_.WaitFor(Event::Kind::kDisconnected, 2));
  EXPECT_EQ(hub_->ConnectionCount(), 0u);

  beast::error_code ec;
  websocket::response_type response;
  auto late = Open("token-1", ec, &response);
  EXPECT_EQ(ec, websocket::error::upgrade_declined);
  EXPECT_EQ(response.result(), http::Status::service_unavailable);
  Drain();
  EXPECT_EQ(events_.Count(Event::Kind::kConnected), 2u);
  EXPECT_EQ(events_.Count(Event::Kind::kDisconnected), 2u);
}

TEST_F(AgentHubTest, AClientCloseFiresDisconnectedExactlyOnce) {
  Start();
  auto client = Connect("token-1");
  const auto id = events_.ConnectedId(0);
  client->close(websocket::close_code::normal);
  ASSERT_TRUE(events_.WaitFor(Event::Kind::kDisconnected, 1));
  EXPECT_FALSE(hub_->Connected("host-1"));
  Drain();
  const auto events = events_.Snapshot();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, Event::Kind::kDisconnected);
  EXPECT_EQ(events[1].connection_id, id);
}

TEST_F(AgentHubTest, HttpServerStopLeavesUpgradedConnectionsToTheHub) {
  Start();
  auto client = Connect("token-1");
  server_->Stop();
  EXPECT_EQ(server_->ConnectionCount(), 0u);
  EXPECT_TRUE(Answers(*client));
  EXPECT_TRUE(hub_->Connected("host-1"));
}

TEST_F(AgentHubTest, OtherPathsAndPlainRequestsGoToTheRouter) {
  Start();
  beast::error_code ec;
  websocket::response_type response;
  auto client = Open("token-1", ec, &response, "/other/ws");
  EXPECT_EQ(ec, websocket::error::upgrade_declined);
  EXPECT_EQ(response.result(), http::Status::not_found);
  EXPECT_EQ(ErrorCodeOf(response), "not_found");

  beast::tcp_stream plain(client_io_);
  plain.connect(endpoint_);
  http::Request request{beast::http::verb::get, "/agent/ws?x=1", 11};
  request.set(beast::http::field::host, "127.0.0.1");
  beast::http::write(plain, request);
  beast::flat_buffer buffer;
  http::Response plain_response;
  beast::http::read(plain, buffer, plain_response);
  EXPECT_EQ(plain_response.result(), http::Status::not_found) << "not an upgrade: the router answers";
  EXPECT_EQ(events_.Count(Event::Kind::kConnected), 0u);
}

TEST_F(AgentHubTest, TheHubMayBeDestroyedAfterTheIoContextStopped) {
  Start();
  auto client = Connect("token-1");
  io_.stop();
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  hub_.reset();  // its connection is still suspended in the stopped io_context
  server_.reset();
  EXPECT_EQ(events_.Count(Event::Kind::kDisconnected), 0u) << "a stopped io_context runs no more handlers";
}

TEST_F(AgentHubTest, CountersCountFramesByTypeAndConnections) {
  Start();
  const auto count = [](const std::vector<std::pair<std::string_view, std::uint64_t>>& by_type,
                        std::string_view type) {
    for (const auto& [name, n] : by_type) {
      if (name == type) return n;
    }
    ADD_FAILURE() << "no counter for " << type;
    return std::uint64_t{0};
  };
  auto client = Connect("token-1");
  Write(*client, HelloEnvelope());
  ASSERT_TRUE(events_.WaitFor(Event::Kind::kMessage, 1));
  ASSERT_TRUE(Answers(*client));  // a ping in, a pong out
  ASSERT_TRUE(hub_->Send("host-1", protocol::Envelope{.payload = protocol::ResultAck{.job_id = NewUlid()}}));
  EXPECT_TRUE(std::holds_alternative<protocol::ResultAck>(Read(*client).payload));

  auto counters = hub_->Counters();
  EXPECT_EQ(counters.frames_received.size(), protocol::TypeNames().size()) << "every type listed";
  EXPECT_EQ(count(counters.frames_received, "hello"), 1u);
  EXPECT_EQ(count(counters.frames_received, "ping"), 1u);
  EXPECT_EQ(count(counters.frames_received, "job.result"), 0u);
  EXPECT_EQ(count(counters.frames_sent, "pong"), 1u);
  EXPECT_EQ(count(counters.frames_sent, "result.ack"), 1u);
  EXPECT_EQ(counters.connections_opened, 1u);
  EXPECT_EQ(counters.connections_closed, 0u);

  client->close(websocket::close_code::normal);
  ASSERT_TRUE(events_.WaitFor(Event::Kind::kDisconnected, 1));
  EXPECT_EQ(hub_->Counters().connections_closed, 1u);
}

}  // namespace
}  // namespace rmgr::server::ws

// AgentConnection against a real WebSocket server on 127.0.0.1
// (FakeAgentServer): handshake, hello, frames both ways, ping/pong, idle
// drop, reconnect with backoff, refused tokens, protocol errors, limits,
// queue bounds and Stop. The client's io_context runs on its own threads;
// tests wait on conditions, never on sleeps.

#include "agent/connection/agent_connection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <functional>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/connection/fake_agent_server.h"
#include "agent/connection/log_capture.h"
#include "common/protocol/close_codes.h"
#include "common/util/ulid.h"

namespace rmgr::agent {
namespace {

using namespace std::chrono_literals;
using boost::beast::websocket::close_code;
using testing::FakeAgentServer;
using testing::LogCapture;
using testing::ServerRecord;

constexpr std::string_view kToken = "host-token-5ecret-never-logged";
constexpr auto kWait = 10s;

// ---------------------------------------------------------------- BackoffDelay

ConnectionOptions BackoffOptions(std::chrono::milliseconds initial, std::chrono::milliseconds max) {
  ConnectionOptions options;
  options.backoff_initial = initial;
  options.backoff_max = max;
  return options;
}

TEST(BackoffDelay, DoublesFromInitialWithEqualJitter) {
  const auto options = BackoffOptions(1000ms, 60000ms);
  EXPECT_EQ(BackoffDelay(0, options, 0.0), 500ms);
  EXPECT_EQ(BackoffDelay(0, options, 0.5), 750ms);
  EXPECT_EQ(BackoffDelay(0, options, 0.9999), 999ms);
  EXPECT_EQ(BackoffDelay(1, options, 0.0), 1000ms);
  EXPECT_EQ(BackoffDelay(3, options, 0.0), 4000ms);
  EXPECT_EQ(BackoffDelay(3, options, 0.5), 6000ms);
  for (int attempt = 0; attempt < 10; ++attempt) {
    EXPECT_LE(BackoffDelay(attempt, options, 0.3), BackoffDelay(attempt + 1, options, 0.3)) << attempt;
  }
}

TEST(BackoffDelay, IsCappedAtMaxAndNeverOverflows) {
  const auto options = BackoffOptions(1000ms, 60000ms);
  EXPECT_EQ(BackoffDelay(6, options, 0.0), 30000ms);  // 64 s capped to 60 s, then halved
  EXPECT_EQ(BackoffDelay(6, options, 0.5), 45000ms);
  for (const int attempt : {7, 30, 62, 63, 1000, std::numeric_limits<int>::max()}) {
    const auto delay = BackoffDelay(attempt, options, 0.999);
    EXPECT_GE(delay, 30000ms) << attempt;
    EXPECT_LT(delay, 60000ms) << attempt;
  }
}

TEST(BackoffDelay, ClampsBadInputs) {
  const auto options = BackoffOptions(1000ms, 60000ms);
  EXPECT_EQ(BackoffDelay(-5, options, 0.0), 500ms);  // as attempt 0
  EXPECT_EQ(BackoffDelay(0, options, 1.0), 500ms);   // outside [0,1): as 0
  EXPECT_EQ(BackoffDelay(0, options, -0.5), 500ms);
  EXPECT_EQ(BackoffDelay(0, options, std::nan("")), 500ms);
  EXPECT_EQ(BackoffDelay(4, BackoffOptions(0ms, 0ms), 0.5), 0ms);
}

// ---------------------------------------------------------------- fixtures

// Runs an io_context on some threads until it runs out of work.
class IoThreads {
 public:
  IoThreads(boost::asio::io_context& io, int count) : io_(io), running_(count) {
    for (int i = 0; i < count; ++i) {
      threads_.emplace_back([this] {
        io_.run();
        std::scoped_lock lock(mu_);
        --running_;
        done_.notify_all();
      });
    }
  }
  ~IoThreads() {
    io_.stop();
    for (auto& t : threads_) t.join();
  }
  IoThreads(const IoThreads&) = delete;
  IoThreads& operator=(const IoThreads&) = delete;

  //! True once io_context::run returned on every thread: nothing is left to do.
  bool WaitUntilDone(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return done_.wait_for(lock, timeout, [this] { return running_ == 0; });
  }

 private:
  boost::asio::io_context& io_;
  std::mutex mu_;
  std::condition_variable done_;
  int running_;  // guarded by mu_
  std::vector<std::thread> threads_;
};

// Records every handler call; `on_open` runs inside OnOpen.
class RecordingHandler : public ConnectionHandler {
 public:
  protocol::Hello hello{.agent_version = "1.2.3",
                        .restic_version = "0.14.0",
                        .hostname = "test-host",
                        .os = "linux",
                        .arch = "amd64",
                        .applied_schedule_version = 7,
                        .running_job_ids = {},
                        .unacked_results = 2};
  std::function<void()> on_open;

  protocol::Hello MakeHello() override { return hello; }
  void OnOpen() override {
    if (on_open) on_open();
    Note([](RecordingHandler& h) { h.events_.push_back("open"); });
  }
  void OnMessage(protocol::Envelope envelope) override {
    Note([&](RecordingHandler& h) { h.messages_.push_back(std::move(envelope)); });
  }
  void OnClosed(std::string_view reason) override {
    Note([&](RecordingHandler& h) { h.events_.push_back("closed: " + std::string(reason)); });
  }
  void OnRefused(std::uint16_t code, std::string_view reason) override {
    Note([&](RecordingHandler& h) {
      h.events_.push_back("refused: " + std::to_string(code) + " " + std::string(reason));
    });
  }

  //! Waits until `done(events, messages)` holds.
  bool WaitFor(const std::function<bool(const std::vector<std::string>&,
                                        const std::vector<protocol::Envelope>&)>& done) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, kWait, [&] { return done(events_, messages_); });
  }
  std::vector<std::string> events() const {
    std::scoped_lock lock(mu_);
    return events_;
  }
  std::vector<protocol::Envelope> messages() const {
    std::scoped_lock lock(mu_);
    return messages_;
  }
  std::size_t Count(std::string_view prefix) const {
    std::scoped_lock lock(mu_);
    return static_cast<std::size_t>(std::count_if(
        events_.begin(), events_.end(), [&](const std::string& e) { return e.starts_with(prefix); }));
  }

 private:
  void Note(const std::function<void(RecordingHandler&)>& change) {
    {
      std::scoped_lock lock(mu_);
      change(*this);
    }
    changed_.notify_all();
  }

  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::string> events_;           // guarded by mu_
  std::vector<protocol::Envelope> messages_;  // guarded by mu_
};

std::string Frame(protocol::Payload payload) {
  return protocol::Encode(protocol::Envelope{"", std::move(payload)});
}

// The decoded frames of session `index` whose type is `T`.
template <class T>
std::vector<T> FramesOf(const ServerRecord& record, std::size_t index) {
  std::vector<T> out;
  if (index >= record.sessions.size()) return out;
  for (const auto& text : record.sessions[index].frames) {
    auto decoded = protocol::Decode(text);
    if (decoded && std::holds_alternative<T>(decoded->payload)) out.push_back(std::get<T>(decoded->payload));
  }
  return out;
}

// Session `index` exists and has at least `count` frames.
auto HasFrames(std::size_t index, std::size_t count) {
  return [=](const ServerRecord& r) {
    return r.sessions.size() > index && r.sessions[index].frames.size() >= count;
  };
}

class AgentConnectionTest : public ::testing::Test {
 protected:
  ConnectionOptions Options() const {
    ConnectionOptions options;
    options.server_url = server.url();
    options.token = schema::Secret(std::string(kToken));
    options.backoff_initial = 5ms;
    options.backoff_max = 20ms;
    return options;
  }

  //! Starts a connection and runs the io_context on `threads` threads.
  void Start(ConnectionOptions options, int threads = 1) {
    conn = std::make_unique<AgentConnection>(io, std::move(options), handler);
    ASSERT_TRUE(conn->Start().ok());
    io_threads = std::make_unique<IoThreads>(io, threads);
  }

  //! Stops the connection and expects the io_context to run out of work.
  void StopAndDrain() {
    conn->Stop();
    EXPECT_TRUE(io_threads->WaitUntilDone(kWait)) << "the connection kept work queued after Stop()";
  }

  void TearDown() override {
    io_threads.reset();
    conn.reset();
    EXPECT_EQ(logs.Text().find(kToken), std::string::npos) << logs.Text();
  }

  boost::asio::io_context io;
  FakeAgentServer server;
  RecordingHandler handler;
  LogCapture logs;
  std::unique_ptr<AgentConnection> conn;
  std::unique_ptr<IoThreads> io_threads;
};

// ---------------------------------------------------------------- connecting

TEST_F(AgentConnectionTest, FirstFrameIsTheHelloAndTheUpgradeCarriesTheBearerToken) {
  Start(Options());
  ASSERT_TRUE(server.WaitFor(HasFrames(0, 1)));
  ASSERT_TRUE(handler.WaitFor([](const auto& events, const auto&) { return !events.empty(); }));

  const auto record = server.Snapshot();
  EXPECT_EQ(record.sessions[0].target, "/agent/ws");
  EXPECT_EQ(record.sessions[0].authorization, "Bearer " + std::string(kToken));
  auto first = protocol::Decode(record.sessions[0].frames[0]);
  ASSERT_TRUE(first.ok()) << first.error().Describe();
  EXPECT_EQ(*first, (protocol::Envelope{"", handler.hello}));
  EXPECT_EQ(handler.events(), std::vector<std::string>{"open"});
  EXPECT_TRUE(conn->IsOpen());
  EXPECT_EQ(conn->connects(), 1u);
  StopAndDrain();
}

TEST_F(AgentConnectionTest, KeepsThePathPrefixOfTheServerUrl) {
  auto options = Options();
  options.server_url = server.url() + "/rm/";
  Start(options);
  ASSERT_TRUE(server.WaitFor(HasFrames(0, 1)));
  EXPECT_EQ(server.Snapshot().sessions[0].target, "/rm/agent/ws");
  StopAndDrain();
}

TEST_F(AgentConnectionTest, StartRefusesBadUrlsAnEmptyTokenAndASecondStart) {
  auto with_url = [this](std::string url) {
    auto options = Options();
    options.server_url = std::move(url);
    return AgentConnection(io, options, handler).Start();
  };
  for (const char* url :
       {"ftp://127.0.0.1", "127.0.0.1:8080", "http://user:pw@127.0.0.1", "http://h/?q=1", ""}) {
    auto started = with_url(url);
    ASSERT_FALSE(started.ok()) << url;
    EXPECT_EQ(started.error().field, "server_url") << url;
  }
  auto options = Options();
  options.token = schema::Secret();
  EXPECT_EQ(AgentConnection(io, options, handler).Start().error().field, "token");

  AgentConnection twice(io, Options(), handler);
  EXPECT_TRUE(twice.Start().ok());
  EXPECT_EQ(twice.Start().error().code, ErrorCode::kConflict);
  twice.Stop();
  io.run();  // the stopped loop ends without having connected
  EXPECT_TRUE(handler.events().empty());
}

// ---------------------------------------------------------------- frames

TEST_F(AgentConnectionTest, FramesSentInOnOpenAndLaterReachTheServerInOrder) {
  const protocol::ScheduleFire fire{NewUlid(), Clock::now()};
  const protocol::ScheduleAck ack{3, Clock::now()};
  handler.on_open = [&] { EXPECT_TRUE(conn->Send(protocol::Envelope{"", fire})); };
  Start(Options());
  ASSERT_TRUE(server.WaitFor(HasFrames(0, 2)));
  EXPECT_TRUE(conn->Send(protocol::Envelope{"", ack}));
  ASSERT_TRUE(server.WaitFor(HasFrames(0, 3)));

  const auto record = server.Snapshot();
  EXPECT_EQ(FramesOf<protocol::Hello>(record, 0).size(), 1u);
  EXPECT_EQ(protocol::Decode(record.sessions[0].frames[0])->payload.index(), 0u);  // hello first
  EXPECT_EQ(record.sessions[0].frames[1], Frame(fire));
  EXPECT_EQ(record.sessions[0].frames[2], Frame(ack));
  StopAndDrain();
}

TEST_F(AgentConnectionTest, ServerFramesReachOnMessageInOrder) {
  Start(Options());
  ASSERT_TRUE(server.WaitFor(HasFrames(0, 1)));
  const std::vector<protocol::Envelope> sent = {
      {NewUlid(), protocol::HelloOk{NewUlid(), Clock::now()}},
      {"", protocol::ScheduleSet{4, {}}},
      {"", protocol::ResultAck{NewUlid()}},
      {"", protocol::CommandCancel{NewUlid()}},
  };
  for (const auto& envelope : sent) server.SendText(0, protocol::Encode(envelope));
  ASSERT_TRUE(
      handler.WaitFor([&](const auto&, const auto& messages) { return messages.size() >= sent.size(); }));

  const auto received = handler.messages();
  ASSERT_EQ(received.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    // Times travel with millisecond precision.
    EXPECT_EQ(protocol::Encode(received[i]), protocol::Encode(sent[i])) << i;
  }
  EXPECT_EQ(conn->protocol_errors(), 0u);
  StopAndDrain();
}

TEST_F(AgentConnectionTest, ServerPingIsAnsweredWithAPongCarryingItsNonce) {
  Start(Options());
  ASSERT_TRUE(server.WaitFor(HasFrames(0, 1)));
  server.SendText(0, Frame(protocol::Ping{"nonce-42", Clock::now()}));
  ASSERT_TRUE(server.WaitFor([](const ServerRecord& r) { return !FramesOf<protocol::Pong>(r, 0).empty(); }));

  const auto pongs = FramesOf<protocol::Pong>(server.Snapshot(), 0);
  ASSERT_EQ(pongs.size(), 1u);
  EXPECT_EQ(pongs[0].nonce, "nonce-42");
  EXPECT_TRUE(handler.messages().empty()) << "pings are the connection's business";
  StopAndDrain();
}

TEST_F(AgentConnectionTest, ClientPingsArriveEveryPingIntervalAndPongsAreConsumed) {
  auto options = Options();
  options.ping_interval = 20ms;
  Start(options);
  ASSERT_TRUE(
      server.WaitFor([](const ServerRecord& r) { return FramesOf<protocol::Ping>(r, 0).size() >= 3; }));

  const auto pings = FramesOf<protocol::Ping>(server.Snapshot(), 0);
  EXPECT_NE(pings[0].nonce, pings[1].nonce);
  EXPECT_NE(pings[1].nonce, pings[2].nonce);
  EXPECT_TRUE(handler.messages().empty()) << "the server's pongs must not reach the handler";
  EXPECT_EQ(conn->connects(), 1u) << "answered pings keep the connection up";
  StopAndDrain();
}

// ---------------------------------------------------------------- reconnecting

TEST_F(AgentConnectionTest, ReconnectsAfterTheServerClosesAndSaysHelloAgain) {
  std::atomic<int> jitter_draws{0};
  auto options = Options();
  options.random = [&jitter_draws] {
    ++jitter_draws;
    return 0.5;
  };
  Start(options);
  ASSERT_TRUE(server.WaitFor(HasFrames(0, 1)));
  server.Close(0, close_code::going_away);
  ASSERT_TRUE(server.WaitFor(HasFrames(1, 1)));
  ASSERT_TRUE(handler.WaitFor([](const auto& events, const auto&) { return events.size() >= 3; }));

  const auto events = handler.events();
  EXPECT_EQ(events[0], "open");
  EXPECT_EQ(events[1], "closed: the server closed the connection (1001)");
  EXPECT_EQ(events[2], "open");
  EXPECT_EQ(FramesOf<protocol::Hello>(server.Snapshot(), 1).size(), 1u);
  EXPECT_EQ(conn->connects(), 2u);
  EXPECT_GE(conn->reconnect_attempts(), 1u);
  EXPECT_GE(jitter_draws.load(), 1) << "the reconnect waited a backoff delay";
  StopAndDrain();
}

TEST_F(AgentConnectionTest, HostDeletedAndDuplicateInstallCloseCodesEndTheLoopForGood) {
  for (const std::uint16_t code : {protocol::kCloseHostDeleted, protocol::kCloseDuplicateInstall}) {
    SCOPED_TRACE(code);
    FakeAgentServer fake;
    RecordingHandler recorder;
    boost::asio::io_context context;
    auto options = Options();
    options.server_url = fake.url();
    AgentConnection connection(context, options, recorder);
    ASSERT_TRUE(connection.Start().ok());
    IoThreads threads(context, 1);
    ASSERT_TRUE(fake.WaitFor(HasFrames(0, 1)));
    fake.Close(0, static_cast<close_code>(code));
    ASSERT_TRUE(recorder.WaitFor([](const auto& events, const auto&) { return events.size() >= 3; }));
    EXPECT_EQ(recorder.events()[2], "refused: " + std::to_string(code) + " ");
    EXPECT_TRUE(connection.refused());
    EXPECT_TRUE(threads.WaitUntilDone(kWait)) << "no reconnect is pending";
    EXPECT_EQ(fake.Snapshot().sessions.size(), 1u);
    EXPECT_EQ(connection.reconnect_attempts(), 0u);
    EXPECT_EQ(logs.Count("not reconnecting"), code == protocol::kCloseHostDeleted ? 1u : 2u) << logs.Text();
    connection.Stop();
    EXPECT_EQ(recorder.events().size(), 3u) << "Stop after the refusal tells nothing more";
  }
}

TEST_F(AgentConnectionTest, HelloFailedCloseCodeReconnectsWithBackoff) {
  Start(Options());
  ASSERT_TRUE(server.WaitFor(HasFrames(0, 1)));
  server.Close(0, static_cast<close_code>(protocol::kCloseHelloFailed));
  ASSERT_TRUE(server.WaitFor(HasFrames(1, 1)));
  EXPECT_FALSE(conn->refused());
  EXPECT_GE(conn->reconnect_attempts(), 1u);
  StopAndDrain();
}

TEST_F(AgentConnectionTest, RefusedTokenKeepsRetryingLogsOnceAndNeverOpens) {
  server.RefuseUpgrades(401);
  Start(Options());
  ASSERT_TRUE(server.WaitFor([](const ServerRecord& r) { return r.refused_upgrades.size() >= 3; }));
  EXPECT_TRUE(handler.events().empty());
  EXPECT_EQ(conn->connects(), 0u);
  EXPECT_FALSE(conn->IsOpen());
  EXPECT_EQ(server.Snapshot().refused_upgrades[0], "Bearer " + std::string(kToken));
  EXPECT_EQ(
      logs.Count(
          "the server refused this host's token (HTTP 401): re-enroll with restic-manager-agent enroll"),
      1u)
      << logs.Text();

  server.RefuseUpgrades(0);  // the host was re-enrolled: the same loop gets in
  ASSERT_TRUE(server.WaitFor(HasFrames(0, 1)));
  ASSERT_TRUE(handler.WaitFor([](const auto& events, const auto&) { return !events.empty(); }));
  EXPECT_EQ(handler.events(), std::vector<std::string>{"open"});
  StopAndDrain();
}

TEST_F(AgentConnectionTest, ProtocolErrorsAreCountedAndTooManyCloseWith1008) {
  constexpr std::string_view kMarker = "repository-password-in-a-bad-frame";
  auto options = Options();
  options.max_protocol_errors = 3;
  Start(options);
  ASSERT_TRUE(server.WaitFor(HasFrames(0, 1)));

  server.SendText(0, "not json " + std::string(kMarker));
  server.SendText(
      0, R"({"type":"no.such.type","id":"","payload":{"password":")" + std::string(kMarker) + "\"}}");
  const protocol::Envelope good{"", protocol::ResultAck{NewUlid()}};
  server.SendText(0, protocol::Encode(good));
  ASSERT_TRUE(handler.WaitFor([](const auto&, const auto& messages) { return !messages.empty(); }));
  EXPECT_EQ(conn->protocol_errors(), 2u);
  EXPECT_EQ(conn->connects(), 1u) << "two errors are tolerated";

  server.SendBinary(0, std::string(kMarker));
  ASSERT_TRUE(server.WaitFor([](const ServerRecord& r) { return r.sessions[0].close_code.has_value(); }));
  EXPECT_EQ(*server.Snapshot().sessions[0].close_code, 1008);
  ASSERT_TRUE(server.WaitFor(HasFrames(1, 1))) << "the client reconnects";
  EXPECT_EQ(conn->protocol_errors(), 3u);
  EXPECT_EQ(handler.messages(), std::vector<protocol::Envelope>{good});
  ASSERT_TRUE(handler.WaitFor([](const auto& events, const auto&) { return events.size() >= 3; }));
  EXPECT_EQ(handler.events()[1], "closed: 3 undecodable frames from the server");
  EXPECT_EQ(logs.Text().find(kMarker), std::string::npos) << "frames are never logged: " << logs.Text();
  EXPECT_EQ(logs.Count("undecodable frame from the server"), 3u) << logs.Text();
  StopAndDrain();
}

TEST_F(AgentConnectionTest, OversizedFrameMakesTheClientReconnect) {
  auto options = Options();
  options.limits.max_frame_bytes = 1024;
  Start(options);
  ASSERT_TRUE(server.WaitFor(HasFrames(0, 1)));
  server.SendText(0, std::string(4096, 'x'));
  ASSERT_TRUE(server.WaitFor(HasFrames(1, 1)));
  ASSERT_TRUE(handler.WaitFor([](const auto& events, const auto&) { return events.size() >= 3; }));

  EXPECT_EQ(handler.events()[1], "closed: the server sent a frame larger than 1024 bytes");
  // Beast fails the connection with 1009, but the close frame may be lost to
  // the reset caused by the unread rest of the frame; the socket is gone either way.
  EXPECT_TRUE(server.WaitFor([](const ServerRecord& r) { return r.sessions[0].ended; }));
  EXPECT_TRUE(handler.messages().empty());
  StopAndDrain();
}

TEST_F(AgentConnectionTest, SilentServerIsDroppedAfterTheIdleTimeout) {
  server.AnswerPings(false);
  auto options = Options();
  options.ping_interval = 20ms;
  options.idle_timeout = 150ms;
  Start(options);
  ASSERT_TRUE(server.WaitFor(HasFrames(1, 1)));
  ASSERT_TRUE(handler.WaitFor([](const auto& events, const auto&) { return events.size() >= 3; }));

  EXPECT_EQ(handler.events()[1], "closed: nothing received from the server for 150 ms");
  EXPECT_TRUE(server.WaitFor([](const ServerRecord& r) { return r.sessions[0].ended; }));
  StopAndDrain();
}

// ---------------------------------------------------------------- sending and stopping

TEST_F(AgentConnectionTest, SendIsFalseWhenClosedAndWhenTheQueueIsFull) {
  auto options = Options();
  options.max_queue_frames = 3;  // the hello and two more
  std::vector<bool> accepted;
  const protocol::Envelope fire{"", protocol::ScheduleFire{NewUlid(), Clock::now()}};
  // Inside OnOpen the connection's strand is busy, so nothing is written yet.
  handler.on_open = [&] {
    for (int i = 0; i < 3; ++i) accepted.push_back(conn->Send(fire));
  };
  conn = std::make_unique<AgentConnection>(io, options, handler);
  EXPECT_FALSE(conn->Send(fire)) << "not started";
  EXPECT_FALSE(conn->IsOpen());
  ASSERT_TRUE(conn->Start().ok());
  io_threads = std::make_unique<IoThreads>(io, 1);
  ASSERT_TRUE(server.WaitFor(HasFrames(0, 3)));
  ASSERT_TRUE(handler.WaitFor([](const auto& events, const auto&) { return !events.empty(); }));

  EXPECT_EQ(accepted, (std::vector<bool>{true, true, false}));
  EXPECT_EQ(logs.Count("write queue full (3 frames): dropped a schedule.fire frame"), 1u) << logs.Text();
  StopAndDrain();
  EXPECT_FALSE(conn->Send(fire)) << "stopped";
  EXPECT_FALSE(conn->IsOpen());
  EXPECT_EQ(server.Snapshot().sessions[0].frames.size(), 3u);
}

TEST_F(AgentConnectionTest, StopClosesWith1000AndNeverReconnects) {
  Start(Options());
  ASSERT_TRUE(server.WaitFor(HasFrames(0, 1)));
  ASSERT_TRUE(handler.WaitFor([](const auto& events, const auto&) { return !events.empty(); }));
  conn->Stop();
  EXPECT_EQ(handler.events(), (std::vector<std::string>{"open", "closed: stopped"}))
      << "OnClosed before Stop returns";
  EXPECT_FALSE(conn->IsOpen());
  EXPECT_TRUE(io_threads->WaitUntilDone(kWait)) << "nothing may stay queued: no reconnect";
  conn->Stop();  // idempotent

  ASSERT_TRUE(server.WaitFor([](const ServerRecord& r) { return r.sessions[0].ended; }));
  const auto record = server.Snapshot();
  EXPECT_EQ(record.sessions[0].close_code, std::optional<std::uint16_t>(1000));
  EXPECT_EQ(record.sessions.size(), 1u);
  EXPECT_EQ(handler.events().size(), 2u);
  EXPECT_EQ(conn->reconnect_attempts(), 0u);
}

TEST_F(AgentConnectionTest, StopDuringBackoffEndsTheLoop) {
  server.RefuseUpgrades(403);
  std::promise<void> backing_off;
  auto options = Options();
  options.backoff_initial = 10s;  // stuck in the first backoff wait
  options.backoff_max = 10s;
  options.random = [&backing_off] {
    backing_off.set_value();  // called once: the test stops the loop during this wait
    return 0.0;
  };
  Start(options);
  ASSERT_EQ(backing_off.get_future().wait_for(kWait), std::future_status::ready);
  StopAndDrain();
  EXPECT_EQ(conn->reconnect_attempts(), 1u);
  EXPECT_EQ(server.Snapshot().refused_upgrades.size(), 1u);
  EXPECT_TRUE(handler.events().empty());
  EXPECT_EQ(logs.Count("the server refused this host's token (HTTP 403): re-enroll"), 1u) << logs.Text();
}

TEST_F(AgentConnectionTest, StopFromInsideAHandlerCallIsTheLastCall) {
  handler.on_open = [&] { conn->Stop(); };
  Start(Options());
  EXPECT_TRUE(io_threads->WaitUntilDone(kWait));
  // OnClosed ran nested in OnOpen (recorded first, as the recorder notes after the hook).
  EXPECT_EQ(handler.events(), (std::vector<std::string>{"closed: stopped", "open"}));
  ASSERT_TRUE(
      server.WaitFor([](const ServerRecord& r) { return r.sessions.size() == 1 && r.sessions[0].ended; }));
  EXPECT_EQ(server.Snapshot().sessions[0].close_code, std::optional<std::uint16_t>(1000));
}

TEST_F(AgentConnectionTest, ManyIoThreadsKeepFramesInOrderBothWays) {
  constexpr std::size_t kFrames = 200;
  Start(Options(), 4);
  ASSERT_TRUE(server.WaitFor(HasFrames(0, 1)));
  std::vector<protocol::Envelope> to_agent;
  std::vector<std::string> to_server;
  for (std::size_t i = 0; i < kFrames; ++i) {
    to_agent.push_back({"", protocol::ResultAck{NewUlid()}});
    server.SendText(0, protocol::Encode(to_agent.back()));
    const protocol::Envelope ack{"", protocol::ScheduleAck{static_cast<int64_t>(i), Clock::now()}};
    to_server.push_back(Frame(ack.payload));
    ASSERT_TRUE(conn->Send(ack)) << i;
  }
  ASSERT_TRUE(server.WaitFor(HasFrames(0, kFrames + 1)));
  ASSERT_TRUE(handler.WaitFor([&](const auto&, const auto& messages) { return messages.size() >= kFrames; }));

  EXPECT_EQ(handler.messages(), to_agent);
  const auto frames = server.Snapshot().sessions[0].frames;
  EXPECT_EQ(std::vector<std::string>(frames.begin() + 1, frames.end()), to_server);
  StopAndDrain();
}

}  // namespace
}  // namespace rmgr::agent

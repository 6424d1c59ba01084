// Bad frames over the real server's agent WebSocket: a raw Beast client with
// a valid host token sends what no agent would. The server closes that
// connection and keeps serving everyone else.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/serialize.hpp>
#include <optional>

#include "tests/loop/loop_fixture.h"

namespace rmgr::testing {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace json = boost::json;
using tcp = net::ip::tcp;

constexpr std::chrono::seconds kSocketWait{60};

// One raw connection to /agent/ws. Every wait is bounded by running the
// private io_context for at most kSocketWait.
class RawAgentSocket {
 public:
  explicit RawAgentSocket(std::uint16_t port) : port_(port), ws_(io_) {}

  //! Connects and upgrades with `Authorization: Bearer token` (none when empty);
  //! the HTTP status of the answer (101 when upgraded, 0 when nothing answered).
  unsigned Open(const std::string& token) {
    auto& stream = beast::get_lowest_layer(ws_);
    boost::system::error_code ec;
    stream.socket().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), ec);
    if (ec) return 0;
    ws_.set_option(websocket::stream_base::decorator([token](websocket::request_type& request) {
      if (!token.empty()) request.set(beast::http::field::authorization, "Bearer " + token);
    }));
    // A refused upgrade fails the handshake but still fills in the response.
    websocket::response_type response;
    Run([&](auto handler) {
      ws_.async_handshake(response, "127.0.0.1:" + std::to_string(port_), "/agent/ws",
                          [handler](boost::system::error_code e) mutable { handler(e, 0); });
    });
    return response.result_int();
  }

  //! Sends one text frame; false once the connection is gone.
  bool Send(const std::string& text) {
    ws_.text(true);
    return !Run([&](auto handler) { ws_.async_write(net::buffer(text), handler); });
  }

  //! Reads (and drops) frames until the server closes: its close code, 0 when
  //! the connection ended without a close frame, -1 when it stayed open.
  int WaitClosed() {
    const auto deadline = std::chrono::steady_clock::now() + kSocketWait;
    while (std::chrono::steady_clock::now() < deadline) {
      beast::flat_buffer buffer;
      const auto ec = Run([&](auto handler) { ws_.async_read(buffer, handler); });
      if (!ec) continue;  // e.g. the server's protocol ping
      if (ec == net::error::timed_out) return -1;
      if (ec == websocket::error::closed) return ws_.reason().code;
      return 0;
    }
    return -1;
  }

 private:
  // Starts `start(handler)` and runs the io_context until the handler ran or
  // kSocketWait passed (then the socket is cancelled: timed_out).
  template <class Start>
  boost::system::error_code Run(Start start) {
    std::optional<boost::system::error_code> result;
    start([&result](boost::system::error_code ec, std::size_t) { result = ec; });
    io_.restart();
    io_.run_for(kSocketWait);
    if (result) return *result;
    beast::get_lowest_layer(ws_).cancel();
    io_.restart();
    io_.run();
    return net::error::timed_out;
  }

  std::uint16_t port_;
  net::io_context io_;
  websocket::stream<beast::tcp_stream> ws_;
};

TEST_F(LoopTest, BadFramesCloseOnlyThatConnectionAndTheServerKeepsServing) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  LoopAgent* agent = EnrollAgent("target");
  ASSERT_NE(agent, nullptr);
  ASSERT_FALSE(agent->host_token.empty());

  // Malformed JSON and unknown types: counted protocol errors, then a policy close.
  {
    RawAgentSocket socket(port());
    ASSERT_EQ(socket.Open(agent->host_token), 101U);
    int sent = 0;
    for (const char* frame :
         {"{not json", R"({"type":"no.such.type","id":"","payload":{}})", "[1,2", R"({"type":"hello"})",
          R"({"type":"job.result","id":"","payload":{"job_id":7}})", "{", "{", "{"}) {
      if (!socket.Send(frame)) break;
      ++sent;
    }
    EXPECT_GE(sent, 5);
    const int code = socket.WaitClosed();
    EXPECT_EQ(code, static_cast<int>(websocket::close_code::policy_error)) << "closed with " << code;
  }
  // A frame over the size limit fails that connection at once.
  {
    RawAgentSocket socket(port());
    ASSERT_EQ(socket.Open(agent->host_token), 101U);
    const std::string huge =
        R"({"type":"job.log","id":"","payload":{"text":")" + std::string(2 << 20, 'x') + "\"}}";
    socket.Send(huge);  // may fail half-way: the server stops reading
    const int code = socket.WaitClosed();
    EXPECT_NE(code, -1) << "an oversized frame left the connection open";
    if (code > 0) {
      EXPECT_EQ(code, static_cast<int>(websocket::close_code::too_big));
    }
  }
  // Bad or missing tokens never get a WebSocket.
  {
    RawAgentSocket socket(port());
    EXPECT_EQ(socket.Open("rmh_not-a-real-token"), 401U);
  }
  {
    RawAgentSocket socket(port());
    EXPECT_EQ(socket.Open(""), 401U);
  }

  // The server is fine: it answers, and the real agent connects and runs a job.
  EXPECT_EQ(api().Raw("GET", "/healthz", std::nullopt).status, 200);
  ASSERT_NO_FATAL_FAILURE(StartAgent(*agent, {}));
  ASSERT_TRUE(WaitConnected(*agent)) << Logs();
  const std::string repo_id = CreateRepository("after-bad-frames", dir_ / "repo", "frames-password");
  ASSERT_FALSE(repo_id.empty());
  const auto init = RunToEnd({{"host_id", agent->host_id}, {"kind", "init"}, {"repository_id", repo_id}});
  EXPECT_EQ(Str(init, "status"), "succeeded") << json::serialize(init);
}

}  // namespace
}  // namespace rmgr::testing

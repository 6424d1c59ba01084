#include "server/ws/fake_agent_client.h"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>
#include <memory>

#include "common/util/ulid.h"

namespace rmgr::server::ws::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {
// Where an operation's handler reports; shared with the handler so a wait
// that gave up never leaves it writing to a dead stack frame.
struct Completion {
  bool done = false;
  beast::error_code ec;
};
}  // namespace

template <class Done>
bool FakeAgentClient::RunUntil(SteadyClock::time_point deadline, Done&& done) {
  while (!done()) {
    if (io_.stopped()) io_.restart();
    if (io_.run_one_until(deadline) == 0) {
      // Nothing ran: either the deadline passed or there is no work left.
      if (SteadyClock::now() >= deadline || io_.stopped()) return done();
    }
  }
  return true;
}

FakeAgentClient::FakeAgentClient(std::uint16_t port, const std::string& token, const std::string& target)
    : ws_(io_) {
  const auto deadline = SteadyClock::now() + kClientWait;
  auto connected = std::make_shared<Completion>();
  beast::get_lowest_layer(ws_).async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                             [connected](const beast::error_code& ec) {
                                               connected->ec = ec;
                                               connected->done = true;
                                             });
  if (!RunUntil(deadline, [&] { return connected->done; }) || connected->ec) {
    ADD_FAILURE() << "cannot connect to the server: " << connected->ec.message();
    beast::get_lowest_layer(ws_).close();
    return;
  }
  ws_.set_option(websocket::stream_base::decorator([token](websocket::request_type& request) {
    if (!token.empty()) request.set(beast::http::field::authorization, "Bearer " + token);
  }));
  auto response = std::make_shared<websocket::response_type>();
  auto handshaken = std::make_shared<Completion>();
  ws_.async_handshake(*response, "127.0.0.1", target, [handshaken, response](const beast::error_code& ec) {
    handshaken->ec = ec;
    handshaken->done = true;
  });
  if (!RunUntil(deadline, [&] { return handshaken->done; })) {
    ADD_FAILURE() << "the upgrade got no answer";
    beast::get_lowest_layer(ws_).close();
    return;
  }
  handshake_status_ = response->result_int();
  if (handshaken->ec) return;  // refused: the status says why
  upgraded_ = true;
  ws_.text(true);
  StartRead();
}

FakeAgentClient::~FakeAgentClient() {
  Close();
  // Let the aborted read's handler run while `this` is still alive.
  io_.restart();
  io_.run_for(std::chrono::seconds(1));
}

std::uint16_t FakeAgentClient::CloseCode() const {
  return ws_.reason().code;
}

void FakeAgentClient::StartRead() {
  ws_.async_read(buffer_, [this](const beast::error_code& ec, std::size_t) {
    if (ec) {
      read_error_ = ec;
      return;
    }
    inbox_.push_back(beast::buffers_to_string(buffer_.data()));
    buffer_.consume(buffer_.size());
    StartRead();
  });
}

bool FakeAgentClient::Send(const protocol::Envelope& envelope) {
  if (!Open()) return false;
  auto frame = std::make_shared<std::string>(protocol::Encode(envelope));
  auto written = std::make_shared<Completion>();
  ws_.async_write(asio::buffer(*frame), [written, frame](const beast::error_code& ec, std::size_t) {
    written->ec = ec;
    written->done = true;
  });
  if (!RunUntil(SteadyClock::now() + kClientWait, [&] { return written->done; })) {
    ADD_FAILURE() << "a write did not complete";
    beast::get_lowest_layer(ws_).close();
    return false;
  }
  return !written->ec;
}

std::optional<protocol::Envelope> FakeAgentClient::Next(std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    if (!RunUntil(deadline, [&] { return !inbox_.empty() || read_error_; }) || inbox_.empty()) {
      return std::nullopt;
    }
    const std::string frame = std::move(inbox_.front());
    inbox_.pop_front();
    auto envelope = protocol::Decode(frame);
    if (!envelope) {
      ADD_FAILURE() << "the server sent an undecodable frame: " << envelope.error().Describe();
      continue;
    }
    if (const auto* ping = std::get_if<protocol::Ping>(&envelope->payload)) {
      Send(protocol::Envelope{envelope->id, protocol::Pong{ping->nonce, Clock::now()}});
      continue;
    }
    return std::move(envelope).value();
  }
}

std::optional<std::vector<protocol::Envelope>> FakeAgentClient::Sync(std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  std::vector<protocol::Envelope> before;
  // Round one: the hub has passed every earlier frame on. Then the barrier
  // (the consumer has handled them), and round two: whatever it sent in
  // answer was queued before the second pong.
  for (int round = 0; round < (barrier_ ? 2 : 1); ++round) {
    if (round == 1) barrier_();
    const std::string nonce = NewUlid();
    if (!Send(protocol::Ping{nonce, Clock::now()})) return std::nullopt;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
      if (left.count() <= 0) return std::nullopt;
      auto envelope = Next(left);
      if (!envelope) return std::nullopt;
      if (const auto* pong = std::get_if<protocol::Pong>(&envelope->payload); pong && pong->nonce == nonce) break;
      before.push_back(std::move(*envelope));
    }
  }
  return before;
}

bool FakeAgentClient::WaitClosed(std::chrono::milliseconds timeout) {
  if (!upgraded_) return true;
  const auto deadline = SteadyClock::now() + timeout;
  // Frames still arriving are kept for the caller; only the end matters here.
  return RunUntil(deadline, [&] { return static_cast<bool>(read_error_); });
}

void FakeAgentClient::Close() {
  if (closed_ || !upgraded_) return;
  closed_ = true;
  if (!read_error_) {
    auto closed = std::make_shared<Completion>();
    ws_.async_close(websocket::close_code::normal, [closed](const beast::error_code& ec) {
      closed->ec = ec;
      closed->done = true;
    });
    RunUntil(SteadyClock::now() + std::chrono::seconds(2), [&] { return closed->done; });
  }
  beast::get_lowest_layer(ws_).close();
}

}  // namespace rmgr::server::ws::testing

#include "agent/connection/fake_agent_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <exception>
#include <utility>

#include "common/protocol/envelope.h"

namespace rmgr::agent::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// A test server that throws has a bug: let it take the test down.
void Rethrow(const std::exception_ptr& e) {
  if (e) std::rethrow_exception(e);
}
}  // namespace

struct FakeAgentServer::Connection {
  explicit Connection(beast::tcp_stream stream) : ws(std::move(stream)) {}

  websocket::stream<beast::tcp_stream> ws;
  std::size_t index = 0;
  std::deque<std::pair<bool, std::string>> out;  // (binary, frame) waiting for Flush
  bool flushing = false;
  bool closing = false;
};

FakeAgentServer::FakeAgentServer() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(io_, Accept(), Rethrow);
  thread_ = std::thread([this] { io_.run(); });
}

FakeAgentServer::~FakeAgentServer() {
  io_.stop();
  thread_.join();
}

std::string FakeAgentServer::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

void FakeAgentServer::RefuseUpgrades(unsigned status) {
  std::scoped_lock lock(mu_);
  refuse_status_ = status;
}

void FakeAgentServer::AnswerPings(bool answer) {
  std::scoped_lock lock(mu_);
  answer_pings_ = answer;
}

void FakeAgentServer::SetHttpReply(unsigned status, std::string body) {
  std::scoped_lock lock(mu_);
  http_status_ = status;
  http_body_ = std::move(body);
}

void FakeAgentServer::SendText(std::size_t index, std::string frame) {
  Post(index,
       [this, frame = std::move(frame)](const std::shared_ptr<Connection>& c) { Enqueue(c, false, frame); });
}

void FakeAgentServer::SendBinary(std::size_t index, std::string frame) {
  Post(index,
       [this, frame = std::move(frame)](const std::shared_ptr<Connection>& c) { Enqueue(c, true, frame); });
}

void FakeAgentServer::Close(std::size_t index, websocket::close_code code) {
  Post(index, [code](const std::shared_ptr<Connection>& c) {
    if (c->closing) return;
    c->closing = true;
    c->ws.async_close(code, [c](const beast::error_code&) {});
  });
}

bool FakeAgentServer::WaitFor(const std::function<bool(const ServerRecord&)>& done,
                              std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return done(record_); });
}

ServerRecord FakeAgentServer::Snapshot() const {
  std::scoped_lock lock(mu_);
  return record_;
}

void FakeAgentServer::Record(const std::function<void(ServerRecord&)>& change) {
  {
    std::scoped_lock lock(mu_);
    change(record_);
  }
  changed_.notify_all();
}

void FakeAgentServer::Post(std::size_t index,
                           std::function<void(const std::shared_ptr<Connection>&)> action) {
  asio::post(io_, [this, index, action = std::move(action)] {
    const auto it = live_.find(index);
    if (it == live_.end()) return;
    if (auto c = it->second.lock()) action(c);
  });
}

void FakeAgentServer::Enqueue(const std::shared_ptr<Connection>& c, bool binary, std::string frame) {
  c->out.emplace_back(binary, std::move(frame));
  if (c->flushing) return;
  c->flushing = true;
  asio::co_spawn(io_, Flush(c), Rethrow);
}

asio::awaitable<void> FakeAgentServer::Flush(std::shared_ptr<Connection> c) {
  while (!c->out.empty()) {
    auto [binary, frame] = std::move(c->out.front());
    c->out.pop_front();
    c->ws.binary(binary);
    auto [ec, bytes] = co_await c->ws.async_write(asio::buffer(frame), kUseTuple);
    if (ec) c->out.clear();
  }
  c->flushing = false;
}

asio::awaitable<void> FakeAgentServer::Accept() {
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(kUseTuple);
    if (ec) co_return;
    asio::co_spawn(io_, Serve(std::move(socket)), Rethrow);
  }
}

asio::awaitable<void> FakeAgentServer::Serve(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  http::request<http::string_body> request;
  auto [read_ec, read_bytes] = co_await http::async_read(stream, buffer, request, kUseTuple);
  if (read_ec) co_return;
  const std::string authorization(request[http::field::authorization]);

  if (!websocket::is_upgrade(request)) {
    http::response<http::string_body> response;
    {
      std::scoped_lock lock(mu_);
      response.result(http_status_);
      response.body() = http_body_;
    }
    Record([&](ServerRecord& r) {
      r.http_requests.push_back({std::string(request.method_string()), std::string(request.target()),
                                 std::string(request[http::field::content_type]), request.body()});
    });
    response.set(http::field::content_type, "application/json");
    response.keep_alive(false);
    response.prepare_payload();
    co_await http::async_write(stream, response, kUseTuple);
    co_return;
  }

  unsigned refuse = 0;
  {
    std::scoped_lock lock(mu_);
    refuse = refuse_status_;
  }
  if (refuse != 0) {
    Record([&](ServerRecord& r) { r.refused_upgrades.push_back(authorization); });
    http::response<http::string_body> response(static_cast<http::status>(refuse), request.version());
    response.set(http::field::content_type, "application/json");
    response.body() = R"({"error":{"code":"unauthenticated","message":"unknown host token"}})";
    response.keep_alive(false);
    response.prepare_payload();
    co_await http::async_write(stream, response, kUseTuple);
    co_return;
  }

  auto c = std::make_shared<Connection>(std::move(stream));
  Record([&](ServerRecord& r) {
    c->index = r.sessions.size();
    r.sessions.push_back({std::string(request.target()), authorization, {}, std::nullopt, false});
  });
  live_[c->index] = c;
  auto [accept_ec] = co_await c->ws.async_accept(request, kUseTuple);
  while (!accept_ec) {
    beast::flat_buffer frame;
    auto [ec, bytes] = co_await c->ws.async_read(frame, kUseTuple);
    if (ec) {
      if (ec == websocket::error::closed) {
        Record([&](ServerRecord& r) { r.sessions[c->index].close_code = c->ws.reason().code; });
      }
      break;
    }
    std::string text = beast::buffers_to_string(frame.data());
    bool answer = false;
    Record([&](ServerRecord& r) {
      r.sessions[c->index].frames.push_back(text);
      answer = answer_pings_;
    });
    if (!answer) continue;
    auto decoded = protocol::Decode(text);
    if (!decoded) continue;
    if (const auto* ping = std::get_if<protocol::Ping>(&decoded->payload)) {
      Enqueue(c, false, protocol::Encode(protocol::Envelope{"", protocol::Pong{ping->nonce, Clock::now()}}));
    }
  }
  live_.erase(c->index);
  Record([&](ServerRecord& r) { r.sessions[c->index].ended = true; });
}

}  // namespace rmgr::agent::testing

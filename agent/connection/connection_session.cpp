#include "agent/connection/connection_session.h"

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/websocket.hpp>
#include <string_view>
#include <utility>

namespace rmgr::agent::connection_detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

Session::Session(const Strand& strand, tls::MaybeTlsStream stream,
                 std::shared_ptr<tls::PeerRecord> peer_record, std::size_t max_queue_frames)
    : resolver(strand),
      ws(std::move(stream)),
      peer(std::move(peer_record)),
      heartbeat(strand),
      wake_(strand),
      max_queue_frames_(max_queue_frames) {}

void Session::Open(std::string hello) {
  std::scoped_lock lock(mu_);
  queue_.push_back(std::move(hello));
  accepting_ = true;
}

Session::Push Session::Enqueue(std::string frame) {
  std::scoped_lock lock(mu_);
  if (!accepting_) return Push::kClosed;
  if (queue_.size() >= max_queue_frames_) return Push::kFull;
  queue_.push_back(std::move(frame));
  WakeWriter();
  return Push::kQueued;
}

void Session::Refuse() {
  std::scoped_lock lock(mu_);
  accepting_ = false;
  queue_.clear();
  WakeWriter();
}

bool Session::accepting() const {
  std::scoped_lock lock(mu_);
  return accepting_;
}

asio::awaitable<std::optional<std::string>> Session::NextFrame() {
  {
    std::scoped_lock lock(mu_);
    if (!queue_.empty()) {
      std::string frame = std::move(queue_.front());
      queue_.pop_front();
      co_return frame;
    }
    writer_asleep_ = true;
  }
  // Enqueue's wake-up is posted to the strand, so it runs only after this wait has begun.
  wake_.expires_at(std::chrono::steady_clock::time_point::max());
  co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return std::nullopt;
}

void Session::CloseSocket() {
  ws.next_layer().Tcp().close();
}

void Session::WakeWriter() {
  if (!writer_asleep_) return;
  writer_asleep_ = false;
  asio::post(wake_.get_executor(), [self = shared_from_this()] { self->wake_.cancel(); });
}

std::string ReadFailure(const Session& s, const beast::error_code& ec, std::size_t max_frame_bytes) {
  if (ec == websocket::error::closed) {
    const auto& why = s.ws.reason();
    if (why.reason.empty()) return fmt::format("the server closed the connection ({})", why.code);
    return fmt::format("the server closed the connection ({} {})", why.code,
                       std::string_view(why.reason.data(), why.reason.size()));
  }
  if (ec == websocket::error::message_too_big) {
    return fmt::format("the server sent a frame larger than {} bytes", max_frame_bytes);
  }
  return "connection lost: " + ec.message();
}

}  // namespace rmgr::agent::connection_detail

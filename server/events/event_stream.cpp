#include "server/events/event_stream.h"

#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>

#include "common/util/log.h"

namespace rmgr::server::events {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {
// The response head: no length, the connection ends the body.
constexpr std::string_view kHead =
    "HTTP/1.1 200 OK\r\n"
    "Server: restic-manager\r\n"
    "Content-Type: text/event-stream; charset=utf-8\r\n"
    "Cache-Control: no-store\r\n"
    "Connection: close\r\n"
    "X-Accel-Buffering: no\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "\r\n"
    "retry: 3000\n\n";
constexpr std::string_view kHeartbeat = ": keep-alive\n\n";
}  // namespace

class EventStreams::Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(EventStreams& owner, std::uint64_t id, tls::MaybeTlsStream stream,
             std::function<bool()> still_allowed)
      : owner_(owner),
        id_(id),
        strand_(stream.get_executor()),
        stream_(std::move(stream)),
        still_allowed_(std::move(still_allowed)),
        heartbeat_(strand_) {}

  // On the strand.
  void Start(auth::Role role, std::string first_frame) {
    std::weak_ptr<Connection> weak = weak_from_this();
    subscription_ = owner_.bus_.Subscribe(role, [weak](std::shared_ptr<const std::string> frame) {
      auto self = weak.lock();
      if (!self) return;
      asio::post(self->strand_, [self, frame = std::move(frame)] { self->Enqueue(frame); });
    });
    Enqueue(std::make_shared<const std::string>(kHead));
    Enqueue(std::make_shared<const std::string>(std::move(first_frame)));
    ArmHeartbeat();
    ReadUntilClosed();
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    owner_.bus_.Unsubscribe(subscription_);
    heartbeat_.cancel();
    boost::system::error_code ignored;
    stream_.Tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    stream_.Tcp().socket().close(ignored);
    owner_.Forget(id_);
  }

  const asio::any_io_executor& strand() const { return strand_; }

 private:
  void Enqueue(std::shared_ptr<const std::string> frame) {
    if (closed_) return;
    backlog_ += frame->size();
    if (backlog_ > owner_.options_.max_backlog_bytes) {
      Logger("events")->info("event stream {} dropped: {} bytes unsent", id_, backlog_);
      Close();
      return;
    }
    queue_.push_back(std::move(frame));
    WriteNext();
  }

  void WriteNext() {
    if (writing_ || closed_ || queue_.empty()) return;
    writing_ = true;
    stream_.Tcp().expires_after(owner_.options_.write_timeout);
    auto frame = queue_.front();
    asio::async_write(stream_, asio::buffer(*frame),
                      [self = shared_from_this(), frame](const boost::system::error_code& ec, std::size_t) {
                        self->writing_ = false;
                        if (ec) {
                          self->Close();
                          return;
                        }
                        self->backlog_ -= frame->size();
                        self->queue_.pop_front();
                        self->WriteNext();
                      });
  }

  void ArmHeartbeat() {
    heartbeat_.expires_after(owner_.options_.heartbeat);
    heartbeat_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec || self->closed_) return;
      if (++self->beats_ % self->owner_.options_.recheck_every == 0 && self->still_allowed_) {
        self->Recheck();
        return;
      }
      self->Beat();
    });
  }

  void Beat() {
    Enqueue(std::make_shared<const std::string>(kHeartbeat));
    ArmHeartbeat();
  }

  // The credential check may wait on the store: it runs on the recheck
  // executor and its answer comes back to the strand.
  void Recheck() {
    auto check = [self = shared_from_this()] {
      const bool allowed = self->still_allowed_();
      asio::post(self->strand_, [self, allowed] {
        if (self->closed_) return;
        if (!allowed) {
          Logger("events")->info("event stream {} ended: its credentials are no longer valid", self->id_);
          self->Close();
          return;
        }
        self->Beat();
      });
    };
    asio::post(owner_.options_.recheck_executor.value_or(strand_), std::move(check));
  }

  // The browser sends nothing after its request; any end of the read
  // (close, reset) ends the stream. Reads go through TLS (a raw read would
  // eat its records) and bypass the TCP layer's write timer.
  void ReadUntilClosed() {
    stream_.async_read_some(
        asio::buffer(read_buffer_),
        asio::bind_executor(strand_,
                            [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                              if (ec) {
                                self->Close();
                                return;
                              }
                              self->ReadUntilClosed();
                            }));
  }

  EventStreams& owner_;
  const std::uint64_t id_;
  const asio::any_io_executor strand_;
  tls::MaybeTlsStream stream_;
  std::function<bool()> still_allowed_;
  asio::steady_timer heartbeat_;
  std::uint64_t subscription_ = 0;
  std::deque<std::shared_ptr<const std::string>> queue_;
  std::size_t backlog_ = 0;
  bool writing_ = false;
  bool closed_ = false;
  int beats_ = 0;
  std::array<char, 256> read_buffer_{};
};

EventStreams::EventStreams(EventBus& bus, StreamOptions options) : bus_(bus), options_(options) {}

EventStreams::~EventStreams() {
  Stop();
}

bool EventStreams::HasRoom() const {
  std::lock_guard lock(mu_);
  return !stopped_ && open_.size() < options_.max_streams;
}

void EventStreams::Serve(tls::MaybeTlsStream stream, auth::Role role, std::string first_frame,
                         std::function<bool()> still_allowed) {
  std::shared_ptr<Connection> connection;
  {
    std::lock_guard lock(mu_);
    const std::uint64_t id = next_id_++;
    connection = std::make_shared<Connection>(*this, id, std::move(stream), std::move(still_allowed));
    open_[id] = connection;  // until its Close, even when stopped: Count() tells when all are done
  }
  asio::post(connection->strand(), [this, connection, role, first_frame = std::move(first_frame)]() mutable {
    bool stopped;
    {
      std::lock_guard lock(mu_);
      stopped = stopped_;
    }
    if (stopped) {
      connection->Close();
      return;
    }
    connection->Start(role, std::move(first_frame));
  });
}

void EventStreams::Stop() {
  std::map<std::uint64_t, std::weak_ptr<Connection>> open;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    open = open_;
  }
  for (auto& [id, weak] : open) {
    if (auto connection = weak.lock())
      asio::post(connection->strand(), [connection] { connection->Close(); });
  }
}

std::size_t EventStreams::Count() const {
  std::lock_guard lock(mu_);
  return open_.size();
}

void EventStreams::Forget(std::uint64_t id) {
  std::lock_guard lock(mu_);
  open_.erase(id);
}

}  // namespace rmgr::server::events

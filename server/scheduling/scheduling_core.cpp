#include "server/scheduling/scheduling_core.h"

#include <boost/asio/post.hpp>

#include <future>
#include <variant>

#include "common/protocol/close_codes.h"
#include "common/util/log.h"

namespace rmgr::server::scheduling {
namespace {
std::shared_ptr<spdlog::logger> Log() { return Logger("scheduling"); }
}  // namespace

SchedulingCore::SchedulingCore(store::Store& store, const auth::SecretBox& secrets, ws::CommandSender& sender,
                               SchedulingOptions options)
    : work_(io_.get_executor()),
      options_(std::move(options)),
      publisher_(store, *options_.events, options_.observers),
      ctx_{store, secrets, sender, presence_, watch_, publisher_, options_, io_.get_executor()},
      dispatcher_(ctx_),
      pusher_(ctx_),
      catchup_(ctx_, dispatcher_),
      fires_(ctx_, dispatcher_, catchup_),
      reports_(ctx_, dispatcher_),
      sweep_(ctx_, dispatcher_),
      browse_(ctx_),
      rollouts_(ctx_),
      connections_(ctx_, ConnectionHandler::Parts{pusher_, dispatcher_, catchup_, browse_}),
      thread_([this] {
        for (;;) {
          try {
            io_.run();
            return;
          } catch (const std::exception& e) {
            Log()->critical("scheduling thread: unexpected exception: {}", e.what());
          }
        }
      }) {}

SchedulingCore::~SchedulingCore() {
  Stop();
  work_.reset();
  thread_.join();
}

template <class F>
void SchedulingCore::Post(F&& work) {
  queued_.fetch_add(1, std::memory_order_relaxed);
  boost::asio::post(io_, [this, work = std::forward<F>(work)]() mutable {
    queued_.fetch_sub(1, std::memory_order_relaxed);
    work();
  });
}

std::size_t SchedulingCore::QueueDepth() const {
  return queued_.load(std::memory_order_relaxed);
}

template <class F>
auto SchedulingCore::Call(F&& work) -> decltype(work()) {
  using R = decltype(work());
  std::packaged_task<R()> task(std::forward<F>(work));
  auto result = task.get_future();
  boost::asio::post(io_, [&task] { task(); });
  return result.get();
}

void SchedulingCore::Start() {
  Call([this] {
    if (stopped_) return;
    sweep_.Start();
    rollouts_.Start();
  });
}

void SchedulingCore::Stop() {
  Call([this] {
    if (std::exchange(stopped_, true)) return;
    sweep_.Stop();
    rollouts_.Stop();
    catchup_.Stop();
    browse_.Stop();
  });
}

int SchedulingCore::SweepLostJobs() {
  return Call([this] { return sweep_.Sweep(); });
}

void SchedulingCore::Drain() {
  Call([] {});
}

// ------------------------------------------------------------ the hub

void SchedulingCore::OnAgentConnected(const ws::AgentIdentity& who, std::uint64_t connection_id,
                                      const std::string& remote_address) {
  Post([this, who, connection_id, remote_address] { connections_.Connected(who, connection_id, remote_address); });
}

void SchedulingCore::OnAgentDisconnected(const ws::AgentIdentity& who, std::uint64_t connection_id) {
  Post([this, who, connection_id] { connections_.Disconnected(who, connection_id); });
}

void SchedulingCore::OnAgentMessage(const ws::AgentIdentity& who, std::uint64_t connection_id,
                                    protocol::Envelope envelope) {
  Post([this, who, connection_id, envelope = std::move(envelope)]() mutable {
    Route(who, connection_id, std::move(envelope));
  });
}

void SchedulingCore::Route(const ws::AgentIdentity& who, std::uint64_t connection_id, protocol::Envelope envelope) {
  if (!presence_.Current(who.host_id, connection_id)) return;  // a replaced connection's last words
  if (const auto* hello = std::get_if<protocol::Hello>(&envelope.payload)) {
    connections_.Hello(who, connection_id, *hello);
    if (presence_.Ready(who.host_id) == connection_id) rollouts_.Hello(who.host_id, connection_id, hello->agent_version);
    return;
  }
  if (!presence_.Ready(who.host_id)) {
    Log()->warn("host {} sent {} before hello; ignored", who.host_id, protocol::TypeName(envelope.payload));
    return;
  }
  std::visit(
      [&](const auto& payload) {
        using T = std::decay_t<decltype(payload)>;
        if constexpr (std::is_same_v<T, protocol::ScheduleAck>) {
          pusher_.HandleAck(who, payload);
        } else if constexpr (std::is_same_v<T, protocol::ScheduleFire>) {
          fires_.Handle(who, connection_id, payload);
        } else if constexpr (std::is_same_v<T, protocol::JobStarted>) {
          reports_.Started(who, payload);
        } else if constexpr (std::is_same_v<T, protocol::JobProgress>) {
          reports_.Progress(who, payload);
        } else if constexpr (std::is_same_v<T, protocol::JobLog>) {
          reports_.Log(who, payload);
        } else if constexpr (std::is_same_v<T, protocol::JobResult>) {
          reports_.Result(who, connection_id, payload);
        } else if constexpr (std::is_same_v<T, protocol::JobsRunning>) {
          reports_.Running(who, payload);
        } else if constexpr (std::is_same_v<T, protocol::BrowseResult>) {
          browse_.Answer(who, payload);
        } else if constexpr (std::is_same_v<T, protocol::AgentUpdateStatus>) {
          rollouts_.Status(who, payload);
        } else {
          Log()->warn("host {} sent {}, which only the server sends; ignored", who.host_id, T::kType);
        }
      },
      envelope.payload);
}

// ------------------------------------------------------------ the REST API

void SchedulingCore::SchedulesChanged(const std::string& host_id) {
  Post([this, host_id] { pusher_.Push(host_id); });
}

void SchedulingCore::JobsQueued(const std::string& host_id) {
  Post([this, host_id] { dispatcher_.DispatchReady(host_id); });
}

void SchedulingCore::CancelRequested(const std::string& host_id, const std::string& job_id) {
  // The API kept the request in the store with its audit entry, so a cancel
  // survives a server restart and the next hello delivers it; here it is
  // only sent to a connected agent.
  Post([this, host_id, job_id] {
    auto connection = presence_.Ready(host_id);
    if (!connection) return;  // delivered after the next hello
    ctx_.Send(host_id, *connection, protocol::CommandCancel{job_id});
  });
}

void SchedulingCore::HostDeleted(const std::string& host_id) {
  Post([this, host_id] {
    auto link = presence_.Find(host_id);  // ready or not
    if (!link) return;
    Log()->info("host {} was deleted: closing its agent's connection", host_id);
    ctx_.sender.Close(host_id, link->connection_id, protocol::kCloseHostDeleted);
  });
}

void SchedulingCore::RolloutsChanged() {
  Post([this] { rollouts_.Advance(); });
}

void SchedulingCore::Browse(BrowseQuery query, BrowseDone done) {
  Post([this, query = std::move(query), done = std::move(done)]() mutable {
    browse_.Browse(std::move(query), std::move(done));
  });
}

}  // namespace rmgr::server::scheduling

#include "server/scheduling/browse_broker.h"

#include "common/util/log.h"
#include "common/util/ulid.h"
#include "server/scheduling/wire_mapping.h"

namespace rmgr::server::scheduling {
namespace {
std::shared_ptr<spdlog::logger> Log() { return Logger("scheduling"); }
}  // namespace

void BrowseBroker::Browse(BrowseQuery query, BrowseDone done) {
  if (stopped_) {
    done(MakeError(ErrorCode::kUnavailable, "the server is stopping"));
    return;
  }
  auto connection = ctx_.presence.Ready(query.host_id);
  if (!connection) {
    done(MakeError(ErrorCode::kConflict, "the host is offline: its agent must be connected to list a snapshot"));
    return;
  }
  const std::string request_id = NewUlid(ctx_.Now());
  auto request = ctx_.store.Read([&](store::ReadTx& tx) {
    return BuildBrowseRequest(tx, request_id, query.host_id, query.repository_id, query.snapshot_id, query.path,
                              ctx_.secrets);
  });
  if (!request) {
    done(request.error());
    return;
  }
  auto timer = std::make_unique<boost::asio::steady_timer>(ctx_.executor, ctx_.options.browse_timeout);
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(ctx_.options.browse_timeout).count();
  timer->async_wait([this, request_id, seconds](const boost::system::error_code& ec) {
    if (ec) return;  // answered, or stopped
    if (auto waiter = Take(request_id)) {
      Log()->warn("browse request {} to host {}: no answer within {} s", request_id, waiter->host_id, seconds);
      waiter->done(
          MakeError(ErrorCode::kUnavailable, "the agent did not answer within " + std::to_string(seconds) + " s"));
    }
  });
  waiters_.emplace(request_id, Waiter{query.host_id, std::move(done), std::move(timer)});
  if (!ctx_.Send(query.host_id, *connection, std::move(*request))) {
    if (auto waiter = Take(request_id)) {
      waiter->done(MakeError(ErrorCode::kConflict, "the host's agent disconnected before it answered"));
    }
  }
}

void BrowseBroker::Answer(const ws::AgentIdentity& who, const protocol::BrowseResult& result) {
  if (auto waiter = Take(result.request_id, who.host_id)) {
    waiter->done(result);
  } else {
    Log()->debug("host {} answered browse request {} (no waiter: timed out)", who.host_id, result.request_id);
  }
}

std::optional<BrowseBroker::Waiter> BrowseBroker::Take(const std::string& request_id, const std::string& host_id) {
  auto it = waiters_.find(request_id);
  if (it == waiters_.end()) return std::nullopt;
  if (!host_id.empty() && it->second.host_id != host_id) return std::nullopt;  // another host's answer
  Waiter waiter = std::move(it->second);
  waiters_.erase(it);
  waiter.timer->cancel();
  return waiter;
}

void BrowseBroker::Fail(const std::string& host_id, const Error& error) {
  std::vector<Waiter> failed;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (host_id.empty() || it->second.host_id == host_id) {
      it->second.timer->cancel();
      failed.push_back(std::move(it->second));
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& waiter : failed) waiter.done(error);
}

void BrowseBroker::Stop() {
  stopped_ = true;
  Fail("", MakeError(ErrorCode::kUnavailable, "the server is stopping"));
}

}  // namespace rmgr::server::scheduling

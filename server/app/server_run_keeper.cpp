#include "server/app/server_run_keeper.h"

#include <utility>

#include "common/util/log.h"
#include "server/store/store.h"

namespace rmgr::server {

ServerRunKeeper::ServerRunKeeper(boost::asio::any_io_executor executor, store::Store& store, Settings settings)
    : store_(store), settings_(settings), timer_(std::move(executor)) {}

Result<void> ServerRunKeeper::Start() {
  auto run = store_.Write([](store::WriteTx& tx) { return tx.StartServerRun(); });
  if (!run) return run.error();
  std::lock_guard lock(mu_);
  run_id_ = run->id;
  Logger("server")->info("server run {} started", run->id);
  ArmLocked();
  return Ok();
}

void ServerRunKeeper::ArmLocked() {
  if (stopped_) return;
  timer_.expires_after(settings_.keep_alive);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled by Stop
    Touch();
  });
}

void ServerRunKeeper::Touch() {
  std::lock_guard lock(mu_);
  if (stopped_ || !run_id_) return;
  const int64_t id = *run_id_;
  // A keep-alive lost on power failure only makes the last one older.
  auto touched = store_.Write([id](store::WriteTx& tx) { return tx.TouchServerRun(id); }, store::Durability::kRelaxed);
  if (!touched) Logger("server")->warn("cannot record that server run {} is alive: {}", id, touched.error().message);
  ArmLocked();
}

void ServerRunKeeper::Stop() {
  std::lock_guard lock(mu_);
  if (stopped_) return;
  stopped_ = true;
  timer_.cancel();
  if (!run_id_) return;
  const int64_t id = *run_id_;
  auto stopped = store_.Write([id](store::WriteTx& tx) { return tx.StopServerRun(id); });
  if (!stopped) Logger("server")->warn("cannot record the end of server run {}: {}", id, stopped.error().message);
}

std::optional<int64_t> ServerRunKeeper::RunId() const {
  std::lock_guard lock(mu_);
  return run_id_;
}

}  // namespace rmgr::server

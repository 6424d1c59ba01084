#pragma once
// ServerRunKeeper: records this server process in the store's server runs
// (the window record's "server down" is a gap between one run's last sign
// of life and the next run's start). Start() opens a run — which also
// closes presence intervals an earlier run left open —, a timer touches it
// every `keep_alive`, Stop() stamps its clean end. A crash leaves the run
// without an end: its last keep-alive says when the server was last up.
// Thread safety: Start, Stop and the timer's handler may run on any
// threads; one mutex serialises them (and the timer's use).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

#include "common/result.h"

namespace rmgr::store {
class Store;
}

namespace rmgr::server {

class ServerRunKeeper {
 public:
  //! Tuning; the default suits a server.
  struct Settings {
    std::chrono::milliseconds keep_alive{std::chrono::seconds(30)};  ///< How often last_alive_at moves.
  };

  //! Keeps runs in `store` with a timer on `executor`; both must outlive the keeper.
  ServerRunKeeper(boost::asio::any_io_executor executor, store::Store& store, Settings settings);
  ~ServerRunKeeper() = default;
  ServerRunKeeper(const ServerRunKeeper&) = delete;
  ServerRunKeeper& operator=(const ServerRunKeeper&) = delete;

  //! Records the start of this run (synchronously, before agents connect) and arms the keep-alive.
  Result<void> Start();
  //! Stops the keep-alive and records a clean end; idempotent. A failure is logged.
  void Stop();
  //! The run's id once started.
  std::optional<int64_t> RunId() const;

 private:
  void ArmLocked();
  void Touch();

  store::Store& store_;
  Settings settings_;
  mutable std::mutex mu_;
  boost::asio::steady_timer timer_;  // guarded by mu_
  std::optional<int64_t> run_id_;    // guarded by mu_
  bool stopped_ = false;             // guarded by mu_
};

}  // namespace rmgr::server

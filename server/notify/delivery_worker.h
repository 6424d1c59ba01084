#pragma once
// DeliveryWorker: the periodic task that empties the delivery queue. Each
// pass (on the worker's own thread — never the scheduling thread, never an
// HTTP io thread) first turns the backup-job changes heard by JobPings into
// healthchecks deliveries, then claims the deliveries that are due (the
// claim counts the attempt and leases the row for `lease`), sends each one
// through its channel and records the outcome: sent, queued again after an
// exponential backoff with jitter, or failed once `max_attempts` or
// `give_up_after` is reached.
//
// Delivery is at least once: a crash (or a lost store write) after a send
// and before its record leaves the row leased; it is sent again once the
// lease runs out. It is never queued twice: the queue holds one row per
// (notice, channel) (store::QueueNotificationDelivery).
//
// Thread safety: Start, Stop and Wake may be called from any thread.
// RunOnce and Attempt may run on any thread; passes never overlap.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/result.h"
#include "common/util/time_format.h"
#include "server/notify/transport.h"
#include "server/store/notification_types.h"
#include "server/store/store_types.h"

namespace rmgr::store {
class Store;
}
namespace rmgr::server::auth {
class SecretBox;
}

namespace rmgr::server::notify {

class JobPings;

//! The wait before attempt `attempts` + 1: `initial` doubled per attempt
//! after the first, at most `max`, times `jitter` (a factor near 1).
std::chrono::milliseconds BackoffDelay(int64_t attempts, std::chrono::milliseconds initial,
                                       std::chrono::milliseconds max, double jitter);

class DeliveryWorker {
 public:
  //! Tuning; the defaults suit a server.
  struct Settings {
    std::chrono::milliseconds poll_interval{std::chrono::seconds(5)};     ///< Look for due rows this often.
    std::chrono::milliseconds backoff_initial{std::chrono::seconds(30)};  ///< Wait after the first failure.
    std::chrono::milliseconds backoff_max{std::chrono::hours(1)};         ///< Longest wait between attempts.
    int max_attempts = 20;                                                ///< Give up after this many.
    std::chrono::milliseconds give_up_after{std::chrono::hours(24)};      ///< ... or once a row is this old.
    std::chrono::milliseconds lease{
        std::chrono::minutes(2)};          ///< A claimed row is not claimed again for this long.
    int batch = 20;                        ///< Rows claimed per pass.
    std::chrono::hours keep_log{24 * 30};  ///< Sent and failed rows older than this are pruned.
    TransportSettings transport;           ///< Timeouts and trust of every request.
    std::function<TimePoint()> now = [] { return Clock::now(); };  ///< Wall clock (tests pin it).
    std::function<double()> jitter;  ///< Backoff factor; empty: uniform in [0.8, 1.2].
    //! Called after each recorded attempt (tests await it); runs on the attempting thread.
    std::function<void(const store::NotificationDelivery&)> on_attempt;
  };

  //! Works on `store` with channel secrets opened by `box`; `pings` (may be
  //! null) is drained each pass. All must outlive the worker.
  DeliveryWorker(store::Store& store, const auth::SecretBox& box, JobPings* pings, Settings settings);
  //! Stops.
  ~DeliveryWorker();
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  //! Starts the worker thread (its first pass runs at once). Idempotent.
  void Start();
  //! Stops the thread after the send in flight (at most the total timeout); idempotent.
  void Stop();
  //! Asks for a pass soon (something was queued). Any thread; never blocks.
  void Wake();

  //! One pass on the calling thread: pings queued, due rows claimed, sent
  //! and recorded. Returns how many deliveries were attempted.
  int RunOnce();

  //! Sends one claimed (leased) delivery now and records the outcome; with
  //! `final`, a failure is not retried (send test). Returns the row as recorded.
  Result<store::NotificationDelivery> Attempt(const store::NotificationDelivery& delivery, bool final);

  //! The settings (for the lease of a delivery sent at once).
  const Settings& settings() const { return settings_; }

 private:
  void Loop();
  void QueuePings();
  void PruneIfDue();

  store::Store& store_;
  const auth::SecretBox& box_;
  JobPings* pings_;
  const Settings settings_;
  std::mutex pass_mu_;  // one pass at a time
  std::mutex mu_;       // guards the four below
  std::condition_variable cv_;
  bool started_ = false;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
  TimePoint last_prune_{};  // used by the worker thread only
};

}  // namespace rmgr::server::notify

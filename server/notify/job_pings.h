#pragma once
// JobPings: the scheduling::ChangeObserver behind healthchecks-style pings.
// On the scheduling thread it only keeps the changed backup jobs of a
// schedule in a bounded queue and wakes the delivery worker, which drains
// the queue and turns each change into deliveries (DeliveryWorker::RunOnce).
// A change heard here is a hint: a server crash before the worker drained
// it loses that ping (healthchecks then reports the check late, as it
// should for a server that was down).
// Thread safety: JobChanged / HostChanged from the scheduling thread, Drain
// from the worker; one mutex guards the queue.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "server/scheduling/change_observer.h"

namespace rmgr::server::notify {

class JobPings final : public scheduling::ChangeObserver {
 public:
  //! `wake` (may be empty) is called after a job was queued; it must not block.
  explicit JobPings(std::function<void()> wake, size_t capacity = 10000)
      : wake_(std::move(wake)), capacity_(capacity) {}

  //! Queues a backup job of a schedule that started or finished; others are ignored.
  void JobChanged(const store::Job& job) override;
  //! Hosts are not pinged.
  void HostChanged(const store::Host& host) override;

  //! Takes every queued job, oldest first.
  std::vector<store::Job> Drain();
  //! How many changes were dropped because the queue was full.
  int64_t Dropped() const;
  //! Replaces the wake callback (before the scheduling core starts).
  void SetWake(std::function<void()> wake);

 private:
  std::function<void()> wake_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::deque<store::Job> queue_;  // guarded by mu_
  int64_t dropped_ = 0;           // guarded by mu_
};

}  // namespace rmgr::server::notify

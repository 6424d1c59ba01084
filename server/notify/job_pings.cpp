#include "server/notify/job_pings.h"

#include "common/util/log.h"
#include "server/notify/render.h"

namespace rmgr::server::notify {

void JobPings::JobChanged(const store::Job& job) {
  if (!PingEventOf(job)) return;
  std::function<void()> wake;
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= capacity_) {
      ++dropped_;
      Logger("notify")->warn("healthchecks ping queue full: dropped the change of job {}", job.id);
      return;
    }
    queue_.push_back(job);
    wake = wake_;
  }
  if (wake) wake();
}

void JobPings::HostChanged(const store::Host& /*host*/) {}

std::vector<store::Job> JobPings::Drain() {
  std::lock_guard lock(mu_);
  std::vector<store::Job> jobs(std::make_move_iterator(queue_.begin()),
                               std::make_move_iterator(queue_.end()));
  queue_.clear();
  return jobs;
}

int64_t JobPings::Dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

void JobPings::SetWake(std::function<void()> wake) {
  std::lock_guard lock(mu_);
  wake_ = std::move(wake);
}

}  // namespace rmgr::server::notify

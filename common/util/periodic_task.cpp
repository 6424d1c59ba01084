#include "common/util/periodic_task.h"

#include <exception>

#include "common/util/log.h"

namespace rmgr {

PeriodicTask::PeriodicTask(boost::asio::any_io_executor executor, std::string name, Settings settings,
                           std::function<void()> callback)
    : name_(std::move(name)), settings_(settings), callback_(std::move(callback)), timer_(std::move(executor)) {}

PeriodicTask::~PeriodicTask() { Stop(); }

void PeriodicTask::Start() {
  std::lock_guard lock(mu_);
  if (std::exchange(started_, true)) return;
  Arm();
}

void PeriodicTask::Stop() {
  std::lock_guard lock(mu_);
  started_ = false;
  timer_.cancel();
}

// Called with mu_ held.
void PeriodicTask::Arm() {
  timer_.expires_after(settings_.period);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: stopped
    {
      std::lock_guard lock(mu_);
      if (!started_) return;
    }
    try {
      callback_();
    } catch (const std::exception& e) {
      Logger("periodic")->error("periodic task {} failed: {}", name_, e.what());
    }
    std::lock_guard lock(mu_);
    if (started_) Arm();
  });
}

}  // namespace rmgr

#include "agent/executor/stop_control.h"

namespace rmgr::agent {

void StopControl::Stop(StopReason reason) {
  std::lock_guard lock(mu_);
  if (!reason_) reason_ = reason;
  if (restic_ != nullptr) restic_->Cancel(cancel_grace_);
  if (hook_stop_ != nullptr) hook_stop_->store(true);
  stopped_.notify_all();
}

std::optional<StopReason> StopControl::reason() const {
  std::lock_guard lock(mu_);
  return reason_;
}

bool StopControl::SleepUnlessStopped(std::chrono::milliseconds duration) {
  std::unique_lock lock(mu_);
  return !stopped_.wait_for(lock, duration, [this] { return reason_.has_value(); });
}

Result<runner::ProcessExit> StopControl::RunRestic(const runner::ResticInvocation& invocation,
                                                   const schema::Secret& password,
                                                   runner::LineCallback on_line, std::size_t max_line_bytes) {
  auto process = runner::ResticProcess::Start(invocation, password, std::move(on_line), max_line_bytes);
  if (!process.ok()) return process.error();
  {
    std::lock_guard lock(mu_);
    restic_ = process->get();
    if (reason_) restic_->Cancel(cancel_grace_);  // the stop came while restic was being spawned
  }
  const runner::ProcessExit exit = (*process)->Wait();
  std::lock_guard lock(mu_);
  restic_ = nullptr;
  return exit;
}

HookOutcome StopControl::RunHook(const HookSpec& spec, const runner::LineCallback& on_line) {
  std::atomic<bool> stop{false};
  {
    std::lock_guard lock(mu_);
    hook_stop_ = &stop;
  }
  HookOutcome outcome = agent::RunHook(spec, stop, on_line);
  std::lock_guard lock(mu_);
  hook_stop_ = nullptr;
  return outcome;
}

}  // namespace rmgr::agent

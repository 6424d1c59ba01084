#pragma once
// StopControl: how a worker (a job or a listing) learns that it must stop,
// and how that stop reaches the child it is running: restic gets SIGINT
// (SIGKILL after the grace), a hook's process group gets SIGKILL.
// Thread safety: every member may be called from any thread; RunRestic and
// RunHook block the calling thread (the worker's own).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>

#include "agent/executor/hook_runner.h"
#include "agent/runner/restic_process.h"

namespace rmgr::agent {

//! Why a worker was asked to stop.
enum class StopReason {
  kCancel,    ///< command.cancel: the job ends `cancelled`.
  kShutdown,  ///< The agent is shutting down: the job ends `interrupted`.
  kTimeout,   ///< Max runtime or stall watchdog: the job ends `failed`, error_kind timeout.
};

//! A worker's stop request and the child it may reach.
class StopControl {
 public:
  //! Restic gets SIGKILL `cancel_grace` after its SIGINT.
  explicit StopControl(std::chrono::milliseconds cancel_grace) : cancel_grace_(cancel_grace) {}

  //! Requests a stop (the first reason wins) and passes it on to the running restic or hook.
  void Stop(StopReason reason);
  //! Why a stop was requested, if one was.
  std::optional<StopReason> reason() const;
  //! Sleeps up to `duration`; false when a stop was requested before or meanwhile.
  bool SleepUnlessStopped(std::chrono::milliseconds duration);

  //! Spawns restic and waits for it; a stop requested before or while it
  //! runs cancels it. Fails when restic cannot be started.
  Result<runner::ProcessExit> RunRestic(const runner::ResticInvocation& invocation,
                                        const schema::Secret& password, runner::LineCallback on_line,
                                        std::size_t max_line_bytes);
  //! Runs a hook; a stop requested while it runs kills it (an earlier one
  //! does not: a post-hook still runs after a cancel).
  HookOutcome RunHook(const HookSpec& spec, const runner::LineCallback& on_line);

 private:
  const std::chrono::milliseconds cancel_grace_;
  mutable std::mutex mu_;  // guards the fields below
  std::condition_variable stopped_;
  std::optional<StopReason> reason_{};
  runner::ResticProcess* restic_ = nullptr;  // the restic running now
  std::atomic<bool>* hook_stop_ = nullptr;   // the running hook's stop flag
};

}  // namespace rmgr::agent

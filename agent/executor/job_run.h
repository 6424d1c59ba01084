#pragma once
// JobRun: the flow of one command.run on its worker thread, up to the
// job.result it produces (JobExecutor stores and emits that):
//
//   job.started → pre-hook → restic (retried while the repository is
//   locked; `restic unlock` after a SIGKILL) → snapshot index → post-hook
//   → last job.log batch → the result, fitted into one frame.
//
// A stats job's restic is `stats --mode raw-data`; then `snapshots` (which
// also refreshes the whole index) and `stats --mode restore-size` over the
// latest snapshot of each host × paths. A drill runs `ls latest` of its
// group, restores a sample into <state_dir>/drill/<job_id> (removed however
// the drill ends) and checks it (drill_check.h).
//
// Outcomes without restic: a hook or a restore target the host's
// LocalPolicy refuses (failed, hook_refused / restore_refused, naming the
// setting), a failing or timed-out pre-hook
// (failed, hook_failed; the post-hook still runs), a command restic cannot
// be built for or started with (failed, other), a stop before restic
// (cancelled or interrupted). A failing post-hook leaves the status as
// restic made it and adds "post-hook failed: …" to the error; error_kind
// becomes hook_failed unless restic's error already classified it.
//
// Thread safety: Execute runs once, on the worker thread; Stop and log may
// be called from any thread.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agent/executor/job_executor.h"
#include "agent/executor/log_batcher.h"
#include "agent/executor/restic_listing.h"
#include "agent/executor/stop_control.h"
#include "agent/runner/restic_output.h"
#include "common/protocol/messages.h"

namespace rmgr::agent {

//! One job's flow from job.started to its result.
class JobRun {
 public:
  //! `options` must outlive the run.
  JobRun(protocol::CommandRun run, const ExecutorOptions& options, Emit emit);

  //! Runs the job and returns its result (not yet stored or emitted). Call once.
  protocol::JobResult Execute();
  //! Stops the job: cancel → `cancelled`, shutdown → `interrupted`.
  void Stop(StopReason reason) { stop_.Stop(reason); }
  //! The watchdog: stops the job (StopReason::kTimeout) once it ran past its
  //! max runtime, or restic printed nothing for its stall timeout. Any thread.
  void CheckLimits(std::chrono::steady_clock::time_point now);

  //! The job's id.
  const std::string& job_id() const { return run_.job_id; }
  //! The job's log batches (shared with the executor's flush ticker).
  const std::shared_ptr<LogBatcher>& log() const { return log_; }

 private:
  //! The error kind and reason when the host's policy refuses a hook or the restore target.
  std::optional<std::pair<protocol::ErrorKind, std::string>> RefusedByPolicy() const;
  bool PreHookLetsResticRun();
  void RunRestic();
  void MeasureRestoreSize(const runner::ResticOutputCollector& collector);
  void RunDrill();
  bool RunDrillSteps(const std::filesystem::path& scratch, protocol::DrillSummary& summary);
  Result<runner::ProcessExit> RunSideRestic(const runner::ResticInvocation& invocation,
                                            const std::function<void(std::string_view)>& on_stdout,
                                            runner::ResticOutputCollector& collector,
                                            std::size_t max_line_bytes);
  void FailFromRestic(const runner::ResticOutputCollector& collector, const runner::ProcessExit& exit,
                      const std::string& what);
  Result<runner::ProcessExit> RunResticOnce(const runner::ResticInvocation& invocation,
                                            runner::ResticOutputCollector& collector);
  void Unlock(const std::string& why);
  void AttachSnapshotIndex(const runner::ResticOutputCollector& collector);
  Result<SnapshotList> ListSnapshots(const std::optional<std::string>& snapshot_id);
  void SetSnapshotIndex(Result<SnapshotList> list, bool whole_repository);
  void RunPostHook();
  void FitIntoFrame();

  std::vector<std::string> HookEnv(bool with_outcome) const;
  HookSpec Hook(const std::string& command, bool with_outcome) const;
  runner::LineCallback HookLines(std::string_view which);
  void Fail(protocol::ErrorKind kind, std::string error);
  void EndStopped();
  void EndTimedOut();
  void Note(const std::string& text);

  const protocol::CommandRun run_;
  const ExecutorOptions& options_;
  const Emit emit_;
  const std::shared_ptr<LogBatcher> log_;
  StopControl stop_;
  runner::ProgressThrottle progress_;
  protocol::JobResult result_{};

  // The watchdog's view, written by the worker and read by CheckLimits.
  const std::chrono::milliseconds max_runtime_;
  const std::chrono::milliseconds stall_timeout_;
  const std::chrono::steady_clock::time_point created_ = std::chrono::steady_clock::now();
  std::atomic<std::chrono::steady_clock::rep> last_output_{0};  // while restic runs; 0 = none running
  std::mutex timeout_mu_;
  std::string timeout_error_;  // guarded by timeout_mu_: which limit stopped the job
};

}  // namespace rmgr::agent

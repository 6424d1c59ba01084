#pragma once
// JobExecutor: runs the server's command.run jobs and browse.request
// listings on this host (DESIGN.md "Job kinds and lifecycle").
//
// One thread per job: job.started at once; the pre-hook (a failure or timeout
// fails the job, hook_failed, without running restic); restic with its
// password on fd 3, its `status` lines as throttled job.progress, its text
// and stderr as batched job.log; up to `locked_retries` retries while the
// repository is locked; `restic unlock` after a forced kill; a snapshot
// index for backup, forget and snapshots jobs; the post-hook, which sees
// the outcome in RESTIC_MANAGER_* variables; then the job.result, stored
// (fsync'd) in the outbox before it is emitted. A job emits exactly one
// job.started, without restic_pid: hooks run first and a retry spawns a
// second restic. Every restic, hook and listing is spawned and waited for
// on its job's own thread, which restic's parent-death signal requires.
//
// No job runs forever: a watchdog stops a job that runs longer than its max
// runtime or whose restic prints nothing for its stall timeout (command.run's
// values, else ExecutorOptions'), the way command.cancel does (SIGINT, SIGKILL
// after cancel_grace, restic unlock); the job ends failed, error_kind
// timeout, its error naming the limit and its value.
//
// Thread safety: every public member may be called from any thread. Emit is
// called from worker threads (and, for a re-sent result, from Run's caller),
// never with the executor's lock held.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "agent/executor/local_policy.h"
#include "agent/outbox/outbox.h"
#include "agent/runner/restic_command.h"
#include "common/protocol/messages.h"

namespace rmgr::agent {

//! Longest a job of `kind` may run when its command.run names no max_runtime_seconds:
//! backup and restore 24 h; forget, prune and check 12 h; init, unlock, snapshots and ls 1 h.
std::chrono::milliseconds DefaultMaxRuntime(protocol::JobKind kind);

//! How the executor runs restic and hooks on this host.
struct ExecutorOptions {
  runner::ResticCommandConfig restic{};  ///< Binary, state dir (cache in <state>/cache), fps, base env.
  LocalPolicy policy{};                  ///< Where restores may write and which hooks run (the host's say).
  std::chrono::milliseconds cancel_grace{30000};      ///< SIGINT → SIGKILL after this.
  std::chrono::milliseconds progress_interval{1000};  ///< Throttle of job.progress.
  std::chrono::milliseconds log_flush_interval{500};  ///< Longest a job.log line waits for its batch.
  std::size_t log_batch_lines = 200;                  ///< Lines per job.log batch.
  int locked_retries = 3;  ///< Retries on "repository is already locked" (0.14 has no --retry-lock).
  std::chrono::milliseconds locked_retry_delay{10000};  ///< Wait before each of those retries.
  std::string hook_shell = "/bin/sh";                   ///< Hooks run as: hook_shell -c "<command>".
  //! Max runtime of a job whose command.run has no max_runtime_seconds.
  std::function<std::chrono::milliseconds(protocol::JobKind)> max_runtime = DefaultMaxRuntime;
  //! Stall timeout (no restic output line for this long) when command.run has no stall_timeout_seconds.
  std::chrono::milliseconds stall_timeout{std::chrono::minutes{30}};
  //! How often the watchdog looks at running jobs.
  std::chrono::milliseconds watchdog_tick{1000};
};

//! Where the executor's messages go: job.started/progress/log/result and
//! browse.result. Called from worker threads; must be thread-safe and must
//! not block for long (the caller's connection may drop it when offline —
//! results are safe in the outbox anyway).
using Emit = std::function<void(protocol::Payload payload)>;

//! Runs jobs and listings, each on its own thread, until Shutdown.
class JobExecutor {
 public:
  //! Results go to `outbox` (which must outlive the executor), messages to `emit`.
  JobExecutor(Outbox& outbox, Emit emit, ExecutorOptions options);
  //! Shutdown(0ms).
  ~JobExecutor();
  JobExecutor(const JobExecutor&) = delete;
  JobExecutor& operator=(const JobExecutor&) = delete;

  //! Starts the job on its own thread. Returns false and does nothing when
  //! that job id is already running (or the executor is shutting down); when
  //! the outbox already holds a result for this job id, re-emits that result
  //! instead of running again and returns false.
  bool Run(protocol::CommandRun run);

  //! command.cancel: SIGINT to restic, SIGKILL after cancel_grace, then
  //! `restic unlock`; the job ends `cancelled`. A cancel during the pre-hook
  //! kills the hook's process group and ends the job cancelled without
  //! running restic; one during the post-hook kills that hook only (restic's
  //! outcome stands, with a post-hook error). false for an unknown job id.
  bool Cancel(std::string_view job_id);

  //! Lists one directory of a snapshot (`restic ls --json <snap> <path>`) on
  //! its own thread and emits exactly one BrowseResult: the direct children
  //! of `path`, truncated when there are more than limits::kMaxBrowseEntries
  //! or they would not fit one frame; error text on failure.
  void Browse(protocol::BrowseRequest request);

  //! Ids of the jobs running now.
  std::vector<std::string> RunningJobIds() const;
  //! Number of jobs running now.
  std::size_t RunningCount() const;

  //! Stops accepting jobs and listings, waits up to `grace` for running ones,
  //! then interrupts the rest (SIGINT, SIGKILL after cancel_grace, then
  //! unlock) — those jobs end `interrupted`, their post-hooks still run — and
  //! joins every thread. Idempotent (a second call waits for the first).
  void Shutdown(std::chrono::milliseconds grace);

 private:
  class Job;
  class Listing;

  void RunJob(Job& job);
  void RunListing(Listing& listing);
  //! Called by a finishing worker: drops it from the live set and hands its thread to the reaper.
  void Retire(Job& job);
  void Retire(Listing& listing);
  void Tick();
  void JoinRetired();

  Outbox& outbox_;
  const Emit emit_;
  const ExecutorOptions options_;

  mutable std::mutex mu_;            // guards the fields below
  std::condition_variable changed_;  // a worker retired, or stopping_ was set
  bool stopping_ = false;
  bool shut_down_ = false;  // Shutdown has joined every thread
  std::map<std::string, std::unique_ptr<Job>, std::less<>> jobs_;
  std::vector<std::unique_ptr<Listing>> listings_;
  std::vector<std::thread> retired_;  // threads of finished workers, joined later
  std::thread ticker_;                // flushes due job.log batches
};

}  // namespace rmgr::agent

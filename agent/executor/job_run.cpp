#include "agent/executor/job_run.h"

#include <unistd.h>

#include <algorithm>

#include "agent/executor/job_executor.h"
#include "common/protocol/envelope.h"
#include "common/protocol/limits.h"
#include "common/util/log.h"

namespace rmgr::agent {
namespace {

using protocol::ErrorKind;
using protocol::JobKind;
using protocol::JobStatus;
using protocol::LogStream;
namespace limits = protocol::limits;

//! Line cap for restic runs whose stdout is one JSON array (snapshots, forget).
constexpr std::size_t kJsonArrayLineBytes = std::size_t{64} << 20;

std::shared_ptr<spdlog::logger> Log() {
  return Logger("executor");
}

//! Agent clock at wire precision, so a stored result re-emits unchanged.
TimePoint Now() {
  return std::chrono::floor<std::chrono::milliseconds>(Clock::now());
}

std::string SecondsText(std::chrono::milliseconds d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

std::size_t EncodedSize(const protocol::JobResult& result) {
  return protocol::Encode(protocol::Envelope{"", result}).size();
}

std::chrono::steady_clock::rep Ticks(std::chrono::steady_clock::time_point t) {
  // Never 0, which means "restic is not running".
  return std::max<std::chrono::steady_clock::rep>(t.time_since_epoch().count(), 1);
}

}  // namespace

std::chrono::milliseconds DefaultMaxRuntime(JobKind kind) {
  using std::chrono::hours;
  switch (kind) {
    case JobKind::kBackup:
    case JobKind::kRestore:
      return hours{24};
    case JobKind::kForget:
    case JobKind::kPrune:
    case JobKind::kCheck:
    case JobKind::kStats:
      return hours{12};
    case JobKind::kDrill:
      return hours{6};
    case JobKind::kInit:
    case JobKind::kUnlock:
    case JobKind::kSnapshots:
    case JobKind::kLs:
      return hours{1};
  }
  return hours{24};
}

JobRun::JobRun(protocol::CommandRun run, const ExecutorOptions& options, Emit emit)
    : run_(std::move(run)),
      options_(options),
      emit_(std::move(emit)),
      log_(std::make_shared<LogBatcher>(run_.job_id, options.log_batch_lines, options.log_flush_interval,
                                        emit_)),
      stop_(options.cancel_grace),
      progress_(options.progress_interval),
      max_runtime_(run_.max_runtime_seconds ? std::chrono::seconds{*run_.max_runtime_seconds}
                                            : options.max_runtime(run_.kind)),
      stall_timeout_(run_.stall_timeout_seconds ? std::chrono::seconds{*run_.stall_timeout_seconds}
                                                : options.stall_timeout) {}

void JobRun::CheckLimits(std::chrono::steady_clock::time_point now) {
  if (stop_.reason()) return;
  std::string why;
  if (now - created_ >= max_runtime_) {
    why = "the job ran longer than its max runtime of " + SecondsText(max_runtime_);
  } else if (const auto last = last_output_.load();
             last != 0 &&
             now - std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(last)) >=
                 stall_timeout_) {
    why = "restic printed nothing for its stall timeout of " + SecondsText(stall_timeout_);
  } else {
    return;
  }
  {
    std::lock_guard lock(timeout_mu_);
    if (!timeout_error_.empty()) return;
    timeout_error_ = why;
  }
  Log()->warn("job {}: {}; stopping it", run_.job_id, why);
  stop_.Stop(StopReason::kTimeout);
}

protocol::JobResult JobRun::Execute() {
  result_.job_id = run_.job_id;
  result_.started_at = Now();
  emit_(protocol::JobStarted{.job_id = run_.job_id, .started_at = result_.started_at});
  if (auto refused = RefusedByPolicy()) {
    Fail(refused->first, refused->second);
    Note(*result_.error + "; restic was not run");
  } else {
    if (PreHookLetsResticRun()) {
      if (run_.kind == JobKind::kDrill) {
        RunDrill();
      } else {
        RunRestic();
      }
    }
    RunPostHook();
  }
  result_.finished_at = Now();
  FitIntoFrame();
  log_->Flush();
  return result_;
}

// The host's own policy, checked before anything runs: the server may have
// asked for more than this host allows (an older or a compromised server).
std::optional<std::pair<ErrorKind, std::string>> JobRun::RefusedByPolicy() const {
  if (run_.hooks) {
    for (const auto* hook : {&run_.hooks->pre, &run_.hooks->post}) {
      if (!*hook) continue;
      if (auto allowed = CheckHook(options_.policy, **hook); !allowed) {
        return std::pair{ErrorKind::kHookRefused,
                         "hook refused by this agent's policy: " + allowed.error().message};
      }
    }
  }
  if (run_.kind == JobKind::kRestore && run_.options.restore) {
    if (auto allowed = CheckRestoreTarget(options_.policy, run_.options.restore->target); !allowed) {
      return std::pair{ErrorKind::kRestoreRefused, "restore refused: " + allowed.error().message};
    }
  }
  return std::nullopt;
}

bool JobRun::PreHookLetsResticRun() {
  if (!run_.hooks || !run_.hooks->pre) return true;
  if (stop_.reason()) {
    EndStopped();
    return false;
  }
  const HookSpec spec = Hook(*run_.hooks->pre, false);
  const HookOutcome outcome = stop_.RunHook(spec, HookLines("pre-hook"));
  if (outcome.stopped) {
    Note("pre-hook stopped; restic was not run");
    EndStopped();
    return false;
  }
  if (!outcome.ok()) {
    Fail(ErrorKind::kHookFailed, "pre-hook failed: " + outcome.Describe(spec.timeout));
    Note(*result_.error + "; restic was not run");
    return false;
  }
  Note("pre-hook finished");
  return true;
}

void JobRun::RunRestic() {
  const auto invocation = runner::BuildResticCommand(run_, options_.restic);
  if (!invocation.ok()) {
    Fail(ErrorKind::kOther, invocation.error().message);
    Note("restic was not run: " + invocation.error().message);
    return;
  }
  for (int attempt = 0;; ++attempt) {
    if (stop_.reason()) {
      EndStopped();
      return;
    }
    runner::ResticOutputCollector collector;
    const auto exit = RunResticOnce(*invocation, collector);
    if (!exit.ok()) {
      Fail(ErrorKind::kOther, exit.error().message);
      Note(exit.error().message);
      return;
    }
    collector.FillResult(exit->exit_code, exit->cancelled, result_);
    if (result_.status == JobStatus::kCancelled && stop_.reason() == StopReason::kShutdown) {
      result_.status = JobStatus::kInterrupted;
    }
    if (result_.status == JobStatus::kCancelled && stop_.reason() == StopReason::kTimeout) EndTimedOut();
    if (exit->killed) Unlock("restic was killed");
    // The result's kind, not the text's: restic 0.17+ says "locked" in its exit code (11).
    const bool locked =
        result_.status == JobStatus::kFailed && result_.error_kind == ErrorKind::kRepositoryLocked;
    if (!locked || attempt >= options_.locked_retries) {
      if (auto last = progress_.Flush()) emit_(std::move(*last));
      // restic 0.14 backup --json prints only JSON: say in words what it did.
      if (const auto& summary = collector.summary()) {
        Note("backup: " + std::to_string(summary->files_new) + " new, " +
             std::to_string(summary->files_changed) + " changed, " +
             std::to_string(summary->files_unmodified) + " unmodified files; " +
             std::to_string(summary->data_added) + " bytes added" +
             (summary->snapshot_id ? "; snapshot " + *summary->snapshot_id : std::string()));
      }
      AttachSnapshotIndex(collector);
      return;
    }
    // restic 0.16+ already waited --retry-lock for the lock: retry at once.
    const bool restic_waited = options_.restic.retry_lock.count() > 0 && options_.restic.features.retry_lock;
    const auto delay = restic_waited ? std::chrono::milliseconds(0) : options_.locked_retry_delay;
    const std::string retry =
        "retry " + std::to_string(attempt + 1) + " of " + std::to_string(options_.locked_retries);
    Note(restic_waited ? "repository is still locked after restic waited " +
                             SecondsText(options_.restic.retry_lock) + " for it; " + retry + " now"
                       : "repository is already locked; " + retry + " in " + SecondsText(delay));
    // The lock may be a stale one of a restic that died with its agent
    // (kill -9): unlock clears exactly those, never a live one.
    Unlock("the repository is locked");
    if (!stop_.SleepUnlessStopped(delay)) {
      EndStopped();
      return;
    }
  }
}

Result<runner::ProcessExit> JobRun::RunResticOnce(const runner::ResticInvocation& invocation,
                                                  runner::ResticOutputCollector& collector) {
  const bool one_json_line = run_.kind == JobKind::kSnapshots || run_.kind == JobKind::kForget;
  last_output_ = Ticks(std::chrono::steady_clock::now());
  auto exit = stop_.RunRestic(
      invocation, run_.repository.password,
      [&](LogStream stream, std::string_view line) {
        last_output_ = Ticks(std::chrono::steady_clock::now());
        if (stream == LogStream::kStderr) {
          collector.OnStderr(line);
          log_->Add(stream, line);
          return;
        }
        runner::ParsedStdout parsed = collector.OnStdout(line);
        switch (parsed.kind) {
          case runner::StdoutKind::kStatus:
            parsed.progress.job_id = run_.job_id;
            if (auto now = progress_.Offer(std::move(parsed.progress), std::chrono::steady_clock::now())) {
              emit_(std::move(*now));
            }
            return;
          case runner::StdoutKind::kText:
            log_->Add(stream, line);
            return;
          case runner::StdoutKind::kRestoreSummary:
            log_->Add(stream, runner::Describe(parsed.restore));
            return;
          case runner::StdoutKind::kSummary:
          case runner::StdoutKind::kOtherJson:
            return;
        }
      },
      one_json_line ? kJsonArrayLineBytes : runner::kMaxLineBytes);
  last_output_ = 0;
  return exit;
}

void JobRun::Unlock(const std::string& why) {
  // A killed restic leaves its lock behind; unlock removes only locks of dead
  // local processes (and stale ones), never another host's live lock.
  Note(why + "; running restic unlock");
  const protocol::CommandRun unlock{
      .job_id = run_.job_id, .kind = JobKind::kUnlock, .repository = run_.repository};
  const auto invocation = runner::BuildResticCommand(unlock, options_.restic);
  if (!invocation.ok()) {
    Note("restic unlock not run: " + invocation.error().message);
    return;
  }
  auto process =
      runner::ResticProcess::Start(*invocation, run_.repository.password,
                                   [&](LogStream stream, std::string_view line) { log_->Add(stream, line); });
  if (!process.ok()) {
    Note("restic unlock not run: " + process.error().message);
    return;
  }
  Note("restic unlock exited with code " + std::to_string((*process)->Wait().exit_code));
}

void JobRun::AttachSnapshotIndex(const runner::ResticOutputCollector& collector) {
  const bool succeeded = result_.status == JobStatus::kSucceeded;
  switch (run_.kind) {
    case JobKind::kBackup:
      if ((succeeded || result_.status == JobStatus::kPartial) && result_.snapshot_id) {
        SetSnapshotIndex(ListSnapshots(result_.snapshot_id), false);
      }
      return;
    case JobKind::kForget:
      if (succeeded) SetSnapshotIndex(ListSnapshots(std::nullopt), true);
      return;
    case JobKind::kSnapshots:
      if (!succeeded) return;
      if (collector.json_lines().empty()) {
        SetSnapshotIndex(MakeError(ErrorCode::kMalformed, "restic printed no snapshot list"), true);
      } else {
        SetSnapshotIndex(ParseSnapshotList(collector.json_lines().front()), true);
      }
      return;
    case JobKind::kStats:
      if (succeeded) MeasureRestoreSize(collector);
      return;
    case JobKind::kPrune:
    case JobKind::kCheck:
    case JobKind::kRestore:
    case JobKind::kInit:
    case JobKind::kUnlock:
    case JobKind::kLs:
    case JobKind::kDrill:
      return;
  }
}

Result<runner::ProcessExit> JobRun::RunSideRestic(const runner::ResticInvocation& invocation,
                                                  const std::function<void(std::string_view)>& on_stdout,
                                                  runner::ResticOutputCollector& collector,
                                                  std::size_t max_line_bytes) {
  last_output_ = Ticks(std::chrono::steady_clock::now());
  auto exit = stop_.RunRestic(
      invocation, run_.repository.password,
      [&](LogStream stream, std::string_view line) {
        last_output_ = Ticks(std::chrono::steady_clock::now());
        if (stream == LogStream::kStdout) {
          on_stdout(line);
          return;
        }
        collector.OnStderr(line);
        log_->Add(stream, line);
      },
      max_line_bytes);
  last_output_ = 0;
  return exit;
}

void JobRun::FailFromRestic(const runner::ResticOutputCollector& collector, const runner::ProcessExit& exit,
                            const std::string& what) {
  if (exit.cancelled || stop_.reason()) {
    EndStopped();
    return;
  }
  protocol::JobResult failed;
  collector.FillResult(exit.exit_code, false, failed);
  result_.exit_code = exit.exit_code;
  Fail(failed.error_kind == ErrorKind::kNone ? ErrorKind::kOther : failed.error_kind,
       what + ": " + failed.error.value_or("restic exited with code " + std::to_string(exit.exit_code)));
  Note(*result_.error);
}

Result<SnapshotList> JobRun::ListSnapshots(const std::optional<std::string>& snapshot_id) {
  const protocol::CommandRun list{
      .job_id = run_.job_id, .kind = JobKind::kSnapshots, .repository = run_.repository};
  auto invocation = runner::BuildResticCommand(list, options_.restic);
  if (!invocation.ok()) return invocation.error();
  // Read-only right after our own run: no lock to wait for, none to leave behind if killed.
  invocation->argv.emplace_back("--no-lock");
  if (snapshot_id) invocation->argv.push_back(*snapshot_id);
  runner::ResticOutputCollector collector;
  const auto exit = stop_.RunRestic(
      *invocation, run_.repository.password,
      [&](LogStream stream, std::string_view line) {
        if (stream == LogStream::kStdout) {
          collector.OnStdout(line);
          return;
        }
        collector.OnStderr(line);
        log_->Add(stream, line);
      },
      kJsonArrayLineBytes);
  if (!exit.ok()) return exit.error();
  if (exit->exit_code != 0) {
    protocol::JobResult failed;
    collector.FillResult(exit->exit_code, exit->cancelled, failed);
    return MakeError(ErrorCode::kUnavailable, "restic snapshots: " + failed.error.value_or("stopped"));
  }
  if (collector.json_lines().empty())
    return MakeError(ErrorCode::kMalformed, "restic printed no snapshot list");
  return ParseSnapshotList(collector.json_lines().front());
}

void JobRun::SetSnapshotIndex(Result<SnapshotList> list, bool whole_repository) {
  if (!list.ok()) {
    Note("no snapshot index: " + list.error().message);
    return;
  }
  protocol::SnapshotIndex index{.complete = whole_repository && list->skipped == 0,
                                .snapshots = std::move(list->snapshots)};
  if (list->skipped > 0) {
    Note(std::to_string(list->skipped) +
         " snapshot(s) left out of the index: unreadable or outside the wire rules");
  }
  if (index.snapshots.size() > limits::kMaxSnapshots) {
    Note("snapshot index cut to the newest " + std::to_string(limits::kMaxSnapshots) + " of " +
         std::to_string(index.snapshots.size()));
    index.snapshots.erase(index.snapshots.begin(), index.snapshots.end() - limits::kMaxSnapshots);
    index.complete = false;
  }
  result_.snapshot_index = std::move(index);
}

void JobRun::RunPostHook() {
  if (!run_.hooks || !run_.hooks->post) return;
  const HookSpec spec = Hook(*run_.hooks->post, true);
  const HookOutcome outcome = stop_.RunHook(spec, HookLines("post-hook"));
  if (outcome.ok()) {
    Note("post-hook finished");
    return;
  }
  const std::string what = "post-hook failed: " + outcome.Describe(spec.timeout);
  Note(what);
  if (result_.error_kind == ErrorKind::kNone) result_.error_kind = ErrorKind::kHookFailed;
  result_.error = result_.error ? *result_.error + "; " + what : what;
}

void JobRun::FitIntoFrame() {
  if (!result_.snapshot_index) return;
  auto& snapshots = result_.snapshot_index->snapshots;
  const std::size_t before = snapshots.size();
  // Drop the oldest, about in proportion to the excess, until the frame fits.
  for (std::size_t size = EncodedSize(result_); size > limits::kMaxFrameBytes && !snapshots.empty();
       size = EncodedSize(result_)) {
    const std::size_t excess = snapshots.size() * (size - limits::kMaxFrameBytes) / size + 1;
    snapshots.erase(snapshots.begin(),
                    snapshots.begin() + static_cast<std::ptrdiff_t>(std::min(excess, snapshots.size())));
    result_.snapshot_index->complete = false;
  }
  if (snapshots.size() < before) {
    Note("snapshot index cut to the newest " + std::to_string(snapshots.size()) + " of " +
         std::to_string(before) + " to fit one frame");
  }
}

std::vector<std::string> JobRun::HookEnv(bool with_outcome) const {
  std::vector<std::string> env;
  for (const auto& kv : options_.restic.base_env) {
    const std::string_view name = std::string_view(kv).substr(0, kv.find('='));
    if (name.starts_with("RESTIC_PASSWORD") || name.starts_with("RESTIC_MANAGER_")) continue;
    env.push_back(kv);
  }
  env.push_back("RESTIC_MANAGER_JOB_ID=" + run_.job_id);
  env.push_back("RESTIC_MANAGER_JOB_KIND=" + std::string(protocol::ToString(run_.kind)));
  if (!with_outcome) return env;
  env.push_back("RESTIC_MANAGER_JOB_STATUS=" + std::string(protocol::ToString(result_.status)));
  env.push_back("RESTIC_MANAGER_EXIT_CODE=" + (result_.exit_code ? std::to_string(*result_.exit_code) : ""));
  env.push_back("RESTIC_MANAGER_SNAPSHOT_ID=" + result_.snapshot_id.value_or(""));
  env.push_back("RESTIC_MANAGER_ERROR=" + result_.error.value_or(""));
  return env;
}

HookSpec JobRun::Hook(const std::string& command, bool with_outcome) const {
  return HookSpec{.shell = options_.hook_shell,
                  .command = command,
                  .env = HookEnv(with_outcome),
                  .timeout = std::chrono::seconds(run_.hooks->timeout_seconds)};
}

runner::LineCallback JobRun::HookLines(std::string_view which) {
  return [this, which](LogStream stream, std::string_view line) {
    const std::string_view prefix = stream == LogStream::kStderr ? " (stderr): " : ": ";
    log_->Add(LogStream::kAgent, std::string(which) + std::string(prefix) + std::string(line));
  };
}

void JobRun::Fail(ErrorKind kind, std::string error) {
  result_.status = JobStatus::kFailed;
  result_.error_kind = kind;
  result_.error = std::move(error);
}

void JobRun::EndStopped() {
  if (stop_.reason() == StopReason::kTimeout) {
    EndTimedOut();
    return;
  }
  result_.status = stop_.reason() == StopReason::kShutdown ? JobStatus::kInterrupted : JobStatus::kCancelled;
  result_.error_kind = ErrorKind::kNone;
  result_.error.reset();
}

void JobRun::EndTimedOut() {
  std::string why;
  {
    std::lock_guard lock(timeout_mu_);
    why = timeout_error_;
  }
  result_.status = JobStatus::kFailed;
  result_.error_kind = ErrorKind::kTimeout;
  result_.error = "stopped: " + why;
  Note(*result_.error);
}

void JobRun::Note(const std::string& text) {
  Log()->info("job {}: {}", run_.job_id, text);
  log_->Add(LogStream::kAgent, text);
}

}  // namespace rmgr::agent

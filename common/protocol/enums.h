#pragma once
// The job vocabulary and the other closed sets of the protocol: the one
// place each name is spelled. Every value has a stable snake_case name
// (ToString gives it, FromString parses it, exact and case-sensitive) and a
// reach: kWire values travel between agent and server, kServerOnly values
// are decided and kept by the server alone (a job is "lost", a log line came
// from a "hook") and the wire codec refuses them (FromWireString).
// The store keeps these names in its CHECK lists, the REST API answers them
// (openapi.json, web/src/api/types.ts); server/store/vocabulary_test.cpp
// checks every such list against the sets here.
// Only names are stored or sent, never the numeric values, so a value may
// be added anywhere; its Spell case is then required by -Wswitch.
// Thread safety: pure functions.

#include <concepts>
#include <string_view>
#include <type_traits>
#include <vector>

namespace rmgr::protocol {

//! Who sees a value: agent and server, or the server alone.
enum class Reach {
  kWire,        ///< Sent and received between agent and server.
  kServerOnly,  ///< Decided and stored by the server; never on the wire.
};

//! A value's name and reach.
struct Spelling {
  //! The spelling of a value outside the enum: no name.
  constexpr Spelling() = default;
  //! `name` with `reach` (wire unless said otherwise).
  constexpr Spelling(std::string_view name_in, Reach reach_in = Reach::kWire) : name(name_in), reach(reach_in) {}

  std::string_view name;       ///< Stable snake_case name; empty for a value outside the enum.
  Reach reach = Reach::kWire;  ///< Where the value may appear.
};

//! What a job runs (and what a schedule fires).
enum class JobKind {
  kBackup,     ///< "backup": back up a source group.
  kForget,     ///< "forget": apply retention, optionally pruning.
  kPrune,      ///< "prune": remove unreferenced data.
  kCheck,      ///< "check": verify the repository, optionally reading data.
  kRestore,    ///< "restore": restore a snapshot (or parts) to a target dir.
  kInit,       ///< "init": create the repository.
  kUnlock,     ///< "unlock": remove stale locks.
  kSnapshots,  ///< "snapshots": refresh the server's snapshot index.
  kLs,         ///< "ls": list a snapshot.
  kStats,      ///< "stats": measure the repository (restic stats raw-data and restore-size).
  kDrill,      ///< "drill": restore a random sample of a group's latest snapshot and verify it.
};

//! Where a job is in its lifecycle (docs/DESIGN.md "Job kinds and
//! lifecycle"). The agent reports only how a job ended; the rest is the
//! server's.
enum class JobStatus {
  kQueued,       ///< "queued" (server only): created, not yet sent to the agent.
  kDispatched,   ///< "dispatched" (server only): command.run sent.
  kRunning,      ///< "running" (server only): the agent reported job.started.
  kSucceeded,    ///< "succeeded": restic exited 0.
  kPartial,      ///< "partial": snapshot made but some files unreadable (exit 3).
  kFailed,       ///< "failed": the job did not do its work.
  kCancelled,    ///< "cancelled": stopped by command.cancel (or before it was sent).
  kInterrupted,  ///< "interrupted": stopped by the agent shutting down, or the agent came back without it.
  kLost,         ///< "lost" (server only): no word from the agent for too long.
};

//! Why a job failed: classified by the agent from restic's exit code and
//! stderr, or decided by the server when it ends a job itself.
enum class ErrorKind {
  kNone,               ///< "none": no error (stored as '', answered as null).
  kWrongPassword,      ///< "wrong_password": no key matched the password.
  kRepositoryMissing,  ///< "repository_missing": no repository at the URL.
  kRepositoryLocked,   ///< "repository_locked": another process holds a lock.
  kHookFailed,         ///< "hook_failed": the pre- or post-hook failed or timed out.
  kOther,              ///< "other": anything else.
  kTimeout,            ///< "timeout": the job hit its max runtime or the stall watchdog.
  kCancelled,          ///< "cancelled" (server only): cancelled before it was dispatched.
  kInterrupted,        ///< "interrupted" (server only): the agent reconnected without the job.
  kLost,               ///< "lost" (server only): no word from the agent for too long.
  kVerifyMismatch,     ///< "verify_mismatch": a drill restored a file that differs from what was backed up.
  kRestoreRefused,     ///< "restore_refused": the agent's policy forbids the target (outside its restore root).
  kHookRefused,        ///< "hook_refused": the agent's hook policy forbids a hook of the job; restic not run.
};

//! What an agent does with the pre/post hooks a job asks for (its local
//! policy, reported in hello; the server cannot change it).
enum class HookPolicy {
  kRefuse,     ///< "refuse": every job with a hook fails, restic not run.
  kAllow,      ///< "allow": any hook runs.
  kAllowlist,  ///< "allowlist": only hooks whose program is on the agent's list (and no shell syntax).
};

//! Where a job log line came from.
enum class LogStream {
  kStdout,  ///< "stdout": restic's standard output (non-JSON lines).
  kStderr,  ///< "stderr": restic's standard error.
  kAgent,   ///< "agent": written by the agent itself (hooks, retries).
  kHook,    ///< "hook" (server only): accepted by the store; agents send hook output as "agent".
};

//! Type of a node in a snapshot listing (restic ls --json "type").
enum class NodeType {
  kFile,       ///< "file".
  kDir,        ///< "dir".
  kSymlink,    ///< "symlink".
  kDev,        ///< "dev": block device.
  kCharDev,    ///< "chardev".
  kFifo,       ///< "fifo".
  kSocket,     ///< "socket".
  kIrregular,  ///< "irregular" (restic 0.17+).
  kOther,      ///< "other": a type this agent does not know.
};

//! What the server did with a schedule.fire (fire.answer "outcome").
enum class FireOutcome {
  kJob,       ///< "job": jobs exist for this slot.
  kPending,   ///< "pending": coalesced into a pending run (the repository is busy).
  kRefused,   ///< "refused": will never run; the reason says why (disabled, unknown schedule).
  kDeferred,  ///< "deferred": handed to catch-up.
};

//! What became of an agent.update on the agent (agent.update.status "outcome").
enum class UpdateOutcome {
  kWaiting,     ///< "waiting": jobs are running; the update starts when they end.
  kInstalling,  ///< "installing": verified and unpacked; the agent restarts into it now.
  kRefused,     ///< "refused": not installed (signature, checksum, no pinned key, ...); the old version runs on.
  kRolledBack,  ///< "rolled_back": installed, but it did not reconnect healthy; the previous version runs again.
};

// One exhaustive switch per enum: -Wswitch names a value without a name.
// A value outside the enum spells as {} (empty name).

//! Name and reach of a job kind.
constexpr Spelling Spell(JobKind value) {
  switch (value) {
    case JobKind::kBackup: return {"backup"};
    case JobKind::kForget: return {"forget"};
    case JobKind::kPrune: return {"prune"};
    case JobKind::kCheck: return {"check"};
    case JobKind::kRestore: return {"restore"};
    case JobKind::kInit: return {"init"};
    case JobKind::kUnlock: return {"unlock"};
    case JobKind::kSnapshots: return {"snapshots"};
    case JobKind::kLs: return {"ls"};
    case JobKind::kStats: return {"stats"};
    case JobKind::kDrill: return {"drill"};
  }
  return {};
}

//! Name and reach of a job status.
constexpr Spelling Spell(JobStatus value) {
  switch (value) {
    case JobStatus::kQueued: return {"queued", Reach::kServerOnly};
    case JobStatus::kDispatched: return {"dispatched", Reach::kServerOnly};
    case JobStatus::kRunning: return {"running", Reach::kServerOnly};
    case JobStatus::kSucceeded: return {"succeeded"};
    case JobStatus::kPartial: return {"partial"};
    case JobStatus::kFailed: return {"failed"};
    case JobStatus::kCancelled: return {"cancelled"};
    case JobStatus::kInterrupted: return {"interrupted"};
    case JobStatus::kLost: return {"lost", Reach::kServerOnly};
  }
  return {};
}

//! Name and reach of an error kind.
constexpr Spelling Spell(ErrorKind value) {
  switch (value) {
    case ErrorKind::kNone: return {"none"};
    case ErrorKind::kWrongPassword: return {"wrong_password"};
    case ErrorKind::kRepositoryMissing: return {"repository_missing"};
    case ErrorKind::kRepositoryLocked: return {"repository_locked"};
    case ErrorKind::kHookFailed: return {"hook_failed"};
    case ErrorKind::kOther: return {"other"};
    case ErrorKind::kTimeout: return {"timeout"};
    case ErrorKind::kCancelled: return {"cancelled", Reach::kServerOnly};
    case ErrorKind::kInterrupted: return {"interrupted", Reach::kServerOnly};
    case ErrorKind::kLost: return {"lost", Reach::kServerOnly};
    case ErrorKind::kVerifyMismatch: return {"verify_mismatch"};
    case ErrorKind::kRestoreRefused: return {"restore_refused"};
    case ErrorKind::kHookRefused: return {"hook_refused"};
  }
  return {};
}

//! Name and reach of a hook policy.
constexpr Spelling Spell(HookPolicy value) {
  switch (value) {
    case HookPolicy::kRefuse: return {"refuse"};
    case HookPolicy::kAllow: return {"allow"};
    case HookPolicy::kAllowlist: return {"allowlist"};
  }
  return {};
}

//! Name and reach of a log stream.
constexpr Spelling Spell(LogStream value) {
  switch (value) {
    case LogStream::kStdout: return {"stdout"};
    case LogStream::kStderr: return {"stderr"};
    case LogStream::kAgent: return {"agent"};
    case LogStream::kHook: return {"hook", Reach::kServerOnly};
  }
  return {};
}

//! Name and reach of a node type.
constexpr Spelling Spell(NodeType value) {
  switch (value) {
    case NodeType::kFile: return {"file"};
    case NodeType::kDir: return {"dir"};
    case NodeType::kSymlink: return {"symlink"};
    case NodeType::kDev: return {"dev"};
    case NodeType::kCharDev: return {"chardev"};
    case NodeType::kFifo: return {"fifo"};
    case NodeType::kSocket: return {"socket"};
    case NodeType::kIrregular: return {"irregular"};
    case NodeType::kOther: return {"other"};
  }
  return {};
}

//! Name and reach of a fire outcome.
constexpr Spelling Spell(FireOutcome value) {
  switch (value) {
    case FireOutcome::kJob: return {"job"};
    case FireOutcome::kPending: return {"pending"};
    case FireOutcome::kRefused: return {"refused"};
    case FireOutcome::kDeferred: return {"deferred"};
  }
  return {};
}

//! Name and reach of an update outcome.
constexpr Spelling Spell(UpdateOutcome value) {
  switch (value) {
    case UpdateOutcome::kWaiting: return {"waiting"};
    case UpdateOutcome::kInstalling: return {"installing"};
    case UpdateOutcome::kRefused: return {"refused"};
    case UpdateOutcome::kRolledBack: return {"rolled_back"};
  }
  return {};
}

//! True for the statuses a job never leaves (every wire status, and lost).
constexpr bool IsTerminal(JobStatus status) {
  switch (status) {
    case JobStatus::kQueued:
    case JobStatus::kDispatched:
    case JobStatus::kRunning:
      return false;
    case JobStatus::kSucceeded:
    case JobStatus::kPartial:
    case JobStatus::kFailed:
    case JobStatus::kCancelled:
    case JobStatus::kInterrupted:
    case JobStatus::kLost:
      return true;
  }
  return true;
}

//! Whether a schedule may fire this kind; the others run only on demand.
//! stats is not: it belongs to a repository, not a host, and the server's
//! stats planner queues it (server/scheduling/stats_planner.h).
constexpr bool IsSchedulable(JobKind kind) {
  switch (kind) {
    case JobKind::kBackup:
    case JobKind::kForget:
    case JobKind::kPrune:
    case JobKind::kCheck:
    case JobKind::kDrill:
      return true;
    case JobKind::kRestore:
    case JobKind::kInit:
    case JobKind::kUnlock:
    case JobKind::kSnapshots:
    case JobKind::kLs:
    case JobKind::kStats:
      return false;
  }
  return false;
}

//! An enum of this vocabulary (one with a Spell overload).
template <class E>
concept Vocabulary = std::is_enum_v<E> && requires(E value) {
  { Spell(value) } -> std::same_as<Spelling>;
};

//! The name of `value` ("" for a value outside the enum).
template <Vocabulary E>
constexpr std::string_view ToString(E value) {
  return Spell(value).name;
}

//! Whether `value` may travel between agent and server.
template <Vocabulary E>
constexpr bool IsWire(E value) {
  return Spell(value).reach == Reach::kWire;
}

//! Every value of E, in declaration order (the values are dense from 0).
template <Vocabulary E>
std::vector<E> AllValues() {
  std::vector<E> out;
  for (int i = 0; !Spell(static_cast<E>(i)).name.empty(); ++i) out.push_back(static_cast<E>(i));
  return out;
}

//! Parses any name of E (wire or server-only); false (and `out` untouched) for an unknown name.
template <Vocabulary E>
bool FromString(std::string_view text, E& out) {
  for (int i = 0;; ++i) {
    const Spelling spelling = Spell(static_cast<E>(i));
    if (spelling.name.empty()) return false;
    if (spelling.name == text) {
      out = static_cast<E>(i);
      return true;
    }
  }
}

//! Parses a wire name only: false (and `out` untouched) for an unknown or server-only name.
template <Vocabulary E>
bool FromWireString(std::string_view text, E& out) {
  E parsed{};
  if (!FromString(text, parsed) || !IsWire(parsed)) return false;
  out = parsed;
  return true;
}

}  // namespace rmgr::protocol

#pragma once
// The closed sets of the wire protocol. Each enum has a stable snake_case
// wire name: ToString gives it, FromString parses it (exact, case-sensitive).
// Add values only at the end, with their name in enums.cpp.
// Thread safety: pure functions.

#include <string_view>

namespace rmgr::protocol {

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
};

//! How a job ended, as the agent reports it. ("lost" is decided by the
//! server alone and never travels on the wire.)
enum class JobStatus {
  kSucceeded,    ///< "succeeded": restic exited 0.
  kPartial,      ///< "partial": snapshot made but some files unreadable (exit 3).
  kFailed,       ///< "failed": the job did not do its work.
  kCancelled,    ///< "cancelled": stopped by command.cancel.
  kInterrupted,  ///< "interrupted": stopped by the agent shutting down.
};

//! Why a job failed, classified from restic's exit code and stderr.
enum class ErrorKind {
  kNone,               ///< "none": no error.
  kWrongPassword,      ///< "wrong_password": no key matched the password.
  kRepositoryMissing,  ///< "repository_missing": no repository at the URL.
  kRepositoryLocked,   ///< "repository_locked": another process holds a lock.
  kHookFailed,         ///< "hook_failed": the pre- or post-hook failed or timed out.
  kOther,              ///< "other": anything else.
  kTimeout,            ///< "timeout": the job hit its max runtime or the stall watchdog.
};

//! Where a job.log line came from.
enum class LogStream {
  kStdout,  ///< "stdout": restic's standard output (non-JSON lines).
  kStderr,  ///< "stderr": restic's standard error.
  kAgent,   ///< "agent": written by the agent itself (hooks, retries).
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

//! Wire name of a job kind.
std::string_view ToString(JobKind value);
//! Wire name of a job status.
std::string_view ToString(JobStatus value);
//! Wire name of an error kind.
std::string_view ToString(ErrorKind value);
//! Wire name of a log stream.
std::string_view ToString(LogStream value);
//! Wire name of a node type.
std::string_view ToString(NodeType value);
//! Wire name of a fire outcome.
std::string_view ToString(FireOutcome value);

//! Parses a job kind; false (and `out` untouched) for an unknown name.
bool FromString(std::string_view text, JobKind& out);
//! Parses a job status; false (and `out` untouched) for an unknown name.
bool FromString(std::string_view text, JobStatus& out);
//! Parses an error kind; false (and `out` untouched) for an unknown name.
bool FromString(std::string_view text, ErrorKind& out);
//! Parses a log stream; false (and `out` untouched) for an unknown name.
bool FromString(std::string_view text, LogStream& out);
//! Parses a node type; false (and `out` untouched) for an unknown name.
bool FromString(std::string_view text, NodeType& out);
//! Parses a fire outcome; false (and `out` untouched) for an unknown name.
bool FromString(std::string_view text, FireOutcome& out);

}  // namespace rmgr::protocol

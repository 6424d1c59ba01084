#pragma once
// Reading restic's output (0.14 to 0.18) (RESTIC-NOTES.md "Output", "Exit codes"):
// JSON `status`/`summary` lines on stdout, text and `error` objects on
// stderr. Turns them into protocol messages, recognises the stderr reasons
// the server shows (wrong password, repository missing/locked) and maps the
// exit code to a job status.
// Thread safety: free functions are pure; ProgressThrottle and
// ResticOutputCollector are single-threaded value types.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/protocol/messages.h"

namespace rmgr::agent::runner {

//! What one stdout line was.
enum class StdoutKind {
  kStatus,          ///< A backup `status` message (progress).
  kSummary,         ///< A backup `summary` message.
  kRestoreSummary,  ///< A `restore --json` summary (0.16+).
  kOtherJson,       ///< Some other JSON value (snapshots array, ls node, forget groups...).
  kText,            ///< Not JSON: keep it as a log line.
};

//! What `restore --json` says at its end.
struct RestoreSummary {
  uint64_t total_files = 0;     ///< Files the restore covers.
  uint64_t files_restored = 0;  ///< Files written.
  uint64_t files_skipped = 0;   ///< Files already there and unchanged (0.17+).
  uint64_t total_bytes = 0;     ///< Bytes the restore covers.
  uint64_t bytes_restored = 0;  ///< Bytes written.
};

//! "restored 2 of 2 files, 5000000 of 5000000 bytes" (and the skipped ones, when any).
std::string Describe(const RestoreSummary& summary);

//! A parsed stdout line; only the member matching `kind` is filled.
struct ParsedStdout {
  StdoutKind kind = StdoutKind::kText;  ///< What the line was.
  protocol::JobProgress progress{};     ///< For kStatus (job_id left empty); a restore's too.
  protocol::BackupSummary summary{};    ///< For kSummary.
  RestoreSummary restore{};             ///< For kRestoreSummary.
};

//! Parses one stdout line. Only lines starting with '{' or '[' are tried as
//! JSON; a missing or malformed numeric field counts as 0; counts are clamped
//! to limits::kMaxCount and current_files to limits::kMaxCurrentFiles.
ParsedStdout ParseStdoutLine(std::string_view line);

//! The error kind a stderr line reveals, or kNone.
protocol::ErrorKind ClassifyStderrLine(std::string_view line);

//! Job status for restic's exit: 0 succeeded, 3 partial, 130 or a cancel →
//! cancelled, anything else failed.
protocol::JobStatus StatusFromExit(int exit_code, bool cancelled);

//! Lets at most one progress through per interval; the newest held-back one
//! is given by Flush (call it at the end so the last state is never lost).
class ProgressThrottle {
 public:
  //! `interval` between two forwarded progress messages.
  explicit ProgressThrottle(std::chrono::milliseconds interval) : interval_(interval) {}

  //! Returns the progress to send now, or nothing (then it is held back).
  std::optional<protocol::JobProgress> Offer(protocol::JobProgress progress,
                                             std::chrono::steady_clock::time_point now);

  //! The held-back progress, if any (and forgets it).
  std::optional<protocol::JobProgress> Flush();

 private:
  std::chrono::milliseconds interval_;
  std::optional<std::chrono::steady_clock::time_point> last_sent_{};
  std::optional<protocol::JobProgress> pending_{};
};

//! Gathers what a result needs from restic's lines.
class ResticOutputCollector {
 public:
  //! Feeds one stdout line; returns how it parsed (so the caller can forward progress or log it).
  ParsedStdout OnStdout(std::string_view line);
  //! Feeds one stderr line (classified and kept as the error text candidate).
  void OnStderr(std::string_view line);

  //! The backup summary, if restic printed one.
  const std::optional<protocol::BackupSummary>& summary() const { return summary_; }
  //! The most specific error kind seen on stderr (kNone if none).
  protocol::ErrorKind error_kind() const { return error_kind_; }
  //! The stdout lines that were JSON but not status/summary, up to 64 MiB in all (later ones dropped).
  const std::vector<std::string>& json_lines() const { return json_lines_; }

  //! Fills status, exit_code, summary, snapshot_id, error and error_kind of `result`.
  void FillResult(int exit_code, bool cancelled, protocol::JobResult& result) const;

 private:
  std::optional<protocol::BackupSummary> summary_{};
  protocol::ErrorKind error_kind_ = protocol::ErrorKind::kNone;
  std::string error_text_{};  // first classified line, else the last "Fatal:" line, else the last stderr line
  bool error_classified_ = false;
  bool error_fatal_ = false;
  std::vector<std::string> json_lines_{};
  std::size_t json_bytes_ = 0;  // total size of json_lines_
};

}  // namespace rmgr::agent::runner

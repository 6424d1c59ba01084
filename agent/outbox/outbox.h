#pragma once
// Outbox: the agent's on-disk queue of job.result frames (DESIGN.md "No result
// is lost"). A result is written here — fsync'd — before it is sent, and is
// removed only when the server's result.ack names its job id, so a crash of
// either side, or a dropped connection, never loses one.
//
// Layout: `<state>/outbox/<job_id>.json` holds one encoded job.result frame.
// Writes go to `<job_id>.json.tmp`, are fsync'd, renamed into place, and the
// directory is fsync'd, so a file under its final name is always complete.
// Leftover `.tmp` files (a crash mid-write) are deleted on Open; a file that
// does not decode as a job.result for its own job id is moved to
// `<state>/outbox/corrupt/` with a warning and otherwise ignored.
//
// Thread safety: every member may be called from any thread; one internal
// mutex serialises them (disk writes included — results are few and small).
// Two Outbox objects must not share one directory.

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/protocol/messages.h"
#include "common/result.h"

namespace rmgr::agent {

//! Crash-safe, bounded store of unacknowledged job results, one file per job id.
class Outbox {
 public:
  //! Default bound on unacknowledged results.
  static constexpr std::size_t kDefaultMaxEntries = 10'000;

  //! Opens (creating it if needed) `<state_dir>/outbox`, deletes leftover
  //! temp files, quarantines corrupt files and loads every pending result.
  //! Fails (kUnavailable) only when the directory cannot be created or listed.
  static Result<std::unique_ptr<Outbox>> Open(const std::filesystem::path& state_dir,
                                              std::size_t max_entries = kDefaultMaxEntries);

  //! Stores `result` durably. Storing the same result again is a no-op; a
  //! different result for a job id already stored is kConflict (the first one
  //! stays: it may already have been sent). Errors: kOutOfRange etc. when the
  //! server would reject the frame (see protocol::Validate), kInvalidArgument
  //! for a job id unusable as a file name, kTooLarge when max_entries results
  //! are already pending, kUnavailable on an I/O failure (a full disk): the
  //! result is then still kept in memory and pending until acknowledged, so
  //! only a restart of the agent before the ack loses it.
  Result<void> Put(const protocol::JobResult& result);

  //! Drops the result of `job_id` (on result.ack). Unknown ids are a no-op
  //! (acks may be repeated). kUnavailable when the file cannot be removed.
  Result<void> Ack(std::string_view job_id);

  //! Every unacknowledged result, oldest finished_at first, ties by job id.
  std::vector<protocol::JobResult> Pending() const;

  //! Number of unacknowledged results (the hello's unacked_results).
  std::size_t Size() const;

  //! `<state_dir>/outbox`.
  const std::filesystem::path& directory() const { return dir_; }

  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

 private:
  Outbox(std::filesystem::path dir, std::size_t max_entries);

  const std::filesystem::path dir_;
  const std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::map<std::string, protocol::JobResult, std::less<>> entries_;  // guarded by mutex_
};

}  // namespace rmgr::agent

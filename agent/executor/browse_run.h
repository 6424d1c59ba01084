#pragma once
// BrowseRun: one browse.request on its worker thread — `restic ls --json
// <snapshot> <path>` — turned into the one BrowseResult it answers with:
// the direct children of the path, truncated past
// limits::kMaxBrowseEntries or when they would not fit one frame, or an
// error text (restic's, e.g. a wrong password) with no entries.
// Thread safety: Execute runs once, on the worker thread; Stop may be called
// from any thread.

#include <chrono>

#include "agent/executor/stop_control.h"
#include "agent/runner/restic_command.h"
#include "common/protocol/messages.h"

namespace rmgr::agent {

//! One directory listing of a snapshot.
class BrowseRun {
 public:
  //! `config` must outlive the run.
  BrowseRun(protocol::BrowseRequest request, const runner::ResticCommandConfig& config,
            std::chrono::milliseconds cancel_grace);

  //! Lists the directory. Call once.
  protocol::BrowseResult Execute();
  //! Stops the listing (the result then carries an error).
  void Stop() { stop_.Stop(StopReason::kShutdown); }

 private:
  const protocol::BrowseRequest request_;
  const runner::ResticCommandConfig& config_;
  StopControl stop_;
};

}  // namespace rmgr::agent

#pragma once
// ResticProcess: one running restic. Spawns it (SpawnChild) with stdin on
// /dev/null, stdout and stderr on pipes and the repository password on a
// pipe at fd 3 (written once, then closed: no file, no argv, no
// environment), reads both pipes to EOF (closing them early would SIGPIPE
// restic and leave a stale lock), hands every line to a callback and reaps
// the exit status. restic gets SIGINT if the agent dies (PR_SET_PDEATHSIG;
// restic then removes its locks) — or if the thread that called Start exits,
// so start and wait on a thread that lives as long as restic.
//
// Thread safety: Start, Wait and pid are for the owning thread; Cancel may be
// called from any thread at any time, concurrently with Wait. The line
// callback runs on the thread inside Wait.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "agent/runner/line_splitter.h"
#include "agent/runner/restic_command.h"
#include "common/protocol/enums.h"
#include "common/result.h"
#include "common/schema/secret.h"

namespace rmgr::agent::runner {

//! Longest line handed on; the rest of a longer line is dropped (memory stays bounded).
inline constexpr std::size_t kMaxLineBytes = 64 * 1024;

//! How restic ended.
struct ProcessExit {
  int exit_code = -1;           ///< Exit code; 128 + signal when killed by a signal.
  std::optional<int> signal{};  ///< The terminating signal, if any.
  bool cancelled = false;       ///< Cancel() was called before restic ended.
  bool killed = false;          ///< Cancel's grace period ran out and SIGKILL was sent.
};

//! A spawned restic; destroying it while running kills (SIGKILL) and reaps it.
class ResticProcess {
 public:
  //! Spawns `invocation` with `password` on fd 3. Fails (kUnavailable) when
  //! the binary cannot be run or the pipes cannot be made. Lines longer than
  //! `max_line_bytes` are cut there (raise it for `snapshots --json`, whose
  //! whole array is one line).
  static Result<std::unique_ptr<ResticProcess>> Start(const ResticInvocation& invocation,
                                                      const schema::Secret& password, LineCallback on_line,
                                                      std::size_t max_line_bytes = kMaxLineBytes);

  ~ResticProcess();
  ResticProcess(const ResticProcess&) = delete;
  ResticProcess& operator=(const ResticProcess&) = delete;

  //! restic's pid.
  pid_t pid() const { return pid_; }

  //! Reads both pipes to EOF, delivering lines to the callback, then waits for
  //! restic to exit. Call once.
  ProcessExit Wait();

  //! Asks restic to stop: SIGINT now (restic removes its locks and exits 130),
  //! SIGKILL to its process group if it is still running after `grace`.
  //! Idempotent; a no-op once restic has been reaped.
  void Cancel(std::chrono::milliseconds grace = std::chrono::seconds(30));

 private:
  ResticProcess(pid_t pid, int out_fd, int err_fd, LineCallback on_line, std::size_t max_line_bytes);
  void Signal(int sig, bool group);
  void CheckKillDeadline();

  pid_t pid_;
  int out_fd_;
  int err_fd_;
  LineCallback on_line_;
  std::size_t max_line_bytes_;

  std::mutex mu_;                                                   // guards the fields below
  bool reaped_ = false;                                             // pid_ may be reused once true
  bool killed_ = false;                                             // SIGKILL sent
  std::optional<std::chrono::steady_clock::time_point> kill_at_{};  // when the grace runs out
  std::atomic<bool> cancelled_{false};
};

}  // namespace rmgr::agent::runner

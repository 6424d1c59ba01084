#pragma once
// RunHook: runs a job's pre- or post-hook as `<shell> -c <command>` in its
// own process group, with stdin on /dev/null and no descriptor of the agent
// (the repository password never reaches a hook). Its stdout and stderr go
// line by line to a callback. When its timeout runs out, or `stop` is set,
// the whole group gets SIGKILL. Once the shell has exited, output still in
// the pipes is read for at most kHookDrain: a daemon the hook started in the
// background may hold them open forever.
//
// The shell gets SIGTERM if the calling thread exits first
// (PR_SET_PDEATHSIG, see runner/child_spawn.h).
// Thread safety: RunHook may run on any thread; `stop` may be set from any thread.

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "agent/runner/line_splitter.h"

namespace rmgr::agent {

//! How long output is still read after the hook's shell has exited.
inline constexpr std::chrono::milliseconds kHookDrain{1000};

//! One hook invocation.
struct HookSpec {
  std::string shell = "/bin/sh";         ///< Run as: shell -c command.
  std::string command{};                 ///< The hook's command line.
  std::vector<std::string> env{};        ///< Its complete environment, "K=V" each.
  std::chrono::milliseconds timeout{0};  ///< Its process group is killed after this.
};

//! How a hook ended.
struct HookOutcome {
  int exit_code = -1;         ///< The shell's exit code, 128 + signal when killed; -1 when unknown.
  bool timed_out = false;     ///< Its timeout ran out and its group was killed.
  bool stopped = false;       ///< `stop` was set and its group was killed.
  std::string start_error{};  ///< Why the shell could not be started (exit_code is -1 then).

  //! The hook ran to completion and exited 0.
  bool ok() const { return exit_code == 0 && !timed_out && !stopped; }
  //! What went wrong, for an error text ("exit code 3", "timed out after 5 s", ...); empty when ok().
  std::string Describe(std::chrono::milliseconds timeout) const;
};

//! Runs the hook to its end (or its kill) and reports how it ended. Blocks.
HookOutcome RunHook(const HookSpec& spec, const std::atomic<bool>& stop, const runner::LineCallback& on_line);

}  // namespace rmgr::agent

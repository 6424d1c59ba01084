#pragma once
// SpawnChild: fork + exec of one child (restic, or a hook's shell) with
// stdin on /dev/null, stdout and stderr on pipes, optionally one descriptor
// handed over as fd 3, nothing else inherited, default dispositions for the
// signals the agent may ignore, its own process group, and a parent-death
// signal.
//
// The parent-death signal (PR_SET_PDEATHSIG) fires when the *thread* that
// called SpawnChild exits, not when the process does: spawn from a thread
// that outlives the child (the executor spawns and waits on the job's own
// thread), or the child is signalled early.
//
// Thread safety: SpawnChild may be called from any thread; UniqueFd is a
// single-owner value type.

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.h"

namespace rmgr::agent::runner {

//! Owns a descriptor; closes it unless released.
class UniqueFd {
 public:
  UniqueFd() = default;
  //! Takes ownership of `fd` (-1 for none).
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  //! The descriptor, or -1.
  int get() const { return fd_; }
  //! Closes the descriptor now.
  void Reset();
  //! Gives up ownership and returns the descriptor.
  int Release();

 private:
  int fd_ = -1;
};

//! What to run and how.
struct SpawnSpec {
  std::vector<std::string> argv{};  ///< argv[0] is looked up in the agent's PATH when it has no '/'.
  std::vector<std::string> env{};   ///< The child's complete environment, "K=V" each.
  int fd3 = -1;                     ///< Descriptor the child gets as fd 3, or -1 for none.
  int death_signal = 0;             ///< Sent to the child when the spawning thread exits (0: none).
};

//! A started child: its pid (also its process group id) and the read ends of its output.
struct SpawnedChild {
  pid_t pid = -1;     ///< The child; the caller must reap it.
  UniqueFd stdout_r;  ///< Its standard output.
  UniqueFd stderr_r;  ///< Its standard error.
};

//! Starts the child. Fails (kUnavailable) when the binary is not found or
//! cannot be executed, or a pipe cannot be made; no child is left behind then.
Result<SpawnedChild> SpawnChild(const SpawnSpec& spec);

}  // namespace rmgr::agent::runner

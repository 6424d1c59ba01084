#include "agent/executor/hook_runner.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <optional>

#include "agent/runner/child_spawn.h"
#include "common/protocol/limits.h"

namespace rmgr::agent {
namespace {

using Steady = std::chrono::steady_clock;

//! How often the timeout and `stop` are looked at while the hook runs.
constexpr int kPollMillis = 50;

}  // namespace

std::string HookOutcome::Describe(std::chrono::milliseconds timeout) const {
  if (!start_error.empty()) return "could not start: " + start_error;
  if (timed_out) {
    return "timed out after " +
           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + " s";
  }
  if (stopped) return "stopped";
  if (exit_code < 0) return "exit status unknown";
  if (exit_code > 128) return "killed by signal " + std::to_string(exit_code - 128);
  if (exit_code != 0) return "exit code " + std::to_string(exit_code);
  return {};
}

HookOutcome RunHook(const HookSpec& spec, const std::atomic<bool>& stop,
                    const runner::LineCallback& on_line) {
  HookOutcome outcome;
  auto child = runner::SpawnChild(
      runner::SpawnSpec{.argv = {spec.shell, "-c", spec.command}, .env = spec.env, .death_signal = SIGTERM});
  if (!child.ok()) {
    outcome.start_error = child.error().message;
    return outcome;
  }
  const pid_t pid = child->pid;
  std::array<runner::UniqueFd, 2> fds{std::move(child->stdout_r), std::move(child->stderr_r)};
  std::array<runner::LineSplitter, 2> splitters{
      runner::LineSplitter(protocol::LogStream::kStdout, on_line, protocol::limits::kMaxLogLineBytes),
      runner::LineSplitter(protocol::LogStream::kStderr, on_line, protocol::limits::kMaxLogLineBytes)};
  const auto deadline = Steady::now() + spec.timeout;
  std::optional<Steady::time_point> drain_until;  // set once the shell is reaped
  bool killed = false;
  std::optional<int> status;  // the shell's wait status, once reaped
  std::array<char, 16384> buf{};
  for (;;) {
    if (!drain_until) {
      int wait_status = 0;
      const pid_t reaped = ::waitpid(pid, &wait_status, WNOHANG);
      if (reaped == pid) status = wait_status;
      if (reaped == pid || (reaped < 0 && errno != EINTR)) {  // ECHILD: someone else reaped it
        drain_until = Steady::now() + kHookDrain;
      } else if (!killed && (stop.load() || Steady::now() >= deadline)) {
        // The shell is not reaped yet, so its pid still names this group.
        outcome.stopped = stop.load();
        outcome.timed_out = !outcome.stopped;
        ::kill(-pid, SIGKILL);
        ::kill(pid, SIGKILL);
        killed = true;
      }
    }
    const bool open = fds[0].get() >= 0 || fds[1].get() >= 0;
    if (drain_until && (!open || Steady::now() >= *drain_until)) break;
    std::array<pollfd, 2> polled{pollfd{fds[0].get(), POLLIN, 0}, pollfd{fds[1].get(), POLLIN, 0}};
    if (::poll(polled.data(), polled.size(), kPollMillis) <= 0) continue;
    for (std::size_t i = 0; i < polled.size(); ++i) {
      if (polled[i].fd < 0 || polled[i].revents == 0) continue;
      const ssize_t n = ::read(polled[i].fd, buf.data(), buf.size());
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        splitters[i].Finish();
        fds[i].Reset();
        continue;
      }
      splitters[i].Feed(std::string_view(buf.data(), static_cast<std::size_t>(n)));
    }
  }
  for (std::size_t i = 0; i < fds.size(); ++i) {
    if (fds[i].get() >= 0) splitters[i].Finish();
  }
  if (status && WIFEXITED(*status)) outcome.exit_code = WEXITSTATUS(*status);
  if (status && WIFSIGNALED(*status)) outcome.exit_code = 128 + WTERMSIG(*status);
  return outcome;
}

}  // namespace rmgr::agent

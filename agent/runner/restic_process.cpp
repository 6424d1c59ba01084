#include "agent/runner/restic_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <thread>

#include "agent/runner/child_spawn.h"

namespace rmgr::agent::runner {
namespace {

Error SysError(const std::string& what, int err) {
  return MakeError(ErrorCode::kUnavailable, what + ": " + std::strerror(err));
}

}  // namespace

Result<std::unique_ptr<ResticProcess>> ResticProcess::Start(const ResticInvocation& invocation,
                                                            const schema::Secret& password,
                                                            LineCallback on_line,
                                                            std::size_t max_line_bytes) {
  if (invocation.argv.empty()) return MakeError(ErrorCode::kInvalidArgument, "empty argv");
  if (password.size() > 4096)
    return MakeError(ErrorCode::kInvalidArgument, "password longer than 4096 bytes");
  std::array<int, 2> pw{-1, -1};
  if (::pipe2(pw.data(), O_CLOEXEC) != 0) return SysError("pipe", errno);
  UniqueFd pw_r(pw[0]), pw_w(pw[1]);
  auto child = SpawnChild(
      SpawnSpec{.argv = invocation.argv, .env = invocation.env, .fd3 = pw_r.get(), .death_signal = SIGINT});
  if (!child.ok()) return child.error();

  // The parent still holds pw_r, so this write cannot raise SIGPIPE; a
  // password of at most 4096 bytes fits an empty pipe, so it cannot block.
  const std::string& secret =
      password.Reveal();  // the one place the password leaves memory: into restic's pipe
  std::size_t written = 0;
  while (written < secret.size()) {
    const ssize_t n = ::write(pw_w.get(), secret.data() + written, secret.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // restic then fails to read a password and exits with an error
    written += static_cast<std::size_t>(n);
  }
  pw_w.Reset();  // EOF ends the password
  return std::unique_ptr<ResticProcess>(new ResticProcess(
      child->pid, child->stdout_r.Release(), child->stderr_r.Release(), std::move(on_line), max_line_bytes));
}

ResticProcess::ResticProcess(pid_t pid, int out_fd, int err_fd, LineCallback on_line,
                             std::size_t max_line_bytes)
    : pid_(pid),
      out_fd_(out_fd),
      err_fd_(err_fd),
      on_line_(std::move(on_line)),
      max_line_bytes_(max_line_bytes) {}

ResticProcess::~ResticProcess() {
  bool reaped = false;
  {
    std::lock_guard lock(mu_);
    reaped = reaped_;
  }
  if (!reaped) {
    Signal(SIGKILL, true);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (out_fd_ >= 0) ::close(out_fd_);
  if (err_fd_ >= 0) ::close(err_fd_);
}

void ResticProcess::Signal(int sig, bool group) {
  std::lock_guard lock(mu_);
  if (reaped_) return;  // the pid may belong to someone else now
  if (group) ::kill(-pid_, sig);
  ::kill(pid_, sig);
  if (sig == SIGKILL) killed_ = true;
}

void ResticProcess::Cancel(std::chrono::milliseconds grace) {
  {
    std::lock_guard lock(mu_);
    if (reaped_ || cancelled_.exchange(true)) return;
    kill_at_ = std::chrono::steady_clock::now() + grace;
  }
  Signal(SIGINT, false);
}

void ResticProcess::CheckKillDeadline() {
  bool due = false;
  {
    std::lock_guard lock(mu_);
    due = kill_at_ && !killed_ && std::chrono::steady_clock::now() >= *kill_at_;
  }
  if (due) Signal(SIGKILL, true);
}

ProcessExit ResticProcess::Wait() {
  LineSplitter out_lines(protocol::LogStream::kStdout, on_line_, max_line_bytes_);
  LineSplitter err_lines(protocol::LogStream::kStderr, on_line_, max_line_bytes_);
  std::array<char, 16384> buf{};
  // Poll with a short timeout so a pending SIGKILL deadline is noticed.
  while (out_fd_ >= 0 || err_fd_ >= 0) {
    std::array<pollfd, 2> fds{pollfd{out_fd_, POLLIN, 0}, pollfd{err_fd_, POLLIN, 0}};
    const int n = ::poll(fds.data(), fds.size(), 100);
    CheckKillDeadline();
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t r = ::read(fds[i].fd, buf.data(), buf.size());
      if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      auto& splitter = i == 0 ? out_lines : err_lines;
      int& fd = i == 0 ? out_fd_ : err_fd_;
      if (r <= 0) {
        splitter.Finish();
        ::close(fd);
        fd = -1;
        continue;
      }
      splitter.Feed(std::string_view(buf.data(), static_cast<std::size_t>(r)));
    }
  }
  ProcessExit result;
  int status = 0;
  bool have_status = false;
  for (;;) {
    // WNOHANG + short sleeps so the kill deadline still applies (e.g. a
    // grandchild kept the pipes open and restic itself hangs).
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      have_status = true;
      break;
    }
    if (r < 0 && errno != EINTR) break;  // cannot happen for our own child; exit_code stays -1
    CheckKillDeadline();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  {
    std::lock_guard lock(mu_);
    reaped_ = true;
    result.killed = killed_;
  }
  result.cancelled = cancelled_.load();
  if (!have_status) return result;
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
    result.exit_code = 128 + WTERMSIG(status);
  }
  return result;
}

}  // namespace rmgr::agent::runner

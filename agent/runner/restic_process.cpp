#include "agent/runner/restic_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

namespace rmgr::agent::runner {
namespace {

//! Owns a descriptor; closes it unless released.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }
  void Reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  int Release() {
    const int f = fd;
    fd = -1;
    return f;
  }
};

Error SysError(std::string what, int err) {
  return MakeError(ErrorCode::kUnavailable, what + ": " + std::strerror(err));
}

//! Splits a byte stream into lines with a length cap.
class LineSplitter {
 public:
  LineSplitter(protocol::LogStream stream, const LineCallback& cb, std::size_t cap)
      : stream_(stream), cb_(cb), cap_(cap) {}

  void Feed(const char* data, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      const char c = data[i];
      if (c == '\n') {
        Emit();
        continue;
      }
      if (buf_.size() < cap_) {
        buf_.push_back(c);
      } else {
        overflow_ = true;  // the rest of this line is dropped
      }
    }
  }

  void Finish() {
    if (!buf_.empty() || overflow_) Emit();
  }

 private:
  void Emit() {
    if (!buf_.empty() && buf_.back() == '\r') buf_.pop_back();
    if (cb_) cb_(stream_, buf_);
    buf_.clear();
    overflow_ = false;
  }

  protocol::LogStream stream_;
  const LineCallback& cb_;
  std::size_t cap_;
  std::string buf_;
  bool overflow_ = false;
};

std::vector<char*> CStrings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));  // NOLINT: exec API wants char*
  out.push_back(nullptr);
  return out;
}

}  // namespace

Result<std::unique_ptr<ResticProcess>> ResticProcess::Start(const ResticInvocation& invocation,
                                                            const schema::Secret& password,
                                                            LineCallback on_line,
                                                            std::size_t max_line_bytes) {
  if (invocation.argv.empty()) return MakeError(ErrorCode::kInvalidArgument, "empty argv");
  std::array<int, 2> out{-1, -1};
  std::array<int, 2> err{-1, -1};
  std::array<int, 2> pw{-1, -1};
  // O_CLOEXEC on every end: only the dup2'd copies (fds 1, 2, 3) reach restic.
  if (::pipe2(out.data(), O_CLOEXEC) != 0) return SysError("pipe", errno);
  Fd out_r(out[0]), out_w(out[1]);
  if (::pipe2(err.data(), O_CLOEXEC) != 0) return SysError("pipe", errno);
  Fd err_r(err[0]), err_w(err[1]);
  if (::pipe2(pw.data(), O_CLOEXEC) != 0) return SysError("pipe", errno);
  Fd pw_r(pw[0]), pw_w(pw[1]);
  if (password.size() > 4096)
    return MakeError(ErrorCode::kInvalidArgument, "password longer than 4096 bytes");

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_w.fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_w.fd, 2);
  posix_spawn_file_actions_adddup2(&actions, pw_r.fd, kPasswordFd);  // clears FD_CLOEXEC even if pw_r.fd == 3
  posix_spawn_file_actions_addclosefrom_np(&actions, kPasswordFd + 1);  // nothing else leaks into restic

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attr, &empty);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int s : {SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT}) sigaddset(&defaults, s);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);  // own group: a terminal ^C goes to the agent, which decides
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);

  auto argv = CStrings(invocation.argv);
  auto envp = CStrings(invocation.env);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return SysError("cannot run " + invocation.argv[0], rc);

  // The parent still holds pw_r, so this write cannot raise SIGPIPE; a
  // password of at most 4096 bytes fits an empty pipe, so it cannot block.
  const std::string& secret =
      password.Reveal();  // the one place the password leaves memory: into restic's pipe
  std::size_t written = 0;
  while (written < secret.size()) {
    const ssize_t n = ::write(pw_w.fd, secret.data() + written, secret.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // restic then fails to read a password and exits with an error
    written += static_cast<std::size_t>(n);
  }
  pw_w.Reset();  // EOF ends the password
  pw_r.Reset();
  out_w.Reset();  // only restic holds the write ends now: EOF when it exits
  err_w.Reset();
  return std::unique_ptr<ResticProcess>(
      new ResticProcess(pid, out_r.Release(), err_r.Release(), std::move(on_line), max_line_bytes));
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
      splitter.Feed(buf.data(), static_cast<std::size_t>(r));
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

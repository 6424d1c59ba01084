#include "agent/runner/child_spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace rmgr::agent::runner {
namespace {

//! Descriptors the child sets up itself: 0-2 stdio, 3 the handed-over fd, 4 the exec report.
constexpr int kReportFd = 4;
constexpr int kFirstFreeFd = kReportFd + 1;

Error SysError(const std::string& what, int err) {
  return MakeError(ErrorCode::kUnavailable, what + ": " + std::strerror(err));
}

std::vector<char*> CStrings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));  // NOLINT: exec API wants char*
  out.push_back(nullptr);
  return out;
}

//! What posix_spawnp would run: `name` itself when it has a '/', else the
//! first executable regular file of that name in the agent's PATH.
Result<std::string> ResolveBinary(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path_env = std::getenv("PATH");
  std::string_view dirs = path_env != nullptr ? path_env : "/bin:/usr/bin";
  while (true) {
    const auto colon = dirs.find(':');
    const std::string_view dir = dirs.substr(0, colon);
    const std::string candidate = (dir.empty() ? std::string(".") : std::string(dir)) + "/" + name;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return SysError("cannot run " + name, ENOENT);
}

//! Everything the child needs, prepared before fork (the child must not allocate).
struct ChildPlan {
  const char* path;
  char* const* argv;
  char* const* envp;
  int stdout_w;
  int stderr_w;
  int fd3;
  int report_w;
  int death_signal;
  pid_t parent;
};

//! `fd` moved to a number the dup2s onto 0..4 cannot clobber (stays close-on-exec).
int Lift(int fd) {
  return fd >= kFirstFreeFd ? fd : ::fcntl(fd, F_DUPFD_CLOEXEC, kFirstFreeFd);
}

//! Tells the parent why the child cannot run its program, and ends the child.
[[noreturn]] void ReportAndExit(int report_fd, int err) {
  if (::write(report_fd, &err, sizeof err) < 0) {
    // Nothing left to tell: the parent sees EOF and a child that exited 127.
  }
  ::_exit(127);
}

//! Runs in the forked child: async-signal-safe calls only (the agent has other threads).
[[noreturn]] void ExecChild(const ChildPlan& plan) {
  int report = plan.report_w;
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (const int sig : {SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT}) ::sigaction(sig, &dfl, nullptr);
  // Own group: a terminal ^C goes to the agent, which decides; a hook's whole group can be killed.
  if (::setpgid(0, 0) != 0) ReportAndExit(report, errno);
  if (plan.death_signal != 0) {
    if (::prctl(PR_SET_PDEATHSIG, plan.death_signal) != 0) ReportAndExit(report, errno);
    if (::getppid() != plan.parent) ::_exit(127);  // the agent died before prctl took effect
  }
  const int out = Lift(plan.stdout_w);
  const int err = Lift(plan.stderr_w);
  const int fd3 = plan.fd3 >= 0 ? Lift(plan.fd3) : -1;
  if (out < 0 || err < 0 || (plan.fd3 >= 0 && fd3 < 0)) ReportAndExit(report, errno);
  const int lifted_report = Lift(report);
  if (lifted_report < 0) ReportAndExit(report, errno);
  report = lifted_report;
  // Every source is now >= kFirstFreeFd, so no dup2 below overwrites another's source.
  const int null = ::open("/dev/null", O_RDONLY);
  if (null < 0) ReportAndExit(report, errno);
  if (null != 0 && ::dup2(null, 0) < 0) ReportAndExit(report, errno);
  if (::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) ReportAndExit(report, errno);
  if (fd3 >= 0) {
    if (::dup2(fd3, 3) < 0) ReportAndExit(report, errno);
  } else {
    ::close(3);
  }
  if (::dup2(report, kReportFd) < 0 || ::fcntl(kReportFd, F_SETFD, FD_CLOEXEC) < 0)
    ReportAndExit(report, errno);
  report = kReportFd;
  ::closefrom(kFirstFreeFd);  // nothing else of the agent leaks into the child
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(plan.path, plan.argv, plan.envp);
  ReportAndExit(report, errno);
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    Reset();
    fd_ = other.Release();
  }
  return *this;
}

void UniqueFd::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

int UniqueFd::Release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

Result<SpawnedChild> SpawnChild(const SpawnSpec& spec) {
  if (spec.argv.empty()) return MakeError(ErrorCode::kInvalidArgument, "empty argv");
  auto path = ResolveBinary(spec.argv[0]);
  if (!path.ok()) return path.error();
  std::array<int, 2> out{-1, -1};
  std::array<int, 2> err{-1, -1};
  std::array<int, 2> report{-1, -1};
  // O_CLOEXEC on every end: only the dup2'd copies reach the child's program.
  if (::pipe2(out.data(), O_CLOEXEC) != 0) return SysError("pipe", errno);
  UniqueFd out_r(out[0]), out_w(out[1]);
  if (::pipe2(err.data(), O_CLOEXEC) != 0) return SysError("pipe", errno);
  UniqueFd err_r(err[0]), err_w(err[1]);
  // Closed by a successful exec (EOF); carries errno when exec or the setup fails.
  if (::pipe2(report.data(), O_CLOEXEC) != 0) return SysError("pipe", errno);
  UniqueFd report_r(report[0]), report_w(report[1]);

  const auto argv = CStrings(spec.argv);
  const auto envp = CStrings(spec.env);
  const ChildPlan plan{path->c_str(), argv.data(),    envp.data(),       out_w.get(), err_w.get(),
                       spec.fd3,      report_w.get(), spec.death_signal, ::getpid()};
  // Every signal blocked across fork, so no handler of the agent runs in the
  // child before it has reset them; the child unblocks right before exec.
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);
  const pid_t pid = ::fork();
  if (pid == 0) ExecChild(plan);
  const int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (pid < 0) return SysError("fork", fork_errno);

  out_w.Reset();  // only the child holds the write ends now: EOF when it exits
  err_w.Reset();
  report_w.Reset();
  int child_errno = 0;
  ssize_t n = 0;
  do {
    n = ::read(report_r.get(), &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  if (n == 0) return SpawnedChild{pid, std::move(out_r), std::move(err_r)};
  if (n < 0) {
    child_errno = errno;
    ::kill(pid, SIGKILL);  // cannot tell whether it started: do not leave it running unwatched
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return SysError("cannot run " + spec.argv[0], child_errno);
}

}  // namespace rmgr::agent::runner

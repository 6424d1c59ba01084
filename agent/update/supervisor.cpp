#include "agent/update/supervisor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>

#include "agent/update/update_layout.h"
#include "common/util/log.h"

namespace rmgr::agent::update {
namespace {

constexpr const char* kSupervisedEnv = "RMGR_AGENT_SUPERVISED";
constexpr const char* kVersionEnv = "RMGR_AGENT_BUNDLE_VERSION";
constexpr const char* kHealthFdEnv = "RMGR_AGENT_HEALTH_FD";
constexpr auto kStopGrace = std::chrono::seconds(30);

std::atomic<pid_t> g_child{0};
std::atomic<int> g_stop_signal{0};

std::shared_ptr<spdlog::logger> Log() {
  return Logger("supervisor");
}

void OnStopSignal(int signo) {
  g_stop_signal.store(signo);
  const pid_t child = g_child.load();
  if (child > 0) ::kill(child, signo);  // our own child
}

void InstallHandlers() {
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGTERM, &action, nullptr);
  ::sigaction(SIGINT, &action, nullptr);
}

//! What to run this round.
struct Choice {
  std::filesystem::path binary;
  std::string version;  // "" = the installed package's own
  bool trial = false;
  std::string rollout_id;
};

Choice Choose(const SupervisorOptions& options) {
  std::error_code ec;
  if (auto pending = ReadPending(options.state_dir)) {
    const auto path = ExecutablePath(options.state_dir, pending->version);
    if (std::filesystem::exists(path, ec)) return {path, pending->version, true, pending->rollout_id};
    Log()->warn("pending update {} has no executable; ignored", pending->version);
    RemoveMarker(options.state_dir, "pending.json");
  }
  const std::string current = ReadMarker(options.state_dir, "current");
  if (!current.empty()) {
    const auto path = ExecutablePath(options.state_dir, current);
    if (std::filesystem::exists(path, ec)) return {path, current, false, {}};
    Log()->warn("current version {} has no executable; running the installed package", current);
  }
  return {options.self, "", false, {}};
}

// fork + exec of the child with the health pipe's write end as `health_fd`.
pid_t Spawn(const SupervisorOptions& options, const Choice& choice, int health_fd) {
  std::vector<std::string> argv_text{choice.binary.string()};
  argv_text.insert(argv_text.end(), options.args.begin(), options.args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_text) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  // Child: only async-signal-safe calls until exec.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(SIGTERM, &dfl, nullptr);
  ::sigaction(SIGINT, &dfl, nullptr);
  ::fcntl(health_fd, F_SETFD, 0);  // inherited by the exec'd agent
  ::setenv(kSupervisedEnv, "1", 1);
  char fd_text[16];
  std::snprintf(fd_text, sizeof fd_text, "%d", health_fd);
  ::setenv(kHealthFdEnv, fd_text, 1);
  if (choice.version.empty()) {
    ::unsetenv(kVersionEnv);
  } else {
    ::setenv(kVersionEnv, choice.version.c_str(), 1);
  }
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

int ExitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

// SIGTERM, then SIGKILL after the grace; returns the wait status.
int StopChild(pid_t pid) {
  ::kill(pid, SIGTERM);  // our own child
  const auto until = std::chrono::steady_clock::now() + kStopGrace;
  int status = 0;
  while (std::chrono::steady_clock::now() < until) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return status;
    ::usleep(100 * 1000);
  }
  ::kill(pid, SIGKILL);  // our own child, past its grace
  ::waitpid(pid, &status, 0);
  return status;
}

// The tried version is healthy: it becomes current, the old current previous;
// releases neither names are removed.
void Promote(const SupervisorOptions& options, const Choice& choice) {
  const std::string old = ReadMarker(options.state_dir, "current");
  if (auto saved = WriteMarker(options.state_dir, "previous", old); !saved) {
    Log()->warn("cannot record the previous version: {}", saved.error().message);
  }
  if (auto saved = WriteMarker(options.state_dir, "current", choice.version); !saved) {
    Log()->error("cannot record the current version {}: {}", choice.version, saved.error().message);
  }
  RemoveMarker(options.state_dir, "pending.json");
  std::error_code ec;
  const std::set<std::string> keep{choice.version, old};
  for (const auto& entry : std::filesystem::directory_iterator(options.state_dir / "versions", ec)) {
    if (keep.count(entry.path().filename().string()) == 0) std::filesystem::remove_all(entry.path(), ec);
  }
  Log()->info("agent {} is healthy: now current (previous: {})", choice.version,
              old.empty() ? "the installed package" : old);
}

void RollBack(const SupervisorOptions& options, const Choice& choice, const std::string& reason) {
  RemoveMarker(options.state_dir, "pending.json");
  std::error_code ec;
  std::filesystem::remove_all(options.state_dir / "versions" / choice.version, ec);
  if (auto saved = WriteFailed(options.state_dir, FailedUpdate{choice.version, choice.rollout_id, reason});
      !saved) {
    Log()->error("cannot record the failed update: {}", saved.error().message);
  }
  Log()->error("update to {} rolled back: {}", choice.version, reason);
}

// The child asked to leave current for previous (agent.rollback): previous becomes current (none:
// the installed package), the version left is removed, failed.json makes the next agent report it.
void ApplyRollback(const SupervisorOptions& options) {
  auto request = ReadRollback(options.state_dir);
  if (!request) return;
  const std::string current = ReadMarker(options.state_dir, "current");
  if (current != request->version || !HasMarker(options.state_dir, "previous")) {
    Log()->warn("rollback from {} ignored: current is {} and previous {}", request->version,
                current.empty() ? "the installed package" : current,
                HasMarker(options.state_dir, "previous") ? "is kept" : "is not kept");
    RemoveMarker(options.state_dir, "rollback.json");
    return;
  }
  const std::string previous = ReadMarker(options.state_dir, "previous");
  if (previous.empty()) {
    RemoveMarker(options.state_dir, "current");
  } else if (auto saved = WriteMarker(options.state_dir, "current", previous); !saved) {
    Log()->error("cannot roll back to {}: {}", previous, saved.error().message);
    RemoveMarker(options.state_dir, "rollback.json");
    return;
  }
  RemoveMarker(options.state_dir, "previous");
  std::error_code ec;
  std::filesystem::remove_all(options.state_dir / "versions" / request->version, ec);
  if (auto saved = WriteFailed(options.state_dir, *request); !saved) {
    Log()->error("cannot record the rollback: {}", saved.error().message);
  }
  RemoveMarker(options.state_dir, "rollback.json");
  Log()->warn("rolled back from {} to {}: {}", request->version,
              previous.empty() ? "the installed package" : previous, request->reason);
}

}  // namespace

Result<void> RequestRollback(const std::filesystem::path& state_dir, const RollbackRequest& request,
                             std::string_view built_in) {
  const auto refuse = [](std::string why) {
    return MakeError(ErrorCode::kConflict, "nothing to roll back to: " + why);
  };
  const char* supervised = std::getenv(kSupervisedEnv);
  if (supervised == nullptr || std::strcmp(supervised, "1") != 0)
    return refuse("this agent does not run under its update supervisor");
  const std::string running = ReportedVersion(built_in);
  const std::string current = ReadMarker(state_dir, "current");
  if (running != request.version) return refuse("this agent runs " + running + ", not " + request.version);
  if (current != request.version) {
    return refuse(request.version + " is not the installed current version (that is " +
                  (current.empty() ? std::string("none") : current) + ")");
  }
  if (!HasMarker(state_dir, "previous")) return refuse("no previous version is kept");
  const std::string previous = ReadMarker(state_dir, "previous");
  std::error_code ec;
  if (!previous.empty() && !std::filesystem::exists(ExecutablePath(state_dir, previous), ec))
    return refuse("the previous version " + previous + " is not installed any more");
  return WriteRollback(state_dir, request);
}

bool ShouldSupervise(const std::filesystem::path& state_dir) {
  const char* supervised = std::getenv(kSupervisedEnv);
  if (supervised != nullptr && std::strcmp(supervised, "1") == 0) return false;
  return ReadPending(state_dir).has_value() || !ReadMarker(state_dir, "current").empty();
}

std::string ReportedVersion(std::string_view built_in) {
  const char* supervised = std::getenv(kSupervisedEnv);
  const char* version = std::getenv(kVersionEnv);
  if (supervised != nullptr && std::strcmp(supervised, "1") == 0 && version != nullptr && *version != '\0') {
    return version;
  }
  return std::string(built_in);
}

void ReportHealthy() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* fd_text = std::getenv(kHealthFdEnv);
    if (fd_text == nullptr) return;
    const int fd = std::atoi(fd_text);
    if (fd <= 2) return;
    [[maybe_unused]] const ssize_t n = ::write(fd, "ok\n", 3);
    ::close(fd);
  });
}

int RunSupervisor(const SupervisorOptions& options) {
  InstallHandlers();
  for (;;) {
    ApplyRollback(options);
    const Choice choice = Choose(options);
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
      Log()->critical("cannot make the health pipe: {}", std::strerror(errno));
      return 1;
    }
    Log()->info("starting agent {}{}", choice.version.empty() ? "(installed package)" : choice.version,
                choice.trial ? " (trying an update)" : "");
    const pid_t pid = Spawn(options, choice, pipe_fds[1]);
    ::close(pipe_fds[1]);
    if (pid < 0) {
      ::close(pipe_fds[0]);
      Log()->critical("cannot start the agent: {}", std::strerror(errno));
      return 1;
    }
    g_child.store(pid);
    if (g_stop_signal.load() != 0) ::kill(pid, SIGTERM);  // our own child; a stop arrived meanwhile

    bool healthy = false;
    bool pipe_open = true;
    int status = 0;
    std::string failure;
    const auto deadline = std::chrono::steady_clock::now() + options.health_deadline;
    for (;;) {
      if (::waitpid(pid, &status, WNOHANG) == pid) break;
      if (pipe_open) {
        pollfd p{pipe_fds[0], POLLIN, 0};
        if (::poll(&p, 1, 100) > 0) {
          char buffer[16];
          const ssize_t n = ::read(pipe_fds[0], buffer, sizeof buffer);
          if (n > 0 && !healthy) {
            healthy = true;
            if (choice.trial) Promote(options, choice);
          }
          if (n == 0) pipe_open = false;
        }
      } else {
        ::usleep(100 * 1000);
      }
      if (choice.trial && !healthy && g_stop_signal.load() == 0 &&
          std::chrono::steady_clock::now() > deadline) {
        failure = choice.version + " did not reach the server within " +
                  std::to_string(options.health_deadline.count()) + " s";
        status = StopChild(pid);
        break;
      }
    }
    g_child.store(0);
    ::close(pipe_fds[0]);
    const int code = ExitStatus(status);
    if (choice.trial && !healthy) {
      if (failure.empty())
        failure =
            choice.version + " exited with status " + std::to_string(code) + " before it reached the server";
      RollBack(options, choice, failure);
      if (g_stop_signal.load() != 0) return code;
      continue;
    }
    if (g_stop_signal.load() != 0) return code;
    if (code == kExitRestartForUpdate) continue;
    return code;
  }
}

}  // namespace rmgr::agent::update

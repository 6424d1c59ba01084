#include "tests/faults/faults_fixture.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

namespace rmgr::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr const char* kHeartPassword = "heart-password";
constexpr const char* kWorkPassword = "work-password";
// The heartbeat's period, which is also the width of its windows.
constexpr std::int64_t kWindowMs = 5000;
constexpr const char* kNoFire = "no fire received from the agent";
// How the agent's executor logs a job's end ("job <id>: <status>"); its own
// `interrupted` (restic stopped by a shutdown) is left out: the server's
// guess for a job the agent came back without says the same.
constexpr const char* kEnds[] = {"succeeded", "partial", "failed", "cancelled"};

std::string Errno(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// "2026-01-02T03:04:05.678Z".
std::string FormatMs(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char text[64];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return text;
}

// iproute2's `ip`, or "" when it is not installed.
std::string IpTool() {
  for (const char* path : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "";
}

}  // namespace

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ------------------------------------------------------------------ lifecycle

void FaultMatrixTest::TearDown() {
  // A frozen process would sit out LoopTest's SIGTERM and fail its exit check.
  for (const pid_t pid : frozen_) ::kill(pid, SIGCONT);  // our own children
  frozen_.clear();
  LoopTest::TearDown();
  if (saved_netns_ >= 0) {
    EXPECT_EQ(::setns(saved_netns_, CLONE_NEWNET), 0) << Errno("setns back to the original network");
    ::close(saved_netns_);
    saved_netns_ = -1;
  }
}

void FaultMatrixTest::BeforeCleanup() {
  if (mounted_.empty()) return;
  EXPECT_EQ(::umount2(mounted_.c_str(), MNT_DETACH), 0) << Errno("umount " + mounted_.string());
  mounted_.clear();
}

// ------------------------------------------------------------------ the world

void FaultMatrixTest::StartWorld(const std::vector<std::string>& server_flags) {
  ASSERT_NO_FATAL_FAILURE(StartServer(server_flags));
  if (agent_ == nullptr) agent_ = EnrollAgent("node");
  ASSERT_NE(agent_, nullptr);
  ASSERT_NO_FATAL_FAILURE(StartAgent(*agent_, {"--restic", ThrottledRestic().string()}));
  ASSERT_TRUE(WaitConnected(*agent_)) << Logs();
  ASSERT_NO_FATAL_FAILURE(ResticInit(dir_ / "heart", kHeartPassword));
  heart_repo_id_ = CreateRepository("heart", dir_ / "heart", kHeartPassword);
  heart_group_ = CreateGroup(agent_->host_id, "heart", {SmallTree("heart-tree").string()});
  ASSERT_FALSE(heart_repo_id_.empty() || heart_group_.empty());
  const auto schedule = CreateSchedule({{"host_id", agent_->host_id},
                                        {"name", "heartbeat"},
                                        {"cron", "@every 5s"},
                                        {"repository_id", heart_repo_id_},
                                        {"source_group_ids", json::array{json::value(heart_group_)}}});
  ASSERT_TRUE(schedule.is_object());
  heart_schedule_id_ = Str(schedule, "id");

  // The work repository is set up while the heartbeat's first fire is due.
  ASSERT_NO_FATAL_FAILURE(ResticInit(dir_ / "work", kWorkPassword));
  work_repo_id_ = CreateRepository("work", dir_ / "work", kWorkPassword);
  work_small_group_ = CreateGroup(agent_->host_id, "work-small", {SmallTree("work-tree").string()});
  work_big_group_ = CreateGroup(agent_->host_id, "work-big", {BigTree().string()});
  ASSERT_FALSE(work_repo_id_.empty() || work_small_group_.empty() || work_big_group_.empty());

  std::int64_t first_slot = -1;
  ASSERT_TRUE(WaitUntil([&] {
    for (const auto& job : HostJobs(agent_->host_id)) {
      if (Str(job, "schedule_id") == heart_schedule_id_) first_slot = TimeMs(job, "scheduled_at");
    }
    return first_slot > 0;
  })) << "the heartbeat never fired"
      << Logs();
  // Windows are aligned to the epoch: the span starts at the first fired slot's window.
  span_from_ms_ = first_slot - first_slot % kWindowMs;
}

std::string FaultMatrixTest::RunWork(bool big) {
  const auto job = RunJob({{"host_id", agent_->host_id},
                           {"kind", "backup"},
                           {"repository_id", work_repo_id_},
                           {"source_group_id", big ? work_big_group_ : work_small_group_}});
  return Str(job, "id");
}

bool FaultMatrixTest::WaitStatus(const std::string& job_id, const std::string& status) {
  return WaitUntil([&] { return Str(api().Get("/jobs/" + job_id).json, "status") == status; });
}

bool FaultMatrixTest::WaitCommandInAgentSocket(const std::string& job_id) {
  // Unread bytes of every established connection to the server's port, from
  // the kernel's table (this thread's network namespace): the frozen agent's
  // side of its WebSocket. A ping is the only other frame that could be there.
  const auto unread = [&] {
    std::ifstream table("/proc/thread-self/net/tcp");
    std::string line;
    std::getline(table, line);  // the header
    char port_hex[8];
    std::snprintf(port_hex, sizeof(port_hex), "%04X", port());
    unsigned long total = 0;
    while (std::getline(table, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues;
      fields >> slot >> local >> remote >> state >> queues;
      if (state != "01" || remote.substr(remote.find(':') + 1) != port_hex) continue;
      total += std::stoul(queues.substr(queues.find(':') + 1), nullptr, 16);
    }
    return total;
  };
  return WaitStatus(job_id, "dispatched") && WaitUntil([&] { return unread() > 0; });
}

// ------------------------------------------------------------------ processes

void FaultMatrixTest::Freeze(pid_t pid) {
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGSTOP), 0) << Errno("SIGSTOP");  // our own child
  frozen_.push_back(pid);
}

void FaultMatrixTest::Thaw(pid_t pid) {
  ASSERT_GT(pid, 0);
  std::erase(frozen_, pid);
  ASSERT_EQ(::kill(pid, SIGCONT), 0) << Errno("SIGCONT");  // our own child
}

void FaultMatrixTest::CutServer() {
  std::erase(frozen_, ServerPid());  // SIGKILL ends a stopped process too
  KillServer();
}

void FaultMatrixTest::CutAgent() {
  std::erase(frozen_, agent_->process ? agent_->process->pid() : -1);
  KillAgent(*agent_);
}

std::size_t FaultMatrixTest::FireCount() const {
  std::size_t n = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(agent_->state_dir / "fires", ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") ++n;
  }
  return n;
}

bool FaultMatrixTest::InOutbox(const std::string& job_id) const {
  return fs::exists(agent_->state_dir / "outbox" / (job_id + ".json"));
}

bool FaultMatrixTest::AgentFinished(const std::string& job_id) const {
  const std::string log = ReadText(agent_->log);
  return std::any_of(std::begin(kEnds), std::end(kEnds), [&](const char* end) {
    return log.find("job " + job_id + ": " + end) != std::string::npos;
  });
}

bool FaultMatrixTest::AgentSaid(const std::string& text) const {
  return ReadText(agent_->log).find(text) != std::string::npos;
}

bool FaultMatrixTest::ServerSaid(const std::string& text) const {
  return ReadText(dir_ / "server.log").find(text) != std::string::npos;
}

void FaultMatrixTest::BeginFault() {
  fault_from_ms_ = NowMs();
  connects_at_fault_ = ConnectCount(*agent_);
}

void FaultMatrixTest::EndFault(bool reconnects) {
  ASSERT_GE(fault_from_ms_, 0) << "EndFault without BeginFault";
  if (reconnects) {
    ASSERT_TRUE(WaitUntil([&] { return ConnectCount(*agent_) > connects_at_fault_; }))
        << "the agent never connected again" << Logs();
  }
  ASSERT_TRUE(WaitConnected(*agent_)) << Logs();
  blind_.emplace_back(fault_from_ms_, NowMs());
  fault_from_ms_ = -1;
}

// ------------------------------------------------------------------ network and disk

std::string FaultMatrixTest::EnterPrivateNetwork() {
  if (::geteuid() != 0) return "not root: a private network namespace needs CAP_SYS_ADMIN";
  if (IpTool().empty()) return "iproute2's `ip` is not installed (package iproute2)";
  saved_netns_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (saved_netns_ < 0) return Errno("cannot open /proc/thread-self/ns/net");
  if (::unshare(CLONE_NEWNET) != 0) {
    const std::string why = Errno("unshare(CLONE_NEWNET) refused");
    ::close(saved_netns_);
    saved_netns_ = -1;
    return why;
  }
  return SetLoopback(true);
}

std::string FaultMatrixTest::SetLoopback(bool up) {
  const auto r = RunProcess(IpTool(), {"link", "set", "dev", "lo", up ? "up" : "down"},
                            {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, "", std::chrono::seconds(30));
  return r.code == 0 ? "" : "ip link set dev lo " + std::string(up ? "up" : "down") + ": " + r.err;
}

std::string FaultMatrixTest::MountSmallDisk(const fs::path& path, std::size_t bytes) {
  if (::geteuid() != 0) return "not root: mounting a tmpfs needs CAP_SYS_ADMIN";
  fs::create_directories(path);
  const std::string options = "size=" + std::to_string(bytes) + ",mode=0700";
  if (::mount("tmpfs", path.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
    return Errno("mount -t tmpfs at " + path.string() + " refused");
  }
  mounted_ = path;
  return "";
}

void FaultMatrixTest::FillDisk() {
  ASSERT_FALSE(mounted_.empty());
  const int fd = ::open((mounted_ / "filler").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0) << Errno("open filler");
  const std::vector<char> block(std::size_t{64} << 10, 'x');
  // Large writes first, then ever smaller ones, until not one byte fits.
  for (std::size_t size = block.size(); size > 0; size /= 4) {
    while (::write(fd, block.data(), size) > 0) {
    }
  }
  ::fsync(fd);
  ::close(fd);
}

void FaultMatrixTest::RemoveFiller() {
  std::error_code ec;
  fs::remove(mounted_ / "filler", ec);
  EXPECT_FALSE(ec) << ec.message();
}

// ------------------------------------------------------------------ the invariants

void FaultMatrixTest::ExpectNothingLost() {
  ASSERT_NE(agent_, nullptr);
  // While the heartbeat still fires, everything the agent holds gets answered ...
  EXPECT_TRUE(WaitUntil([&] { return OutboxSize(*agent_) == 0 && FireCount() == 0; }))
      << "unacknowledged results: " << OutboxSize(*agent_) << ", unanswered fires: " << FireCount();
  // Fires flow again after the last fault: a later window ended in a job.
  if (!heart_schedule_id_.empty()) {
    const std::int64_t recovered = blind_.empty() ? span_from_ms_ : blind_.back().second;
    EXPECT_TRUE(WaitUntil([&] {
      for (const auto& job : HostJobs(agent_->host_id)) {
        if (Str(job, "schedule_id") == heart_schedule_id_ && IsFinal(Str(job, "status")) &&
            TimeMs(job, "scheduled_at") > recovered) {
          return true;
        }
      }
      return false;
    })) << "the heartbeat did not fire again after the fault";
  }
  const std::int64_t stopped_ms = NowMs();
  if (!heart_schedule_id_.empty()) {
    const auto off = api().Patch("/schedules/" + heart_schedule_id_, json::object{{"enabled", false}});
    EXPECT_EQ(off.status, 200) << off.Describe();
  }
  // ... and once it stops, nothing stays in flight. `interrupted` is the
  // server's word for a job the agent came back without; for a job the agent
  // did finish it is only a guess, until the resent result replaces it.
  const auto result_lost = [&](const json::value& job) {
    return Str(job, "status") == "interrupted" && AgentFinished(Str(job, "id"));
  };
  json::array jobs;
  const bool settled = WaitUntil([&] {
    jobs = HostJobs(agent_->host_id);
    for (const auto& job : jobs) {
      if (!IsFinal(Str(job, "status")) || result_lost(job)) return false;
    }
    return OutboxSize(*agent_) == 0 && FireCount() == 0;
  });
  EXPECT_TRUE(settled) << "jobs or frames still in flight: " << json::serialize(jobs);

  const std::int64_t last_fault_ms = blind_.empty() ? -1 : blind_.back().second;
  std::set<std::string> slots;
  for (const auto& job : jobs) {
    const std::string status = Str(job, "status");
    EXPECT_NE(status, "lost") << "no word from the agent: " << json::serialize(job);
    EXPECT_FALSE(result_lost(job)) << "the agent finished this job, its result never arrived: "
                                   << json::serialize(job);
    // Only a fault (the agent killed with the job, or a command.run that died
    // with the server) interrupts a job.
    EXPECT_FALSE(status == "interrupted" && TimeMs(job, "created_at") > last_fault_ms)
        << "interrupted with no fault: " << json::serialize(job);
    if (Str(job, "scheduled_at").empty()) continue;  // run now: no slot
    const std::string key =
        Str(job, "schedule_id") + " " + Str(job, "scheduled_at") + " " + Str(job, "source_group_id");
    EXPECT_TRUE(slots.insert(key).second) << "two jobs for one schedule × slot × group: " << key;
  }

  if (heart_schedule_id_.empty() || span_from_ms_ < 0) return;
  // A fire in flight when the heartbeat stopped is refused: that window is left out.
  const std::int64_t span_to_ms = stopped_ms - kWindowMs;
  if (span_to_ms <= span_from_ms_) return;
  const auto windows =
      api().Get("/schedules/" + heart_schedule_id_ + "/windows?from=" + FormatMs(span_from_ms_) +
                "&to=" + FormatMs(span_to_ms) + "&limit=500");
  ASSERT_EQ(windows.status, 200) << windows.Describe();
  const auto blind = [&](std::int64_t slot) {
    return std::any_of(blind_.begin(), blind_.end(), [&](const auto& span) {
      return slot + kWindowMs > span.first - kWindowMs && slot < span.second + kWindowMs;
    });
  };
  std::map<std::string, int> outcomes;
  for (const auto& window : windows.json.at("items").as_array()) {
    const std::string outcome = Str(window, "outcome");
    const std::string reason = Str(window, "reason");
    ++outcomes[outcome + (reason.empty() ? "" : " (" + reason.substr(0, reason.find(';')) + ")")];
    EXPECT_TRUE(outcome != "queued" && outcome != "running" && outcome != "lost")
        << "window left " << outcome << ": " << json::serialize(window);
    const bool unexplained = outcome == "due" || (outcome == "missed" && reason == kNoFire);
    EXPECT_FALSE(unexplained && !blind(TimeMs(window, "slot")))
        << "a window with no job, pending run or reason while every process was up: "
        << json::serialize(window);
  }
  std::string summary;
  for (const auto& [outcome, n] : outcomes) summary += " " + outcome + "×" + std::to_string(n);
  std::cout << "[fault-matrix] heartbeat windows:" << summary << "; jobs: " << jobs.size() << "\n";
}

}  // namespace rmgr::testing

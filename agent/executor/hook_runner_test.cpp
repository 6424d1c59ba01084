// RunHook against /bin/sh: output, exit codes, timeout and stop kill the
// whole process group, a background daemon cannot hold the hook open.
#include "agent/executor/hook_runner.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace rmgr::agent {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using protocol::LogStream;

struct Lines {
  std::mutex mu;
  std::vector<std::pair<LogStream, std::string>> lines;
  runner::LineCallback callback() {
    return [this](LogStream stream, std::string_view line) {
      std::lock_guard lock(mu);
      lines.emplace_back(stream, std::string(line));
    };
  }
};

HookSpec Spec(const std::string& command, std::chrono::milliseconds timeout = 60s) {
  return HookSpec{.shell = "/bin/sh",
                  .command = command,
                  .env = {"PATH=/usr/bin:/bin", "GREETING=hi"},
                  .timeout = timeout};
}

//! Whether process `pid` is gone (or a zombie), waiting up to 30 s for it.
bool GoneSoon(pid_t pid) {
  for (int i = 0; i < 600; ++i) {
    if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto paren = text.rfind(')');
    if (paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'Z') return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

pid_t ReadPid(const fs::path& file) {
  std::ifstream in(file);
  pid_t pid = -1;
  in >> pid;
  return pid;
}

class HookRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "rmgr-hook-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
  std::atomic<bool> stop_{false};
};

TEST_F(HookRunnerTest, OutputLinesAndExitCodeAndEnvironment) {
  Lines out;
  const auto outcome = RunHook(Spec("echo \"$GREETING\"; echo oops >&2; exit 3"), stop_, out.callback());
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.Describe(60s), "exit code 3");
  EXPECT_EQ(out.lines, (std::vector<std::pair<LogStream, std::string>>{{LogStream::kStdout, "hi"},
                                                                       {LogStream::kStderr, "oops"}}));
  EXPECT_TRUE(RunHook(Spec("true"), stop_, out.callback()).ok());
}

TEST_F(HookRunnerTest, TimeoutKillsTheWholeProcessGroup) {
  Lines out;
  const fs::path pid_file = dir_ / "pid";
  const auto outcome =
      RunHook(Spec("sleep 60 & echo $! > " + pid_file.string() + "; wait", 1s), stop_, out.callback());
  EXPECT_TRUE(outcome.timed_out);
  EXPECT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.Describe(1s), "timed out after 1 s");
  const pid_t sleeper = ReadPid(pid_file);
  ASSERT_GT(sleeper, 0);
  EXPECT_TRUE(GoneSoon(sleeper)) << "the hook's background child survived";
}

TEST_F(HookRunnerTest, StopKillsTheHook) {
  Lines out;
  std::thread stopper([&] {
    std::this_thread::sleep_for(200ms);
    stop_ = true;
  });
  const auto outcome = RunHook(Spec("sleep 60"), stop_, out.callback());
  stopper.join();
  EXPECT_TRUE(outcome.stopped);
  EXPECT_FALSE(outcome.timed_out);
  EXPECT_EQ(outcome.Describe(60s), "stopped");
}

TEST_F(HookRunnerTest, DaemonHoldingTheOutputDoesNotHoldTheHook) {
  // A hook that starts a service leaves it running with our pipes as its
  // stdout: the hook is over when its shell exits (plus the short drain).
  Lines out;
  const fs::path pid_file = dir_ / "daemon";
  const auto outcome =
      RunHook(Spec("sleep 60 & echo $! > " + pid_file.string() + "; echo started"), stop_, out.callback());
  EXPECT_TRUE(outcome.ok()) << outcome.Describe(60s);
  ASSERT_EQ(out.lines.size(), 1u);
  EXPECT_EQ(out.lines[0].second, "started");
  const pid_t daemon = ReadPid(pid_file);
  ASSERT_GT(daemon, 0);
  EXPECT_EQ(::kill(daemon, 0), 0) << "a successful hook's background process is left alone";
  ::kill(daemon, SIGKILL);
}

TEST_F(HookRunnerTest, MissingShellIsAStartError) {
  Lines out;
  auto spec = Spec("true");
  spec.shell = "/nonexistent/sh";
  const auto outcome = RunHook(spec, stop_, out.callback());
  EXPECT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.exit_code, -1);
  EXPECT_NE(outcome.Describe(60s).find("could not start"), std::string::npos) << outcome.Describe(60s);
}

}  // namespace
}  // namespace rmgr::agent

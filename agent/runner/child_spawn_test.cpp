// SpawnChild against /bin/sh: process group, parent-death signal, exec errors.
#include "agent/runner/child_spawn.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <thread>

namespace rmgr::agent::runner {
namespace {

namespace fs = std::filesystem;

SpawnSpec Sh(const std::string& script, int death_signal = 0) {
  return SpawnSpec{
      .argv = {"/bin/sh", "-c", script}, .env = {"PATH=/usr/bin:/bin"}, .death_signal = death_signal};
}

//! Reads `fd` until `text` has been seen (or EOF).
bool ReadUntil(int fd, const std::string& text) {
  std::string seen;
  char buf[256];
  while (seen.find(text) == std::string::npos) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    seen.append(buf, static_cast<std::size_t>(n));
  }
  return true;
}

int Reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(ChildSpawn, ChildLeadsItsOwnProcessGroup) {
  auto child = SpawnChild(Sh("echo ready; read x"));
  ASSERT_TRUE(child.ok()) << child.error().Describe();
  ASSERT_TRUE(ReadUntil(child->stdout_r.get(), "ready"));
  EXPECT_EQ(::getpgid(child->pid), child->pid);
  EXPECT_EQ(Reap(child->pid), 1) << "stdin is /dev/null, so read fails at once";
}

TEST(ChildSpawn, DeathSignalFollowsTheSpawningThread) {
  // PR_SET_PDEATHSIG fires when the spawning *thread* exits, even though the
  // process lives on: the executor therefore spawns on the job's own thread.
  std::optional<SpawnedChild> child;
  std::thread spawner([&] {
    auto spawned =
        SpawnChild(Sh("trap 'echo got-int; exit 5' INT; echo ready; while :; do sleep 0.05; done", SIGINT));
    ASSERT_TRUE(spawned.ok()) << spawned.error().Describe();
    ASSERT_TRUE(ReadUntil(spawned->stdout_r.get(), "ready"));
    child = std::move(*spawned);
  });
  spawner.join();
  ASSERT_TRUE(child.has_value());
  EXPECT_TRUE(ReadUntil(child->stdout_r.get(), "got-int"));
  EXPECT_EQ(Reap(child->pid), 5);
}

TEST(ChildSpawn, MissingBinaryIsUnavailable) {
  auto in_path = SpawnChild(SpawnSpec{.argv = {"no-such-binary-rmgr"}, .env = {}});
  ASSERT_FALSE(in_path.ok());
  EXPECT_EQ(in_path.error().code, ErrorCode::kUnavailable);
  auto absolute = SpawnChild(SpawnSpec{.argv = {"/nonexistent/restic"}, .env = {}});
  ASSERT_FALSE(absolute.ok());
  EXPECT_NE(absolute.error().message.find("No such file"), std::string::npos) << absolute.error().message;
}

TEST(ChildSpawn, ExecErrorOfTheChildIsReported) {
  const fs::path dir = fs::temp_directory_path() / ("rmgr-spawn-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path not_executable = dir / "plain.txt";
  {
    std::FILE* f = std::fopen(not_executable.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fclose(f);
  }
  auto child = SpawnChild(SpawnSpec{.argv = {not_executable.string()}, .env = {}});
  ASSERT_FALSE(child.ok());
  EXPECT_EQ(child.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(child.error().message.find("Permission denied"), std::string::npos) << child.error().message;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace rmgr::agent::runner

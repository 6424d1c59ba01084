#include "server/app/data_dir_lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/util/ulid.h"

namespace rmgr::server {
namespace {

namespace fs = std::filesystem;

class DataDirLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rmgr-lock-" + NewUlid());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(DataDirLockTest, ASecondHolderIsRefusedNamingTheFirstsPidUntilItLetsGo) {
  auto first = DataDirLock::Acquire(dir_, "serve");
  ASSERT_TRUE(first.ok()) << first.error().Describe();
  auto second = DataDirLock::Acquire(dir_, "rotate the server key");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kConflict);
  const auto& message = second.error().message;
  EXPECT_NE(message.find("cannot rotate the server key"), std::string::npos) << message;
  EXPECT_NE(message.find("(pid " + std::to_string(::getpid()) + ")"), std::string::npos) << message;
  EXPECT_NE(message.find(dir_.string()), std::string::npos) << message;
  EXPECT_EQ(fs::status(dir_ / "server.lock").permissions() & (fs::perms::group_all | fs::perms::others_all),
            fs::perms::none);

  { auto released = std::move(first).value(); }  // destroyed here
  EXPECT_TRUE(DataDirLock::Acquire(dir_, "serve").ok()) << "a released lock is free again";
}

TEST_F(DataDirLockTest, AHolderThatDiesWithoutCleaningUpLeavesNoStaleLock) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto held = DataDirLock::Acquire(dir_, "serve");
    const char byte = held.ok() ? 'y' : 'n';
    (void)!::write(ready[1], &byte, 1);
    ::pause();  // killed below, holding the lock
    ::_exit(0);
  }
  ::close(ready[1]);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(byte, 'y');
  auto refused = DataDirLock::Acquire(dir_, "serve");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("(pid " + std::to_string(child) + ")"), std::string::npos)
      << refused.error().message;

  ::kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(DataDirLock::Acquire(dir_, "serve").ok()) << "the kernel released the dead holder's lock";
}

TEST_F(DataDirLockTest, AMissingDataDirIsAClearError) {
  auto lock = DataDirLock::Acquire(dir_ / "missing", "serve");
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(lock.error().message.find("server.lock"), std::string::npos) << lock.error().message;
}

}  // namespace
}  // namespace rmgr::server

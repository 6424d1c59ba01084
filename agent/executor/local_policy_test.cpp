// LocalPolicy's two checks on their own: restore targets (trailing slashes,
// "..", symlinks out of the root) and hook commands under each policy.
#include "agent/executor/local_policy.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/util/ulid.h"

namespace rmgr::agent {
namespace {

namespace fs = std::filesystem;

class LocalPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rmgr-policy-" + std::to_string(::getpid()) + "-" + NewUlid());
    fs::create_directories(dir_ / "root" / "inside");
    fs::create_directories(dir_ / "outside");
    policy_.restore_root = dir_ / "root";
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  LocalPolicy policy_;
};

TEST_F(LocalPolicyTest, RestoreTargetsInsideTheRootOnly) {
  EXPECT_TRUE(CheckRestoreTarget(policy_, (dir_ / "root").string()).ok());
  EXPECT_TRUE(CheckRestoreTarget(policy_, (dir_ / "root").string() + "/").ok());
  EXPECT_TRUE(CheckRestoreTarget(policy_, (dir_ / "root" / "inside" / "new" / "deeper").string()).ok());
  policy_.restore_root = (dir_ / "root").string() + "/";
  EXPECT_TRUE(CheckRestoreTarget(policy_, (dir_ / "root" / "x").string()).ok());

  for (const std::string& target :
       {std::string("/"), (dir_ / "outside").string(), (dir_ / "root-other").string(),
        (dir_ / "root" / ".." / "outside").string()}) {
    auto refused = CheckRestoreTarget(policy_, target);
    ASSERT_FALSE(refused.ok()) << target;
    EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied) << target;
  }
  EXPECT_EQ(CheckRestoreTarget(policy_, "relative/dir").error().code, ErrorCode::kInvalidArgument);
}

TEST_F(LocalPolicyTest, ASymlinkInsideTheRootThatLeadsOutIsOutside) {
  fs::create_symlink(dir_ / "outside", dir_ / "root" / "escape");
  EXPECT_FALSE(CheckRestoreTarget(policy_, (dir_ / "root" / "escape" / "etc").string()).ok());
  policy_.restore_anywhere = true;
  EXPECT_TRUE(CheckRestoreTarget(policy_, (dir_ / "root" / "escape" / "etc").string()).ok());
  EXPECT_TRUE(CheckRestoreTarget(policy_, "/").ok()) << "consent covers in-place restores";
}

TEST_F(LocalPolicyTest, HooksFollowThePolicy) {
  policy_.hooks = protocol::HookPolicy::kAllow;
  EXPECT_TRUE(CheckHook(policy_, "pg_dump mydb > /tmp/x; echo done").ok());
  policy_.hooks = protocol::HookPolicy::kRefuse;
  EXPECT_EQ(CheckHook(policy_, "/bin/true").error().code, ErrorCode::kPermissionDenied);

  policy_.hooks = protocol::HookPolicy::kAllowlist;
  policy_.hook_allow = {"/usr/local/sbin/dump-db"};
  EXPECT_TRUE(CheckHook(policy_, "/usr/local/sbin/dump-db").ok());
  EXPECT_TRUE(CheckHook(policy_, "/usr/local/sbin/dump-db --db=main --out=/var/backups/main.sql").ok());
  for (const char* refused :
       {"/usr/local/sbin/dump-db; rm -rf /", "/usr/local/sbin/dump-db $(id)",
        "/usr/local/sbin/dump-db > /etc/x", "/usr/local/sbin/dump-db && reboot",
        "/usr/local/sbin/dump-db 'quoted'", "/usr/local/sbin/dump-db\nreboot", "dump-db",
        "/usr/local/sbin/dump-db2", " /usr/local/sbin/dump-db", "/usr/local/sbin/../sbin/dump-db"}) {
    EXPECT_FALSE(CheckHook(policy_, refused).ok()) << refused;
  }
}

}  // namespace
}  // namespace rmgr::agent

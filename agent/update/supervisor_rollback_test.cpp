// agent.rollback on the agent: RequestRollback refuses when there is nothing
// to go back to, else leaves rollback.json; the supervisor then makes the
// previous version current, removes the one left and writes failed.json.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "agent/update/supervisor.h"
#include "agent/update/update_layout.h"

namespace rmgr::agent::update {
namespace {

const RollbackRequest kRequest{"9.0.0", "01HZX3P00000000000000RXN01",
                               "rollout 01HZX3P00000000000000RXN01 failed: wave rolled back"};

class SupervisorRollbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rmgr-rollback-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    // As the supervisor runs a promoted 9.0.0.
    ::setenv("RMGR_AGENT_SUPERVISED", "1", 1);
    ::setenv("RMGR_AGENT_BUNDLE_VERSION", "9.0.0", 1);
  }
  void TearDown() override {
    ::unsetenv("RMGR_AGENT_SUPERVISED");
    ::unsetenv("RMGR_AGENT_BUNDLE_VERSION");
    std::filesystem::remove_all(dir_);
  }

  //! versions/<version>/restic-manager-agent: a script that exits 0.
  void Install(const std::string& version) {
    const auto path = ExecutablePath(dir_, version);
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << "#!/bin/sh\nexit 0\n";
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  }

  std::string Refusal() {
    auto asked = RequestRollback(dir_, kRequest, "0.1.0");
    EXPECT_FALSE(asked.ok());
    EXPECT_FALSE(ReadRollback(dir_).has_value()) << "a refusal writes nothing";
    return asked.ok() ? std::string() : asked.error().message;
  }

  std::filesystem::path dir_;
};

TEST_F(SupervisorRollbackTest, RefusesWhenThereIsNothingToGoBackTo) {
  Install("9.0.0");
  ASSERT_TRUE(WriteMarker(dir_, "current", "9.0.0").ok());
  EXPECT_EQ(Refusal(), "nothing to roll back to: no previous version is kept");

  ASSERT_TRUE(WriteMarker(dir_, "previous", "8.0.0").ok());
  EXPECT_EQ(Refusal(), "nothing to roll back to: the previous version 8.0.0 is not installed any more");

  ASSERT_TRUE(WriteMarker(dir_, "previous", "").ok());
  ASSERT_TRUE(WriteMarker(dir_, "current", "9.1.0").ok());
  EXPECT_EQ(Refusal(), "nothing to roll back to: 9.0.0 is not the installed current version (that is 9.1.0)");
  ::setenv("RMGR_AGENT_BUNDLE_VERSION", "9.1.0", 1);
  EXPECT_EQ(Refusal(), "nothing to roll back to: this agent runs 9.1.0, not 9.0.0");
  ::setenv("RMGR_AGENT_BUNDLE_VERSION", "9.0.0", 1);

  ASSERT_TRUE(WriteMarker(dir_, "current", "9.0.0").ok());
  ::unsetenv("RMGR_AGENT_SUPERVISED");
  EXPECT_EQ(Refusal(), "nothing to roll back to: this agent does not run under its update supervisor");
}

TEST_F(SupervisorRollbackTest, TheSupervisorGoesBackToThePreviousVersion) {
  Install("8.0.0");
  Install("9.0.0");
  ASSERT_TRUE(WriteMarker(dir_, "current", "9.0.0").ok());
  ASSERT_TRUE(WriteMarker(dir_, "previous", "8.0.0").ok());
  ASSERT_TRUE(RequestRollback(dir_, kRequest, "0.1.0").ok());
  const auto written = ReadRollback(dir_);
  ASSERT_TRUE(written.has_value());
  EXPECT_EQ(written->reason, kRequest.reason);

  // The supervisor (not supervised itself) applies it and runs 8.0.0, which exits 0.
  ::unsetenv("RMGR_AGENT_SUPERVISED");
  ::unsetenv("RMGR_AGENT_BUNDLE_VERSION");
  SupervisorOptions options;
  options.state_dir = dir_;
  options.self = "/bin/false";  // must not run: 8.0.0 is installed
  EXPECT_EQ(RunSupervisor(options), 0);
  EXPECT_EQ(ReadMarker(dir_, "current"), "8.0.0");
  EXPECT_FALSE(HasMarker(dir_, "previous")) << "nothing further back";
  EXPECT_FALSE(std::filesystem::exists(dir_ / "versions" / "9.0.0"));
  EXPECT_TRUE(std::filesystem::exists(ExecutablePath(dir_, "8.0.0")));
  EXPECT_FALSE(ReadRollback(dir_).has_value());
  const auto failed = ReadFailed(dir_);
  ASSERT_TRUE(failed.has_value()) << "the next agent reports it after hello";
  EXPECT_EQ(failed->version, "9.0.0");
  EXPECT_EQ(failed->rollout_id, kRequest.rollout_id);
  EXPECT_EQ(failed->reason, kRequest.reason);
}

TEST_F(SupervisorRollbackTest, BackToTheInstalledPackageWhenPreviousIsEmpty) {
  Install("9.0.0");
  ASSERT_TRUE(WriteMarker(dir_, "current", "9.0.0").ok());
  ASSERT_TRUE(WriteMarker(dir_, "previous", "").ok());
  ASSERT_TRUE(RequestRollback(dir_, kRequest, "0.1.0").ok());
  ::unsetenv("RMGR_AGENT_SUPERVISED");
  ::unsetenv("RMGR_AGENT_BUNDLE_VERSION");
  SupervisorOptions options;
  options.state_dir = dir_;
  options.self = "/bin/true";  // the installed package
  EXPECT_EQ(RunSupervisor(options), 0);
  EXPECT_FALSE(HasMarker(dir_, "current"));
  EXPECT_FALSE(HasMarker(dir_, "previous"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "versions" / "9.0.0"));
  EXPECT_FALSE(ShouldSupervise(dir_)) << "the next start runs the package itself";
  EXPECT_TRUE(ReadFailed(dir_).has_value());
}

}  // namespace
}  // namespace rmgr::agent::update

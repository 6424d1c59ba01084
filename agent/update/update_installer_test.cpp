#include "agent/update/update_installer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "agent/update/update_layout.h"
#include "common/update/agent_bundle.h"
#include "common/update/bundle_signature.h"

namespace rmgr::agent::update {
namespace {

class UpdateInstallerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rmgr-installer-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    rmgr::update::BundleManifest manifest;
    manifest.version = "0.2.0";
    manifest.os = "linux";
    manifest.arch = "amd64";
    bundle_ = *rmgr::update::PackBundle(manifest, "#!/bin/sh\nexit 0\n");
    message_.rollout_id = "01HZX3P00000000000000RXN01";
    message_.version = "0.2.0";
    message_.path = "/api/v1/agent/releases/0.2.0/bundle";
    message_.size = bundle_.size();
    message_.sha256 = rmgr::update::Sha256Hex(bundle_);
    message_.signature = rmgr::update::SignBundle(key_, message_.sha256);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  InstallContext Context(const std::string& served) {
    InstallContext context{dir_, key_.public_key, "linux", "amd64", {}};
    context.fetch = [served](const std::string&, std::uint64_t) -> Result<std::string> { return served; };
    return context;
  }

  std::filesystem::path dir_;
  rmgr::update::SigningKeyPair key_ = rmgr::update::GenerateSigningKey();
  std::string bundle_;
  protocol::AgentUpdate message_;
};

TEST_F(UpdateInstallerTest, ASignedBundleIsInstalledAsPending) {
  ASSERT_TRUE(InstallUpdate(message_, Context(bundle_)).ok());
  auto pending = ReadPending(dir_);
  ASSERT_TRUE(pending.has_value());
  EXPECT_EQ(pending->version, "0.2.0");
  EXPECT_EQ(pending->rollout_id, message_.rollout_id);
  const auto exe = ExecutablePath(dir_, "0.2.0");
  ASSERT_TRUE(std::filesystem::exists(exe));
  EXPECT_EQ(::access(exe.c_str(), X_OK), 0);
}

TEST_F(UpdateInstallerTest, ATamperedBundleWithAMatchingChecksumFailsTheSignatureAndWritesNothing) {
  std::string tampered = bundle_;
  tampered[tampered.size() - 3] ^= 0x01;
  message_.sha256 = rmgr::update::Sha256Hex(tampered);  // a server that lies about the checksum too
  auto installed = InstallUpdate(message_, Context(tampered));
  ASSERT_FALSE(installed.ok());
  EXPECT_NE(installed.error().message.find("signature does not verify"), std::string::npos)
      << installed.error().message;
  EXPECT_FALSE(ReadPending(dir_).has_value());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "versions"));
}

TEST_F(UpdateInstallerTest, RefusesWithoutAPinnedKeyOrForAnotherVersionOrKey) {
  InstallContext no_key = Context(bundle_);
  no_key.update_key.reset();
  auto refused = InstallUpdate(message_, no_key);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("no update key pinned"), std::string::npos);

  InstallContext other_key = Context(bundle_);
  other_key.update_key = rmgr::update::GenerateSigningKey().public_key;
  EXPECT_FALSE(InstallUpdate(message_, other_key).ok());

  protocol::AgentUpdate other_version = message_;
  other_version.version = "0.3.0";
  EXPECT_FALSE(InstallUpdate(other_version, Context(bundle_)).ok());
  EXPECT_FALSE(ReadPending(dir_).has_value());
}

}  // namespace
}  // namespace rmgr::agent::update

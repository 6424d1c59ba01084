#include "server/releases/release_catalog.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/update/agent_bundle.h"
#include "server/auth/update_signing_key.h"

namespace rmgr::server::releases {
namespace {

class ReleaseCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rmgr-releases-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "agent") << "#!/bin/sh\nexit 0\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(ReleaseCatalogTest, PublishedBundleVerifiesAgainstTheKeyAndVersionsAreImmutable) {
  auto key = auth::LoadOrCreateUpdateSigningKey(dir_);
  ASSERT_TRUE(key.ok()) << key.error().Describe();
  auto again = auth::LoadOrCreateUpdateSigningKey(dir_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->public_key, key->public_key);
  EXPECT_EQ(
      std::filesystem::status(dir_ / auth::kUpdateSigningKeyFile).permissions() & std::filesystem::perms::all,
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  ReleaseCatalog catalog(dir_);
  auto release = catalog.Publish(*key, dir_ / "agent", "0.2.0", "linux", "amd64", "2026-12-07T18:00:00Z");
  ASSERT_TRUE(release.ok()) << release.error().Describe();
  EXPECT_FALSE(catalog.Publish(*key, dir_ / "agent", "0.2.0", "linux", "amd64", "x").ok());
  ASSERT_TRUE(catalog.Publish(*key, dir_ / "agent", "0.10.0", "linux", "amd64", "x").ok());

  std::ifstream in(catalog.BundlePath("0.2.0"), std::ios::binary);
  const std::string bundle((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(update::Sha256Hex(bundle), release->sha256);
  EXPECT_TRUE(update::VerifyBundle(key->public_key, release->sha256, release->signature).ok());
  auto opened = update::OpenBundle(bundle);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->manifest.version, "0.2.0");

  const auto listed = catalog.List();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].version, "0.10.0");
  EXPECT_EQ(catalog.Find("0.2.0")->signature, release->signature);
  EXPECT_EQ(catalog.Find("0.3.0").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(catalog.Find("../x").error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace rmgr::server::releases

#include "common/update/release_version.h"

#include <gtest/gtest.h>

namespace rmgr::update {
namespace {

TEST(ReleaseVersion, AcceptsDottedVersionsAndRefusesPathTricks) {
  EXPECT_TRUE(IsReleaseVersion("0.1.0"));
  EXPECT_TRUE(IsReleaseVersion("1.2.3-rc1+build.5"));
  EXPECT_FALSE(IsReleaseVersion(""));
  EXPECT_FALSE(IsReleaseVersion(".."));
  EXPECT_FALSE(IsReleaseVersion("1..2"));
  EXPECT_FALSE(IsReleaseVersion("../etc"));
  EXPECT_FALSE(IsReleaseVersion("1/2"));
  EXPECT_FALSE(IsReleaseVersion("-1"));
  EXPECT_FALSE(IsReleaseVersion(std::string(65, '1')));
}

TEST(ReleaseVersion, ComparesNumericComponentsAsNumbers) {
  EXPECT_LT(CompareVersions("0.1.0", "0.2.0"), 0);
  EXPECT_LT(CompareVersions("1.9.0", "1.10.0"), 0);
  EXPECT_GT(CompareVersions("2.0", "1.99.99"), 0);
  EXPECT_EQ(CompareVersions("1.02.0", "1.2.0"), 0);
  EXPECT_LT(CompareVersions("1.2", "1.2.0"), 0);
  EXPECT_EQ(CompareVersions("0.1.0", "0.1.0"), 0);
}

}  // namespace
}  // namespace rmgr::update

#include "agent/runner/restic_version.h"

#include <gtest/gtest.h>

namespace rmgr::agent::runner {
namespace {

TEST(ResticVersion, ParsesWhatTheAgentReportsAndResticPrints) {
  EXPECT_EQ(ParseResticVersion("0.14.0"), (ResticVersion{0, 14, 0}));
  EXPECT_EQ(ParseResticVersion("restic 0.18.0 compiled with go1.24.4 on linux/amd64"),
            (ResticVersion{0, 18, 0}));
  EXPECT_EQ(ParseResticVersion("0.17.3"), (ResticVersion{0, 17, 3}));
  EXPECT_EQ(ParseResticVersion("v0.16"), (ResticVersion{0, 16, 0}));
  EXPECT_EQ(ParseResticVersion("0.19.0-dev (compiled manually)"), (ResticVersion{0, 19, 0}));
  for (const char* bad : {"", "restic", "0", "0.", "x.14.0", "0.14x", "0.14.", "restic version unknown"}) {
    EXPECT_EQ(ParseResticVersion(bad), std::nullopt) << bad;
  }
}

TEST(ResticVersion, FeaturesStartAtTheReleaseThatBroughtThem) {
  EXPECT_EQ(FeaturesOf(std::nullopt), ResticFeatures{});
  EXPECT_EQ(FeaturesOf(ResticVersion{0, 14, 0}), ResticFeatures{});
  EXPECT_EQ(FeaturesOf(ResticVersion{0, 15, 2}), ResticFeatures{});
  const ResticFeatures all{.retry_lock = true, .restore_json = true};
  EXPECT_EQ(FeaturesOf(ResticVersion{0, 16, 0}), all);
  EXPECT_EQ(FeaturesOf(ResticVersion{0, 18, 0}), all);
  EXPECT_EQ(FeaturesOf(ResticVersion{1, 0, 0}), all);
  EXPECT_EQ(Describe(ResticFeatures{}), "none");
  EXPECT_EQ(Describe(all), "--retry-lock, restore --json");
}

}  // namespace
}  // namespace rmgr::agent::runner

#include "common/update/agent_bundle.h"

#include <gtest/gtest.h>

namespace rmgr::update {
namespace {

BundleManifest Manifest(std::string version) {
  BundleManifest manifest;
  manifest.version = std::move(version);
  manifest.os = "linux";
  manifest.arch = "amd64";
  return manifest;
}

TEST(AgentBundle, PacksAndOpensWithTheManifestItWasGiven) {
  auto bundle = PackBundle(Manifest("1.2.0"), "#!/bin/sh\nexit 0\n");
  ASSERT_TRUE(bundle.ok()) << bundle.error().Describe();
  auto opened = OpenBundle(*bundle);
  ASSERT_TRUE(opened.ok()) << opened.error().Describe();
  EXPECT_EQ(opened->manifest.version, "1.2.0");
  EXPECT_EQ(opened->manifest.arch, "amd64");
  EXPECT_EQ(opened->manifest.binary_size, 17u);
  EXPECT_EQ(bundle->substr(opened->binary_offset), "#!/bin/sh\nexit 0\n");
}

TEST(AgentBundle, RefusesAChangedExecutableOrManifest) {
  auto bundle = PackBundle(Manifest("1.2.0"), "#!/bin/sh\nexit 0\n");
  ASSERT_TRUE(bundle.ok());
  std::string flipped = *bundle;
  flipped.back() ^= 0x01;
  EXPECT_EQ(OpenBundle(flipped).error().code, ErrorCode::kMalformed);
  std::string truncated = bundle->substr(0, bundle->size() - 1);
  EXPECT_EQ(OpenBundle(truncated).error().code, ErrorCode::kMalformed);
  EXPECT_EQ(OpenBundle("MZ...").error().code, ErrorCode::kMalformed);
  EXPECT_FALSE(PackBundle(Manifest("../x"), "x").ok());
  EXPECT_FALSE(PackBundle(Manifest("1.0"), "").ok());
}

}  // namespace
}  // namespace rmgr::update

#include "common/update/bundle_signature.h"

#include <gtest/gtest.h>

#include "common/update/agent_bundle.h"

namespace rmgr::update {
namespace {

TEST(BundleSignature, VerifiesWhatTheKeySignedAndNothingElse) {
  const SigningKeyPair key = GenerateSigningKey();
  ASSERT_TRUE(IsPublicKeyText(key.public_key)) << key.public_key;
  const std::string sha = Sha256Hex("bundle bytes");
  const std::string signature = SignBundle(key, sha);
  ASSERT_TRUE(IsSignatureText(signature));
  EXPECT_TRUE(VerifyBundle(key.public_key, sha, signature).ok());

  const auto other_bundle = VerifyBundle(key.public_key, Sha256Hex("bundle bytez"), signature);
  ASSERT_FALSE(other_bundle.ok());
  EXPECT_EQ(other_bundle.error().code, ErrorCode::kPermissionDenied);

  const auto other_key = VerifyBundle(GenerateSigningKey().public_key, sha, signature);
  ASSERT_FALSE(other_key.ok());
  EXPECT_EQ(other_key.error().code, ErrorCode::kPermissionDenied);

  EXPECT_EQ(VerifyBundle("ed25519:xyz", sha, signature).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(VerifyBundle(key.public_key, sha, "00").error().code, ErrorCode::kInvalidArgument);
}

TEST(BundleSignature, TheStoredSecretGivesTheSameKey) {
  const SigningKeyPair key = GenerateSigningKey();
  auto again = SigningKeyFromSecret(key.secret_key);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->public_key, key.public_key);
  EXPECT_FALSE(SigningKeyFromSecret("short").ok());
}

}  // namespace
}  // namespace rmgr::update

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "server/auth/credentials.h"
#include "server/auth/rate_limiter.h"
#include "server/auth/secret_box.h"

namespace rmgr::server::auth {
namespace {

TEST(Password, HashIsArgon2idAndVerifies) {
  auto hash = HashPassword("correct horse battery staple");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_TRUE(VerifyPassword("correct horse battery staple", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse battery stapl", *hash));
  EXPECT_FALSE(PasswordNeedsRehash(*hash));
}

TEST(Password, SamePasswordHashesDifferentlyEachTime) {
  auto a = HashPassword("pw");
  auto b = HashPassword("pw");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b) << "each hash must carry its own salt";
}

TEST(Password, MalformedHashNeverMatches) {
  EXPECT_FALSE(VerifyPassword("", ""));
  EXPECT_FALSE(VerifyPassword("pw", "$argon2id$garbage"));
  EXPECT_FALSE(VerifyPassword("pw", std::string(500, 'x')));
}

TEST(Token, IsLongRandomAndHashedStably) {
  const auto a = NewToken("rmt_");
  const auto b = NewToken("rmt_");
  EXPECT_EQ(a.rfind("rmt_", 0), 0u);
  EXPECT_EQ(a.size(), 4u + 43u);
  EXPECT_NE(a, b);
  EXPECT_EQ(HashToken(a), HashToken(a));
  EXPECT_NE(HashToken(a), HashToken(b));
  EXPECT_EQ(HashToken(a).size(), 64u);
  EXPECT_EQ(HashToken(a).find(a), std::string::npos);
}

TEST(Token, ConstantTimeEqualsComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

class SecretBoxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rmgr-secretbox-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(SecretBoxTest, CreatesA0600KeyAndReloadsIt) {
  const auto key = dir_ / "server.key";
  auto box = SecretBox::LoadOrCreate(key);
  ASSERT_TRUE(box.ok()) << box.error().Describe();
  struct stat st {};
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const auto sealed = box->Seal("s3cret-repo-password");
  auto again = SecretBox::LoadOrCreate(key);
  ASSERT_TRUE(again.ok());
  auto opened = again->Open(sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, "s3cret-repo-password");
  const std::string cipher(sealed.ciphertext.begin(), sealed.ciphertext.end());
  EXPECT_EQ(cipher.find("s3cret"), std::string::npos);
}

TEST_F(SecretBoxTest, TamperingOrAnotherKeyFailsToOpen) {
  auto box = SecretBox::FromKey({1});
  auto other = SecretBox::FromKey({2});
  auto sealed = box.Seal("pw");
  EXPECT_FALSE(other.Open(sealed).ok());
  sealed.ciphertext[0] ^= 1;
  EXPECT_FALSE(box.Open(sealed).ok());
  EXPECT_FALSE(box.Open(SealedSecret{}).ok());
}

TEST_F(SecretBoxTest, RefusesAKeyReadableByOthersOrOfTheWrongSize) {
  const auto loose = dir_ / "loose.key";
  std::ofstream(loose) << std::string(32, 'k');
  std::filesystem::permissions(loose, std::filesystem::perms::owner_read | std::filesystem::perms::group_read);
  EXPECT_EQ(SecretBox::LoadOrCreate(loose).error().code, ErrorCode::kPermissionDenied);
  const auto short_key = dir_ / "short.key";
  std::ofstream(short_key) << "tooshort";
  std::filesystem::permissions(short_key, std::filesystem::perms::owner_read);
  EXPECT_EQ(SecretBox::LoadOrCreate(short_key).error().code, ErrorCode::kInvalidArgument);
}

TEST(RateLimiter, AllowsABurstThenRefills) {
  RateLimiter limiter(3, std::chrono::seconds(10));
  const auto t0 = RateLimiter::Clock::time_point{} + std::chrono::hours(1);
  EXPECT_TRUE(limiter.Allow("1.2.3.4", t0));
  EXPECT_TRUE(limiter.Allow("1.2.3.4", t0));
  EXPECT_TRUE(limiter.Allow("1.2.3.4", t0));
  EXPECT_FALSE(limiter.Allow("1.2.3.4", t0));
  EXPECT_EQ(limiter.RetryAfterSeconds("1.2.3.4", t0), 10);
  EXPECT_TRUE(limiter.Allow("5.6.7.8", t0)) << "keys are independent";
  EXPECT_TRUE(limiter.Allow("1.2.3.4", t0 + std::chrono::seconds(10)));
  EXPECT_FALSE(limiter.Allow("1.2.3.4", t0 + std::chrono::seconds(10)));
}

TEST(RateLimiter, HasTokenLooksWithoutTaking) {
  RateLimiter limiter(2, std::chrono::seconds(10));
  const auto t0 = RateLimiter::Clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.HasToken("1.2.3.4", t0)) << "looking takes nothing";
  EXPECT_TRUE(limiter.Allow("1.2.3.4", t0));
  EXPECT_TRUE(limiter.HasToken("1.2.3.4", t0));
  EXPECT_TRUE(limiter.Allow("1.2.3.4", t0));
  EXPECT_FALSE(limiter.HasToken("1.2.3.4", t0));
  EXPECT_TRUE(limiter.HasToken("1.2.3.4", t0 + std::chrono::seconds(10)));
}

TEST(RateLimiter, StaysWithinItsKeyBound) {
  RateLimiter limiter(1, std::chrono::seconds(60), 100);
  const auto t0 = RateLimiter::Clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 1000; ++i) limiter.Allow("k" + std::to_string(i), t0);
  // Every key is exhausted, so the bound forced eviction instead of growth;
  // a recent key may have been evicted, which can only make the limiter lenient.
  int refused = 0;
  for (int i = 900; i < 1000; ++i) refused += limiter.Allow("k" + std::to_string(i), t0) ? 0 : 1;
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace rmgr::server::auth

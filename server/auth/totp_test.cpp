// TOTP against the RFC test vectors, recovery codes and the enrolment QR code.
#include "server/auth/totp.h"

#include <gtest/gtest.h>

#include <set>

#include "server/auth/qr_code.h"
#include "server/auth/recovery_codes.h"

namespace rmgr::server::auth {
namespace {

// The SHA-1 seed of RFC 6238 appendix B (and RFC 4226 appendix D).
const std::string kSeed = "12345678901234567890";

std::span<const unsigned char> Key() {
  return {reinterpret_cast<const unsigned char*>(kSeed.data()), kSeed.size()};
}

TimePoint At(std::int64_t unix_seconds) {
  return TimePoint{std::chrono::seconds(unix_seconds)};
}

TEST(Hotp, MatchesRfc4226AppendixD) {
  const std::vector<std::string> expected{"755224", "287082", "359152", "969429", "338314",
                                          "254676", "287922", "162583", "399871", "520489"};
  for (std::uint64_t counter = 0; counter < expected.size(); ++counter) {
    EXPECT_EQ(Hotp(Key(), counter), expected[counter]) << "counter " << counter;
  }
}

TEST(Totp, MatchesRfc6238AppendixBForSha1) {
  // RFC 6238's table lists 8 digits; the 6-digit code is the same value mod 10^6.
  const std::vector<std::pair<std::int64_t, std::string>> vectors{
      {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
      {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"}};
  for (const auto& [time, code] : vectors) {
    // 20000000000 (year 2603) is past what a nanosecond time_point holds: its step is given directly.
    const std::int64_t step = time < 10'000'000'000 ? TotpStep(At(time)) : time / kTotpStepSeconds;
    EXPECT_EQ(step, time / kTotpStepSeconds) << "T = " << time;
    EXPECT_EQ(TotpCode(Key(), step, 8), code) << "T = " << time;
    EXPECT_EQ(TotpCode(Key(), step), code.substr(2)) << "T = " << time;
  }
  EXPECT_EQ(TotpStep(At(59)), 1);
  EXPECT_EQ(TotpStep(At(60)), 2);
}

TEST(Totp, AcceptsOneStepOfDriftEitherWayAndNothingElse) {
  const TimePoint now = At(1111111111);  // step 37037037
  const std::int64_t step = TotpStep(now);
  EXPECT_EQ(MatchTotp(Key(), TotpCode(Key(), step), now), step);
  EXPECT_EQ(MatchTotp(Key(), TotpCode(Key(), step - 1), now), step - 1);
  EXPECT_EQ(MatchTotp(Key(), TotpCode(Key(), step + 1), now), step + 1);
  EXPECT_EQ(MatchTotp(Key(), TotpCode(Key(), step - 2), now), std::nullopt);
  EXPECT_EQ(MatchTotp(Key(), TotpCode(Key(), step + 2), now), std::nullopt);
}

TEST(Totp, RefusesCodesOfTheWrongShape) {
  const TimePoint now = At(59);
  const std::string good = TotpCode(Key(), TotpStep(now));
  ASSERT_TRUE(MatchTotp(Key(), good, now));
  EXPECT_FALSE(MatchTotp(Key(), "", now));
  EXPECT_FALSE(MatchTotp(Key(), good + "0", now));
  EXPECT_FALSE(MatchTotp(Key(), good.substr(1), now));
  EXPECT_FALSE(MatchTotp(Key(), " " + good.substr(1), now));
  EXPECT_FALSE(MatchTotp(Key(), "94287082", now));  // the 8-digit form of the same step
}

TEST(Totp, SecretsAreRandomAndEncodeAsRfc4648Base32) {
  EXPECT_EQ(Base32Encode(Key()), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  const std::string foobar = "foobar";  // RFC 4648 section 10, padding dropped
  EXPECT_EQ(Base32Encode({reinterpret_cast<const unsigned char*>(foobar.data()), foobar.size()}),
            "MZXW6YTBOI");
  const auto a = NewTotpSecret();
  const auto b = NewTotpSecret();
  EXPECT_EQ(a.size(), kTotpSecretBytes);
  EXPECT_NE(a, b);
}

TEST(Totp, OtpauthUriNamesIssuerAccountAndParameters) {
  EXPECT_EQ(OtpauthUri("restic-manager", "alice smith", Key()),
            "otpauth://totp/restic-manager:alice%20smith?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=restic-manager&algorithm=SHA1&digits=6&period=30");
}

TEST(RecoveryCodes, AreDistinctGroupedAndNormaliseAsTyped) {
  const auto codes = NewRecoveryCodes();
  ASSERT_EQ(codes.size(), static_cast<std::size_t>(kRecoveryCodeCount));
  EXPECT_EQ(std::set<std::string>(codes.begin(), codes.end()).size(), codes.size());
  for (const auto& code : codes) {
    ASSERT_EQ(code.size(), 19u) << code;
    EXPECT_EQ(code[4], '-');
    const auto normal = NormaliseRecoveryCode(code);
    ASSERT_TRUE(normal) << code;
    EXPECT_EQ(normal->size(), 16u);
  }
  EXPECT_EQ(NormaliseRecoveryCode("ABCD-efgh ijkl-mn23"), "abcdefghijklmn23");
  EXPECT_FALSE(NormaliseRecoveryCode("abcd-efgh-ijkl-mn2"));   // short
  EXPECT_FALSE(NormaliseRecoveryCode("abcd-efgh-ijkl-mn18"));  // 1 and 8 are not base32
  EXPECT_FALSE(NormaliseRecoveryCode("123456"));               // a TOTP code is not a recovery code
  EXPECT_EQ(HashRecoveryCode("abcdefghijklmn23"),
            HashRecoveryCode(*NormaliseRecoveryCode("ABCDEFGHIJKLMN23")));
}

TEST(QrCode, EncodesAnOtpauthUriAsASquareMatrix) {
  auto qr = QrEncode(OtpauthUri("restic-manager", "alice", Key()));
  ASSERT_TRUE(qr.ok());
  EXPECT_GE(qr->size, 21);
  EXPECT_EQ((qr->size - 17) % 4, 0) << "QR versions are 17 + 4v modules wide";
  ASSERT_EQ(qr->modules.size(), static_cast<std::size_t>(qr->size * qr->size));
  EXPECT_EQ(qr->modules.find_first_not_of("01"), std::string::npos);
  // The top-left finder pattern: a dark 7-module row, then dark-light-...-light-dark.
  EXPECT_EQ(qr->modules.substr(0, 8), "11111110");
  EXPECT_EQ(qr->modules.substr(static_cast<std::size_t>(qr->size), 7), "1000001");
}

}  // namespace
}  // namespace rmgr::server::auth

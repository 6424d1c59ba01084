// Go's own time.ParseDuration vectors (time_test.go: parseDurationTests and
// parseDurationErrorTests), which `@every` must accept and reject alike.
#include "common/cron/go_duration.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace rmgr::cron {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

TEST(GoDuration, ParsesGoReferenceVectors) {
  struct Case {
    const char* in;
    nanoseconds want;
  };
  const Case cases[] = {
      // simple
      {"0", nanoseconds{0}},
      {"5s", seconds{5}},
      {"30s", seconds{30}},
      {"1478s", seconds{1478}},
      // sign
      {"-5s", -seconds{5}},
      {"+5s", seconds{5}},
      {"-0", nanoseconds{0}},
      {"+0", nanoseconds{0}},
      // decimal
      {"5.0s", seconds{5}},
      {"5.6s", seconds{5} + milliseconds{600}},
      {"5.s", seconds{5}},
      {".5s", milliseconds{500}},
      {"1.0s", seconds{1}},
      {"1.00s", seconds{1}},
      {"1.004s", seconds{1} + milliseconds{4}},
      {"1.0040s", seconds{1} + milliseconds{4}},
      {"100.00100s", seconds{100} + milliseconds{1}},
      // different units
      {"10ns", nanoseconds{10}},
      {"11us", microseconds{11}},
      {"12\xC2\xB5s", microseconds{12}},  // U+00B5
      {"12\xCE\xBCs", microseconds{12}},  // U+03BC
      {"13ms", milliseconds{13}},
      {"14s", seconds{14}},
      {"15m", minutes{15}},
      {"16h", hours{16}},
      // composite durations
      {"3h30m", hours{3} + minutes{30}},
      {"10.5s4m", minutes{4} + seconds{10} + milliseconds{500}},
      {"-2m3.4s", -(minutes{2} + seconds{3} + milliseconds{400})},
      {"1h2m3s4ms5us6ns",
       hours{1} + minutes{2} + seconds{3} + milliseconds{4} + microseconds{5} + nanoseconds{6}},
      {"39h9m14.425s", hours{39} + minutes{9} + seconds{14} + milliseconds{425}},
      // large value
      {"52763797000ns", nanoseconds{52763797000}},
      // more than 9 digits after decimal point, see https://golang.org/issue/6617
      {"0.3333333333333333333h", minutes{20}},
      // 9007199254740993 = 1<<53+1 cannot be stored precisely in a float64
      {"9007199254740993ns", nanoseconds{(std::int64_t{1} << 53) + 1}},
      // largest duration that can be represented by int64 in nanoseconds
      {"9223372036854775807ns", nanoseconds{kMax}},
      {"9223372036854775.807us", nanoseconds{kMax}},
      {"9223372036s854ms775us807ns", nanoseconds{kMax}},
      {"-9223372036854775808ns", nanoseconds{kMin}},
      {"-9223372036854775.808us", nanoseconds{kMin}},
      {"-9223372036s854ms775us808ns", nanoseconds{kMin}},
      // largest negative round trip value, see https://golang.org/issue/48629
      {"-2562047h47m16.854775808s", nanoseconds{kMin}},
      // huge string; issue 15011.
      {"0.100000000000000000000h", minutes{6}},
      // This value tests the first overflow check in leadingFraction.
      {"0.830103483285477580700h", minutes{49} + seconds{48} + nanoseconds{372539827}},
  };
  for (const auto& c : cases) {
    auto got = ParseGoDuration(c.in);
    ASSERT_TRUE(got.ok()) << c.in << ": " << got.error().message;
    EXPECT_EQ(got->count(), c.want.count()) << c.in;
  }
}

TEST(GoDuration, RejectsGoReferenceErrorVectors) {
  const char* cases[] = {
      // invalid
      "",
      "3",
      "-",
      "s",
      ".",
      "-.",
      ".s",
      "+.s",
      "1d",
      "\x85\x85",
      "\xff"
      "ff",
      "hello \xff"
      "ff world",
      "\xEF\xBF\xBD",
      // overflow
      "9223372036854775810ns",
      "9223372036854775808ns",
      "-9223372036854775809ns",
      "9223372036854776us",
      "3000000h",
      "9223372036854775.808us",
      "9223372036854ms775us808ns",
  };
  for (const char* in : cases) {
    auto got = ParseGoDuration(in);
    EXPECT_FALSE(got.ok()) << in;
    if (!got.ok()) {
      EXPECT_EQ(got.error().code, ErrorCode::kMalformed);
    }
  }
}

TEST(GoDuration, ErrorsSayWhatIsWrong) {
  EXPECT_EQ(ParseGoDuration("3").error().message, "missing unit in duration \"3\"");
  EXPECT_EQ(ParseGoDuration("1d").error().message, "unknown unit \"d\" in duration \"1d\"");
  EXPECT_EQ(ParseGoDuration("x").error().message, "invalid duration \"x\"");
  // Go takes everything up to the next digit or '.' as the unit.
  EXPECT_EQ(ParseGoDuration("1h ").error().message, "unknown unit \"h \" in duration \"1h \"");
}

}  // namespace
}  // namespace rmgr::cron

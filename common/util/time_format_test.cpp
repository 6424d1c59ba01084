#include "common/util/time_format.h"

#include <date/tz.h>
#include <gtest/gtest.h>

namespace rmgr {
namespace {

using std::chrono::minutes;

TEST(Rfc3339, RoundTripsUtcWithAndWithoutMilliseconds) {
  auto parsed = ParseRfc3339("2026-11-22T15:40:30Z");
  ASSERT_TRUE(parsed.ok()) << parsed.error().Describe();
  EXPECT_EQ(FormatRfc3339Utc(parsed->time), "2026-11-22T15:40:30Z");
  auto with_ms = ParseRfc3339("2026-11-22T15:40:30.250Z");
  ASSERT_TRUE(with_ms.ok());
  EXPECT_EQ(FormatRfc3339Utc(with_ms->time), "2026-11-22T15:40:30.250Z");
}

TEST(Rfc3339, KeepsTheWrittenOffset) {
  auto parsed = ParseRfc3339("2026-03-08T01:30:00-05:00");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->offset, minutes{-300});
  EXPECT_EQ(FormatRfc3339Utc(parsed->time), "2026-03-08T06:30:00Z");
  EXPECT_EQ(FormatRfc3339(std::chrono::floor<std::chrono::seconds>(parsed->time), parsed->offset),
            "2026-03-08T01:30:00-05:00");
}

TEST(Rfc3339, FormatsInAZoneWithItsOffsetAtThatInstant) {
  const auto* ny = date::locate_zone("America/New_York");
  auto winter = ParseRfc3339("2026-01-15T12:00:00Z");
  auto summer = ParseRfc3339("2026-07-15T12:00:00Z");
  ASSERT_TRUE(winter.ok() && summer.ok());
  EXPECT_EQ(FormatRfc3339(std::chrono::floor<std::chrono::seconds>(winter->time), *ny),
            "2026-01-15T07:00:00-05:00");
  EXPECT_EQ(FormatRfc3339(std::chrono::floor<std::chrono::seconds>(summer->time), *ny),
            "2026-07-15T08:00:00-04:00");
}

TEST(Rfc3339, RejectsMalformedText) {
  for (const char* text : {"", "2026-11-22", "2026-11-22T15:40:30", "2026-02-30T00:00:00Z",
                           "2026-11-22T25:00:00Z", "2026-11-22T15:40:30+5:00", "2026-11-22T15:40:30Zjunk",
                           "2026-11-22T15:40:30.Z", "20261122T154030Z",
                           "2300-01-01T00:00:00Z", "1000-01-01T00:00:00Z"}) {
    auto parsed = ParseRfc3339(text);
    EXPECT_FALSE(parsed.ok()) << text;
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().code, ErrorCode::kMalformed);
    }
  }
}

}  // namespace
}  // namespace rmgr

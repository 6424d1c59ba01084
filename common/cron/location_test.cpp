#include "common/cron/location.h"

#include <gtest/gtest.h>

namespace rmgr::cron {
namespace {

Seconds At(std::string_view rfc3339) {
  auto parsed = ParseRfc3339(rfc3339);
  EXPECT_TRUE(parsed.ok()) << rfc3339;
  return std::chrono::floor<std::chrono::seconds>(parsed.ok() ? parsed->time : TimePoint{});
}

std::int64_t Unix(std::string_view rfc3339) {
  return At(rfc3339).time_since_epoch().count();
}

TEST(CronLocation, LoadsIanaZonesAndUtcLikeGo) {
  auto ny = Location::Load("America/New_York");
  ASSERT_TRUE(ny.ok());
  EXPECT_TRUE(ny->IsZone());
  EXPECT_EQ(ny->Name(), "America/New_York");
  auto utc = Location::Load("UTC");
  ASSERT_TRUE(utc.ok());
  EXPECT_EQ(*utc, Location::Utc());
  EXPECT_FALSE(utc->IsZone());
  EXPECT_EQ(*Location::Load(""), Location::Utc());
  EXPECT_TRUE(Location::Load("US/Eastern").ok());  // links resolve too
}

TEST(CronLocation, UnknownZonesAreErrorsNotExceptions) {
  for (const char* name : {"Mars/Base", "Local", "../../etc/passwd", "America/New_York ", "\n"}) {
    auto loc = Location::Load(name);
    ASSERT_FALSE(loc.ok()) << name;
    EXPECT_EQ(loc.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(Location::Load("Mars/Base").error().message, "unknown time zone \"Mars/Base\"");
}

TEST(CronLocation, NamesFixedOffsets) {
  EXPECT_EQ(Location::Fixed(std::chrono::minutes{330}).Name(), "+05:30");
  EXPECT_EQ(Location::Fixed(std::chrono::hours{-5}).Name(), "-05:00");
  EXPECT_EQ(Location::Fixed(std::chrono::seconds{0}).Name(), "UTC");
}

TEST(CronLocation, OffsetsFollowDaylightSaving) {
  const auto ny = *Location::Load("America/New_York");
  EXPECT_EQ(ny.OffsetAt(At("2026-01-15T12:00:00Z")), std::chrono::hours{-5});
  EXPECT_EQ(ny.OffsetAt(At("2026-07-15T12:00:00Z")), std::chrono::hours{-4});
  const auto p = ny.PeriodAt(Unix("2026-07-15T12:00:00Z"));
  EXPECT_EQ(p.begin, Unix("2026-03-08T07:00:00Z"));
  EXPECT_EQ(p.end, Unix("2026-11-01T06:00:00Z"));
  EXPECT_EQ(ny.Format(At("2026-07-15T12:00:00Z")), "2026-07-15T08:00:00-04:00");
  EXPECT_EQ(Location::Fixed(std::chrono::minutes{330}).Format(At("2016-01-03T08:44:00Z")),
            "2016-01-03T14:14:00+05:30");
}

TEST(CronLocation, MapsWallTimesInGapsAndOverlaps) {
  const auto ny = *Location::Load("America/New_York");
  // 2026-03-08 02:30 does not exist in New York.
  const std::int64_t gap = Unix("2026-03-08T02:30:00Z");  // the wall time, read as if UTC
  EXPECT_EQ(ny.FromLocal(gap).count, 0);
  // 2026-11-01 01:30 happens twice: EDT first, then EST.
  const auto twice = ny.FromLocal(Unix("2026-11-01T01:30:00Z"));
  ASSERT_EQ(twice.count, 2);
  EXPECT_EQ(twice.earlier, Unix("2026-11-01T01:30:00-04:00"));
  EXPECT_EQ(twice.later, Unix("2026-11-01T01:30:00-05:00"));
  const auto once = ny.FromLocal(Unix("2026-07-01T12:00:00Z"));
  ASSERT_EQ(once.count, 1);
  EXPECT_EQ(once.earlier, Unix("2026-07-01T12:00:00-04:00"));
}

}  // namespace
}  // namespace rmgr::cron

// Parser tests. The vectors come from robfig/cron v3's parser_test.go and
// spec_test.go (TestErrors, TestSlash0NoHang), converted to the five-field
// standard form; the rest pin down its quirks and our error messages.
#include "common/cron/cron_parser.h"

#include <date/tz.h>
#include <gtest/gtest.h>

#include <string>

namespace rmgr::cron {
namespace {

using std::uint64_t;

constexpr uint64_t Bit(unsigned n) {
  return uint64_t{1} << n;
}

FieldBounds TestBounds(unsigned min, unsigned max) {
  return FieldBounds{min, max, FieldNames::kNone, "test", "test"};
}

uint64_t MustRange(std::string_view expr, const FieldBounds& bounds) {
  auto r = ParseRange(expr, bounds);
  EXPECT_TRUE(r.ok()) << expr << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : 0;
}

CronSchedule MustParse(std::string_view expr) {
  auto r = ParseCron(expr);
  EXPECT_TRUE(r.ok()) << expr << ": " << (r.ok() ? "" : r.error().message);
  if (!r.ok()) return CronSchedule::Every(std::chrono::hours{24 * 365 * 100});
  return *r;
}

std::string ErrorOf(std::string_view expr) {
  auto r = ParseCron(expr);
  EXPECT_FALSE(r.ok()) << "expected an error for " << expr;
  return r.ok() ? std::string{} : r.error().message;
}

Location Zone(std::string_view name) {
  return Location::Zone(*date::locate_zone(std::string(name)));
}

// robfig's every5min / midnight / annual helpers.
CronFields Every5Min() {
  return CronFields{
      1, Bit(5), AllBits(kHourBounds), AllBits(kDomBounds), AllBits(kMonthBounds), AllBits(kDowBounds)};
}
CronFields Midnight() {
  return CronFields{1, 1, 1, AllBits(kDomBounds), AllBits(kMonthBounds), AllBits(kDowBounds)};
}
CronFields Annual() {
  return CronFields{1, 1, 1, Bit(1), Bit(1), AllBits(kDowBounds)};
}

// --- parser_test.go: TestRange ---------------------------------------------

TEST(CronRange, MatchesReferenceVectors) {
  struct Case {
    const char* expr;
    unsigned min, max;
    uint64_t expected;
  };
  const Case cases[] = {
      {"5", 0, 7, Bit(5)},
      {"0", 0, 7, Bit(0)},
      {"7", 0, 7, Bit(7)},
      {"5-5", 0, 7, Bit(5)},
      {"5-6", 0, 7, Bit(5) | Bit(6)},
      {"5-7", 0, 7, Bit(5) | Bit(6) | Bit(7)},
      {"5-6/2", 0, 7, Bit(5)},
      {"5-7/2", 0, 7, Bit(5) | Bit(7)},
      {"5-7/1", 0, 7, Bit(5) | Bit(6) | Bit(7)},
      {"*", 1, 3, Bit(1) | Bit(2) | Bit(3) | kStarBit},
      {"*/2", 1, 3, Bit(1) | Bit(3)},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(MustRange(c.expr, TestBounds(c.min, c.max)), c.expected) << c.expr;
  }
}

TEST(CronRange, RejectsWhatTheReferenceRejects) {
  // robfig's error texts in comments; ours name the field and the problem.
  struct Case {
    const char* expr;
    unsigned min, max;
    const char* message;
  };
  const Case cases[] = {
      {"5--5", 0, 0, "test: too many hyphens in \"5--5\""},                  // too many hyphens
      {"jan-x", 0, 0, "test: \"jan\" is not a number"},                      // failed to parse int from
      {"2-x", 1, 5, "test: \"x\" is not a number"},                          // failed to parse int from
      {"*/-12", 0, 0, "test: step in \"*/-12\" must be a positive number"},  // negative number
      {"*//2", 0, 0, "test: too many slashes in \"*//2\""},                  // too many slashes
      {"1", 3, 5, "test: value 1 out of range 3-5"},                         // below minimum
      {"6", 3, 5, "test: value 6 out of range 3-5"},                         // above maximum
      {"5-3", 3, 5, "test: range \"5-3\" starts after it ends"},             // beyond end of range
      {"*/0", 0, 0, "test: step in \"*/0\" must be a positive number"},      // should be a positive number
  };
  for (const auto& c : cases) {
    auto r = ParseRange(c.expr, TestBounds(c.min, c.max));
    ASSERT_FALSE(r.ok()) << c.expr;
    EXPECT_EQ(r.error().message, c.message);
    EXPECT_EQ(r.error().field, "test");
  }
}

// --- parser_test.go: TestField, TestAll, TestBits ---------------------------

TEST(CronField, MatchesReferenceVectors) {
  struct Case {
    const char* expr;
    uint64_t expected;
  };
  const Case cases[] = {
      {"5", Bit(5)},
      {"5,6", Bit(5) | Bit(6)},
      {"5,6,7", Bit(5) | Bit(6) | Bit(7)},
      {"1,5-7/2,3", Bit(1) | Bit(5) | Bit(7) | Bit(3)},
  };
  for (const auto& c : cases) {
    auto r = ParseField(c.expr, TestBounds(1, 7));
    ASSERT_TRUE(r.ok()) << c.expr;
    EXPECT_EQ(*r, c.expected) << c.expr;
  }
}

TEST(CronField, AllBitsCoverEachFieldPlusTheStarBit) {
  EXPECT_EQ(AllBits(kMinuteBounds), 0xfffffffffffffffULL | kStarBit);  // 0-59: 60 ones
  EXPECT_EQ(AllBits(kHourBounds), 0xffffffULL | kStarBit);             // 0-23: 24 ones
  EXPECT_EQ(AllBits(kDomBounds), 0xfffffffeULL | kStarBit);            // 1-31: 31 ones, 1 zero
  EXPECT_EQ(AllBits(kMonthBounds), 0x1ffeULL | kStarBit);              // 1-12: 12 ones, 1 zero
  EXPECT_EQ(AllBits(kDowBounds), 0x7fULL | kStarBit);                  // 0-6: 7 ones
}

TEST(CronField, BitsHonourTheStep) {
  EXPECT_EQ(FieldBits(0, 0, 1), 0x1U);
  EXPECT_EQ(FieldBits(1, 1, 1), 0x2U);
  EXPECT_EQ(FieldBits(1, 5, 2), 0x2aU);  // 101010
  EXPECT_EQ(FieldBits(1, 4, 2), 0xaU);   // 1010
}

// --- parser_test.go: TestParseScheduleErrors, TestStandardSpecSchedule ------

TEST(CronParse, ReportsTheReferenceErrorCases) {
  // "* 5 j * * *" (seconds parser) becomes "5 j * * *".
  EXPECT_EQ(ErrorOf("5 j * * *"), "hour: \"j\" is not a number");
  EXPECT_EQ(ErrorOf("@every Xm"), "@every: invalid duration \"Xm\"");
  EXPECT_EQ(ErrorOf("@unrecognized"), "unrecognized descriptor \"@unrecognized\"");
  EXPECT_EQ(ErrorOf("* * * *"), "expected exactly 5 fields, found 4");
  EXPECT_EQ(ErrorOf(""), "empty cron expression");
}

TEST(CronParse, StandardSpecsMatchTheReferenceSchedules) {
  EXPECT_EQ(MustParse("5 * * * *"), CronSchedule::FromFields(Every5Min()));
  EXPECT_EQ(MustParse("@every 5m"), CronSchedule::Every(std::chrono::minutes{5}));
}

// --- parser_test.go: TestParseSchedule (the entries valid for ParseStandard) -

TEST(CronParse, ParsesZonesAndDescriptorsLikeTheReference) {
  const Location utc = Location::Utc();
  const Location tokyo = Zone("Asia/Tokyo");
  // "0 5 * * * *" with the seconds parser is "5 * * * *" here.
  EXPECT_EQ(MustParse("5 * * * *"), CronSchedule::FromFields(Every5Min()));
  EXPECT_EQ(MustParse("CRON_TZ=UTC  5 * * * *"), CronSchedule::FromFields(Every5Min(), utc));
  EXPECT_EQ(MustParse("CRON_TZ=Asia/Tokyo 5 * * * *"), CronSchedule::FromFields(Every5Min(), tokyo));
  EXPECT_EQ(MustParse("@every 5m"), CronSchedule::Every(std::chrono::minutes{5}));
  EXPECT_EQ(MustParse("@midnight"), CronSchedule::FromFields(Midnight()));
  EXPECT_EQ(MustParse("TZ=UTC  @midnight"), CronSchedule::FromFields(Midnight(), utc));
  EXPECT_EQ(MustParse("TZ=Asia/Tokyo @midnight"), CronSchedule::FromFields(Midnight(), tokyo));
  EXPECT_EQ(MustParse("@yearly"), CronSchedule::FromFields(Annual()));
  EXPECT_EQ(MustParse("@annually"), CronSchedule::FromFields(Annual()));
  // Skipped: {secondParser, "* 5 * * * *"} needs a non-zero seconds field,
  // which the standard parser cannot express. TestOptionalSecondSchedule,
  // TestNormalizeFields(_Errors) and TestNoDescriptorParser exercise parser
  // configurations (optional seconds/dow, descriptors off) ParseStandard never uses.
}

TEST(CronParse, DescriptorsExpandToTheReferenceFields) {
  const uint64_t all_dom = AllBits(kDomBounds);
  const uint64_t all_month = AllBits(kMonthBounds);
  const uint64_t all_dow = AllBits(kDowBounds);
  EXPECT_EQ(MustParse("@monthly").fields(), (CronFields{1, 1, 1, Bit(1), all_month, all_dow}));
  EXPECT_EQ(MustParse("@weekly").fields(), (CronFields{1, 1, 1, all_dom, all_month, Bit(0)}));
  EXPECT_EQ(MustParse("@daily").fields(), MustParse("@midnight").fields());
  EXPECT_EQ(MustParse("@hourly").fields(),
            (CronFields{1, 1, AllBits(kHourBounds), all_dom, all_month, all_dow}));
}

// --- spec_test.go: TestErrors, TestSlash0NoHang ------------------------------

TEST(CronParse, RejectsTheReferenceInvalidSpecs) {
  EXPECT_EQ(ErrorOf("xyz"), "expected exactly 5 fields, found 1");
  EXPECT_EQ(ErrorOf("60 0 * * *"), "minute: value 60 out of range 0-59");
  EXPECT_EQ(ErrorOf("0 60 * * *"), "hour: value 60 out of range 0-23");
  EXPECT_EQ(ErrorOf("0 0 * * XYZ"), "day of week: \"XYZ\" is not a number or a day name");
}

TEST(CronParse, RejectsAZeroStepInsteadOfHanging) {
  EXPECT_EQ(ErrorOf("TZ=America/New_York 15/0 * * * *"),
            "minute: step in \"15/0\" must be a positive number");
}

// --- Behaviour of the reference beyond its own vectors -----------------------

TEST(CronSpec, StarAndQuestionMarkSetTheStarBit) {
  EXPECT_EQ(*ParseField("*", kDomBounds), AllBits(kDomBounds));
  EXPECT_EQ(*ParseField("?", kDowBounds), AllBits(kDowBounds));
}

TEST(CronSpec, StarSlashOneCountsAsStarButOtherStepsAndFullRangesDoNot) {
  EXPECT_NE(*ParseField("*/1", kDomBounds) & kStarBit, 0U);
  EXPECT_EQ(*ParseField("*/2", kDomBounds) & kStarBit, 0U);
  EXPECT_EQ(*ParseField("1-31", kDomBounds) & kStarBit, 0U);
  EXPECT_EQ(*ParseField("1-31", kDomBounds), AllBits(kDomBounds) & ~kStarBit);
  EXPECT_NE(*ParseField("5,*", kDomBounds) & kStarBit, 0U);
}

TEST(CronSpec, SingleValueWithStepRunsToTheFieldMaximum) {
  EXPECT_EQ(*ParseField("5/15", kMinuteBounds), Bit(5) | Bit(20) | Bit(35) | Bit(50));
  EXPECT_EQ(*ParseField("jan/3", kMonthBounds), Bit(1) | Bit(4) | Bit(7) | Bit(10));
}

TEST(CronSpec, NamesAreCaseInsensitiveAndWorkInRanges) {
  EXPECT_EQ(MustParse("0 0 * JAN-mar Mon-FRI").fields().month, Bit(1) | Bit(2) | Bit(3));
  EXPECT_EQ(MustParse("0 0 * * sun,SAT").fields().dow, Bit(0) | Bit(6));
  // Go's strings.ToLower maps U+0130 (capital I with dot) to 'i', so the reference takes "FRİ".
  EXPECT_EQ(MustParse("0 0 * * FR\xC4\xB0").fields().dow, Bit(5));
  EXPECT_EQ(ErrorOf("0 0 * * monday"), "day of week: \"monday\" is not a number or a day name");
  EXPECT_EQ(ErrorOf("0 0 * mon *"), "month: \"mon\" is not a number or a month name");
  EXPECT_EQ(ErrorOf("jan * * * *"), "minute: \"jan\" is not a number");
}

TEST(CronSpec, DayOfWeekSevenIsInvalid) {
  EXPECT_EQ(ErrorOf("0 0 * * 7"), "day of week: value 7 out of range 0-6");
  EXPECT_EQ(ErrorOf("0 0 * * 1-7"), "day of week: value 7 out of range 0-6");
}

TEST(CronSpec, ErrorsNameTheFieldAndTheProblem) {
  EXPECT_EQ(ErrorOf("0 25 * * *"), "hour: value 25 out of range 0-23");
  EXPECT_EQ(ErrorOf("0 0 0 * *"), "day of month: value 0 out of range 1-31");
  EXPECT_EQ(ErrorOf("0 0 32 * *"), "day of month: value 32 out of range 1-31");
  EXPECT_EQ(ErrorOf("0 0 * 13 *"), "month: value 13 out of range 1-12");
  EXPECT_EQ(ErrorOf("0 0 20-10 * *"), "day of month: range \"20-10\" starts after it ends");
  EXPECT_EQ(ErrorOf("0 0 5- * *"), "day of month: missing number in \"5-\"");
  EXPECT_EQ(ErrorOf("*/ * * * *"), "minute: missing step in \"*/\"");
  EXPECT_EQ(ErrorOf("*/x * * * *"), "minute: step \"x\" is not a number");
  EXPECT_EQ(ErrorOf("99999999999999999999 * * * *"), "minute: value 99999999999999999999 out of range 0-59");
  EXPECT_EQ(ErrorOf("0 0 * * * *"), "expected exactly 5 fields, found 6");
  auto r = ParseCron("0 25 * * *");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kOutOfRange);
  EXPECT_EQ(r.error().field, "hour");
  auto syntax = ParseCron("0 x * * *");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().code, ErrorCode::kMalformed);
}

TEST(CronSpec, ErrorsQuoteControlCharactersOnOneLine) {
  EXPECT_EQ(ErrorOf("0 0 * * mo\x01n"), "day of week: \"mo\\x01n\" is not a number or a day name");
  EXPECT_EQ(ErrorOf("@dai\nly"), "unrecognized descriptor \"@dai\\nly\"");
}

TEST(CronSpec, QuirksOfTheReferenceAreKept) {
  // Anything after "*-" is ignored.
  EXPECT_EQ(MustParse("*-5 * * * *").fields().minute, AllBits(kMinuteBounds));
  // Empty list elements are dropped; an all-empty field matches nothing (never fires).
  EXPECT_EQ(MustParse("1,,2 * * * *").fields().minute, Bit(1) | Bit(2));
  EXPECT_EQ(MustParse(", * * * *").fields().minute, 0U);
  // A sign is allowed on numbers, leading zeros too.
  EXPECT_EQ(MustParse("+5 08 * * *").fields().minute, Bit(5));
  EXPECT_EQ(MustParse("+5 08 * * *").fields().hour, Bit(8));
  // `?` is a star in every field.
  EXPECT_EQ(MustParse("? ? ? ? ?").fields().minute, AllBits(kMinuteBounds));
}

TEST(CronSpec, FieldsSplitOnAnyGoWhiteSpace) {
  EXPECT_EQ(MustParse("  5\t*\n* *  *  "), MustParse("5 * * * *"));
  // U+00A0 NO-BREAK SPACE and U+3000 IDEOGRAPHIC SPACE separate fields in Go.
  EXPECT_EQ(MustParse("5\xC2\xA0*\xE3\x80\x80* * *"), MustParse("5 * * * *"));
}

TEST(CronSpec, DescriptorsAreExactAndCaseSensitive) {
  EXPECT_EQ(ErrorOf("@DAILY"), "unrecognized descriptor \"@DAILY\"");
  EXPECT_EQ(ErrorOf("@daily "), "unrecognized descriptor \"@daily \"");
  EXPECT_EQ(ErrorOf(" @daily"), "expected exactly 5 fields, found 1");
  EXPECT_EQ(ErrorOf("@every"), "unrecognized descriptor \"@every\"");
  EXPECT_EQ(ErrorOf("@every 5"), "@every: missing unit in duration \"5\"");
  EXPECT_EQ(ErrorOf("@every 1d"), "@every: unknown unit \"d\" in duration \"1d\"");
  // After a zone prefix the rest is trimmed, so trailing space is fine there.
  EXPECT_TRUE(ParseCron("TZ=UTC @daily  ").ok());
}

TEST(CronSpec, EveryRoundsToWholeSecondsWithAMinimumOfOne) {
  EXPECT_EQ(MustParse("@every 1h30m").interval(), std::chrono::seconds{5400});
  EXPECT_EQ(MustParse("@every 90s").interval(), std::chrono::seconds{90});
  EXPECT_EQ(MustParse("@every 1.5h").interval(), std::chrono::seconds{5400});
  EXPECT_EQ(MustParse("@every 2.9s").interval(), std::chrono::seconds{2});
  EXPECT_EQ(MustParse("@every 15ms").interval(), std::chrono::seconds{1});
  EXPECT_EQ(MustParse("@every 0").interval(), std::chrono::seconds{1});
  EXPECT_EQ(MustParse("@every -5m").interval(), std::chrono::seconds{1});
  EXPECT_TRUE(MustParse("@every 5m").IsInterval());
  EXPECT_FALSE(MustParse("@every 5m").HasZone());
  // The reference drops a zone prefix on @every.
  EXPECT_FALSE(MustParse("TZ=Asia/Tokyo @every 5m").HasZone());
}

TEST(CronSpec, ZonePrefixes) {
  const auto ny = MustParse("TZ=America/New_York 0 2 * * *");
  ASSERT_TRUE(ny.HasZone());
  EXPECT_EQ(ny.zone()->Name(), "America/New_York");
  EXPECT_EQ(MustParse("CRON_TZ=America/New_York 0 2 * * *"), ny);
  EXPECT_FALSE(MustParse("0 2 * * *").HasZone());
  // Go: LoadLocation("") is UTC, LoadLocation("Local") is "no zone of its own".
  EXPECT_EQ(*MustParse("TZ= 0 2 * * *").zone(), Location::Utc());
  EXPECT_FALSE(MustParse("TZ=Local 0 2 * * *").HasZone());
  EXPECT_EQ(MustParse("TZ=UTC 0 2 * * *").zone()->Name(), "UTC");
}

TEST(CronSpec, ZonePrefixErrors) {
  auto r = ParseCron("TZ=Mars/Base 0 2 * * *");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "unknown time zone \"Mars/Base\"");
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().field, "time_zone");
  EXPECT_EQ(ErrorOf("CRON_TZ=../../etc/passwd 0 2 * * *"), "unknown time zone \"../../etc/passwd\"");
  // The reference panics on a prefix without a space; we report it.
  EXPECT_EQ(ErrorOf("TZ=UTC"), "time zone prefix \"TZ=UTC\" must be followed by a space and a schedule");
  EXPECT_EQ(ErrorOf("TZ=UTC "), "expected exactly 5 fields, found 0");
  // Only an ASCII space ends the zone name, as in the reference.
  EXPECT_EQ(ErrorOf("TZ=UTC\t0 2 * * *"), "unknown time zone \"UTC\\t0\"");
}

TEST(CronSpec, RejectsOverlongExpressions) {
  auto r = ParseCron(std::string(kMaxCronExpressionBytes + 1, '*'));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kTooLarge);
}

TEST(CronSpec, KeepsTheSourceText) {
  EXPECT_EQ(MustParse("TZ=UTC */5 * * * *").expression(), "TZ=UTC */5 * * * *");
  EXPECT_EQ(MustParse("@every 5m").expression(), "@every 5m");
}

}  // namespace
}  // namespace rmgr::cron

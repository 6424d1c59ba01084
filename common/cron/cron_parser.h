#pragma once
// ParseCron: cron expressions exactly as robfig/cron v3's standard parser
// (cron.ParseStandard) accepts them — five fields "minute hour dom month
// dow", names jan-dec and sun-sat in any case, `*` and `?`, lists, ranges,
// steps (`N/s` means N-max/s), the descriptors @yearly @annually @monthly
// @weekly @daily @midnight @hourly and `@every <Go duration>`, and an
// optional `CRON_TZ=Zone ` or `TZ=Zone ` prefix. Errors are one line naming
// the field and the problem, e.g. `hour: value 25 out of range 0-23`.
// The field-level functions are exposed for tests against robfig's vectors.
// Thread safety: pure functions.

#include <cstdint>
#include <string_view>

#include "common/cron/cron_schedule.h"
#include "common/result.h"

namespace rmgr::cron {

//! Longest expression ParseCron accepts (robfig has no limit; ours keeps errors and logs bounded).
inline constexpr size_t kMaxCronExpressionBytes = 1024;

//! Parses a standard cron expression (see the file comment). Failures:
//! kMalformed (syntax), kOutOfRange (a value outside its field), kInvalidArgument
//! (unknown time zone), kTooLarge (over kMaxCronExpressionBytes).
Result<CronSchedule> ParseCron(std::string_view expression);

//! Which names a field accepts besides numbers.
enum class FieldNames {
  kNone,    ///< Numbers only.
  kMonths,  ///< jan-dec (1-12), any case.
  kDays,    ///< sun-sat (0-6), any case.
};

//! The values a field allows and how errors name it.
struct FieldBounds {
  unsigned min = 0;                      ///< Smallest value.
  unsigned max = 0;                      ///< Largest value (at most 62).
  FieldNames names = FieldNames::kNone;  ///< Names accepted besides numbers.
  std::string_view key;                  ///< Error::field, e.g. "day_of_month".
  std::string_view label;                ///< Message prefix, e.g. "day of month".
};

//! Seconds: robfig's six-field form only; ParseCron never reads a seconds field.
inline constexpr FieldBounds kSecondBounds{0, 59, FieldNames::kNone, "second", "second"};
//! Minutes, 0-59.
inline constexpr FieldBounds kMinuteBounds{0, 59, FieldNames::kNone, "minute", "minute"};
//! Hours, 0-23.
inline constexpr FieldBounds kHourBounds{0, 23, FieldNames::kNone, "hour", "hour"};
//! Day of month, 1-31.
inline constexpr FieldBounds kDomBounds{1, 31, FieldNames::kNone, "day_of_month", "day of month"};
//! Months, 1-12 or jan-dec.
inline constexpr FieldBounds kMonthBounds{1, 12, FieldNames::kMonths, "month", "month"};
//! Day of week, 0-6 (Sunday is 0; 7 is invalid) or sun-sat.
inline constexpr FieldBounds kDowBounds{0, 6, FieldNames::kDays, "day_of_week", "day of week"};

//! Bits min..max every `step` (robfig's getBits); `step` must be at least 1.
std::uint64_t FieldBits(unsigned min, unsigned max, unsigned step);

//! Every value of the field plus kStarBit (robfig's all()).
std::uint64_t AllBits(const FieldBounds& bounds);

//! One list element: `*`, `?`, `N`, `N-M`, each optionally `/step` (robfig's getRange).
Result<std::uint64_t> ParseRange(std::string_view expr, const FieldBounds& bounds);

//! A whole field: comma-separated ranges, empty elements ignored (robfig's getField).
Result<std::uint64_t> ParseField(std::string_view field, const FieldBounds& bounds);

}  // namespace rmgr::cron

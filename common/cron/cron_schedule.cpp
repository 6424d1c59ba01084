#include "common/cron/cron_schedule.h"

#include <date/date.h>

#include <algorithm>
#include <bit>
#include <functional>
#include <vector>

namespace rmgr::cron {
namespace {

constexpr std::int64_t kMinuteSecs = 60;
constexpr std::int64_t kHourSecs = 3600;
constexpr std::int64_t kDaySecs = 86400;
// How far Next looks ahead, and LastFireAtOrBefore back: robfig's yearLimit.
constexpr int kSearchYears = 5;

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

bool Has(std::uint64_t bits, unsigned value) {
  return ((bits >> value) & 1U) != 0;
}

// Mask of the values [lo, hi].
constexpr std::uint64_t Span(unsigned lo, unsigned hi) {
  return ((hi >= 63 ? ~std::uint64_t{0} : (std::uint64_t{1} << (hi + 1)) - 1)) &
         ~((std::uint64_t{1} << lo) - 1);
}

// Wall-clock fields of one instant in one location.
struct Civil {
  int year = 1970;
  unsigned month = 1;
  unsigned day = 1;
  unsigned hour = 0;
  unsigned minute = 0;
  unsigned second = 0;
  unsigned weekday = 4;  // 0 = Sunday
};

std::int64_t DaysFromCivil(std::int64_t year, unsigned month, unsigned day) {
  const date::sys_days d =
      date::year_month_day{date::year{static_cast<int>(year)}, date::month{month}, date::day{day}};
  return d.time_since_epoch().count();
}

unsigned WeekdayOfDay(std::int64_t day) {
  // 1970-01-01 was a Thursday (4).
  return static_cast<unsigned>(((day % 7) + 7 + 4) % 7);
}

Civil CivilFromLocal(std::int64_t local) {
  const std::int64_t day = FloorDiv(local, kDaySecs);
  const std::int64_t sod = local - day * kDaySecs;
  const date::year_month_day ymd{date::sys_days{date::days{day}}};
  Civil c;
  c.year = static_cast<int>(ymd.year());
  c.month = static_cast<unsigned>(ymd.month());
  c.day = static_cast<unsigned>(ymd.day());
  c.hour = static_cast<unsigned>(sod / kHourSecs);
  c.minute = static_cast<unsigned>(sod / kMinuteSecs % 60);
  c.second = static_cast<unsigned>(sod % 60);
  c.weekday = WeekdayOfDay(day);
  return c;
}

bool DayMatches(const CronFields& f, unsigned day, unsigned weekday) {
  const bool dom_match = Has(f.dom, day);
  const bool dow_match = Has(f.dow, weekday);
  if ((f.dom & kStarBit) != 0 || (f.dow & kStarBit) != 0) return dom_match && dow_match;
  return dom_match || dow_match;
}

// The smallest k >= 1 at which robfig's "add one unit" loop stops when the
// field reads `value` now: the field reaches a set bit, or wraps to 0 (n).
std::int64_t StepsUntil(std::uint64_t bits, unsigned value, unsigned n) {
  const std::uint64_t above = bits & Span(0, n - 1) & ~Span(0, value);
  if (above != 0) return std::countr_zero(above) - static_cast<int>(value);
  return static_cast<std::int64_t>(n - value);
}

// The few operations of Go's time.Time that SpecSchedule.Next uses, in one
// location at whole-second precision, including time.Date's choice of offset
// for wall times in a DST gap or overlap. The reference's DST behaviour
// follows from these, so they are reproduced rather than "improved".
class GoClock {
 public:
  explicit GoClock(const Location& loc) : loc_(loc) {}

  // The offset period containing t (cached: most calls stay in one period).
  const Location::Period& PeriodAt(std::int64_t t) {
    if (t < period_.begin || t >= period_.end) period_ = loc_.PeriodAt(t);
    return period_;
  }

  Civil Fields(std::int64_t t) { return CivilFromLocal(t + PeriodAt(t).offset); }

  // time.Date(year, month, day, hour, minute, second, 0, loc).
  std::int64_t Date(std::int64_t year, std::int64_t month, std::int64_t day, std::int64_t hour,
                    std::int64_t minute, std::int64_t second) {
    std::int64_t m0 = month - 1;
    const std::int64_t carry = FloorDiv(m0, 12);
    year += carry;
    m0 -= carry * 12;
    const std::int64_t local = (DaysFromCivil(year, static_cast<unsigned>(m0 + 1), 1) + day - 1) * kDaySecs +
                               hour * kHourSecs + minute * kMinuteSecs + second;
    // Go looks up the offset at `local` read as UTC; when the result falls
    // outside that period it takes the offset in effect at the result.
    const Location::Period guess = PeriodAt(local);
    std::int64_t offset = guess.offset;
    if (offset != 0) {
      const std::int64_t utc = local - offset;
      if (utc < guess.begin || utc >= guess.end) offset = PeriodAt(utc).offset;
    }
    return local - offset;
  }

  // t.AddDate(years, months, days).
  std::int64_t AddDate(std::int64_t t, int years, int months, int days) {
    const Civil c = Fields(t);
    return Date(std::int64_t{c.year} + years, std::int64_t{c.month} + months, std::int64_t{c.day} + days,
                c.hour, c.minute, c.second);
  }

  // for !match(field(t)) { t = t.Add(unit); if field(t) == 0 { wrap } } —
  // one iteration's step, stretched over every step that cannot stop the
  // loop as long as they all stay inside one offset period (where the field
  // advances by exactly one per unit).
  std::int64_t Step(std::int64_t t, std::uint64_t bits, unsigned value, unsigned n, std::int64_t unit) {
    const std::int64_t k = StepsUntil(bits, value, n);
    if (k > 1 && t + k * unit < PeriodAt(t).end) return t + k * unit;
    return t + unit;
  }

 private:
  const Location& loc_;
  Location::Period period_{1, 0, 0};  // empty: the first lookup always misses
};

}  // namespace

CronSchedule CronSchedule::FromFields(const CronFields& fields, std::optional<Location> zone) {
  CronSchedule s;
  s.fields_ = fields;
  s.zone_ = zone;
  s.Init();
  return s;
}

CronSchedule CronSchedule::Every(std::chrono::nanoseconds delay) {
  CronSchedule s;
  if (delay < std::chrono::seconds{1}) delay = std::chrono::seconds{1};
  s.interval_ = std::chrono::duration_cast<std::chrono::seconds>(delay);
  s.fields_ = CronFields{0, 0, 0, 0, 0, 0};
  return s;
}

void CronSchedule::Init() {
  const CronFields& f = fields_;
  const std::uint64_t dom = f.dom & Span(1, 31);
  const std::uint64_t dow = f.dow & Span(0, 6);
  const bool star = ((f.dom | f.dow) & kStarBit) != 0;
  const bool days_empty = star ? (dom == 0 || dow == 0) : (dom == 0 && dow == 0);
  never_ = (f.second & Span(0, 59)) == 0 || (f.minute & Span(0, 59)) == 0 || (f.hour & Span(0, 23)) == 0 ||
           (f.month & Span(1, 12)) == 0 || days_empty;
}

std::optional<Seconds> CronSchedule::Next(Seconds from, const Location& loc) const {
  if (interval_) return from + *interval_;
  if (never_) return std::nullopt;
  GoClock clock(EvaluationLocation(loc));
  const CronFields& f = fields_;

  // Start at the earliest possible time: the upcoming second.
  std::int64_t t = from.time_since_epoch().count() + 1;
  Civil c = clock.Fields(t);
  const int year_limit = c.year + kSearchYears;
  // Whether a field has been incremented (after which lower fields start at 0).
  bool added = false;

  for (;;) {  // robfig's WRAP label
    if (c.year > year_limit) return std::nullopt;
    bool wrapped = false;

    while (!Has(f.month, c.month)) {
      if (!added) {
        added = true;
        t = clock.Date(c.year, c.month, 1, 0, 0, 0);
      }
      t = clock.AddDate(t, 0, 1, 0);
      c = clock.Fields(t);
      if (c.month == 1) {
        wrapped = true;
        break;
      }
    }
    if (wrapped) continue;

    while (!DayMatches(f, c.day, c.weekday)) {
      if (!added) {
        added = true;
        t = clock.Date(c.year, c.month, c.day, 0, 0, 0);
      }
      t = clock.AddDate(t, 0, 0, 1);
      c = clock.Fields(t);
      // Where midnight does not exist (DST at 00:00), time.Date lands an hour
      // off; robfig nudges back to the start of the day.
      if (c.hour != 0) {
        t += c.hour > 12 ? (24 - std::int64_t{c.hour}) * kHourSecs : -std::int64_t{c.hour} * kHourSecs;
        c = clock.Fields(t);
      }
      if (c.day == 1) {
        wrapped = true;
        break;
      }
    }
    if (wrapped) continue;

    while (!Has(f.hour, c.hour)) {
      if (!added) {
        added = true;
        t = clock.Date(c.year, c.month, c.day, c.hour, 0, 0);
        c = clock.Fields(t);
      }
      t = clock.Step(t, f.hour, c.hour, 24, kHourSecs);
      c = clock.Fields(t);
      if (c.hour == 0) {
        wrapped = true;
        break;
      }
    }
    if (wrapped) continue;

    while (!Has(f.minute, c.minute)) {
      if (!added) {
        added = true;
        t = FloorDiv(t, kMinuteSecs) * kMinuteSecs;  // Go truncates in absolute time, not wall time
        c = clock.Fields(t);
      }
      t = clock.Step(t, f.minute, c.minute, 60, kMinuteSecs);
      c = clock.Fields(t);
      if (c.minute == 0) {
        wrapped = true;
        break;
      }
    }
    if (wrapped) continue;

    while (!Has(f.second, c.second)) {
      added = true;  // t is already whole seconds: robfig's Truncate(time.Second) is a no-op
      t = clock.Step(t, f.second, c.second, 60, 1);
      c = clock.Fields(t);
      if (c.second == 0) {
        wrapped = true;
        break;
      }
    }
    if (wrapped) continue;

    return Seconds{std::chrono::seconds{t}};
  }
}

bool CronSchedule::FiresAt(Seconds t, const Location& loc) const {
  if (interval_) return false;
  const auto next = Next(t - std::chrono::seconds{1}, loc);
  return next && *next == t;
}

std::optional<Seconds> CronSchedule::LastFireAtOrBefore(Seconds now, const Location& loc) const {
  if (interval_) return now - *interval_;
  if (never_) return std::nullopt;
  const Location& eval = EvaluationLocation(loc);
  const CronFields& f = fields_;
  const std::int64_t now_s = now.time_since_epoch().count();
  const std::int64_t local_now = now_s + eval.PeriodAt(now_s).offset;
  const Civil now_civil = CivilFromLocal(local_now);
  const std::int64_t stop_day = DaysFromCivil(now_civil.year - kSearchYears, 1, 1);

  // Every fire time is an instant whose wall clock matches the fields, so
  // walk local days backwards, list each matching day's matching wall times
  // as instants, and confirm the latest with Next (which also rules out
  // wall times Next would never produce). Start a day late: where the clock
  // falls back across midnight, an instant before `now` can carry the next date.
  std::vector<std::int64_t> candidates;
  for (std::int64_t day = FloorDiv(local_now, kDaySecs) + 1; day >= stop_day; --day) {
    const date::year_month_day ymd{date::sys_days{date::days{day}}};
    const auto month = static_cast<unsigned>(ymd.month());
    if (!Has(f.month, month)) {
      day = DaysFromCivil(static_cast<int>(ymd.year()), month, 1);  // the loop's --day leaves the month
      continue;
    }
    if (!DayMatches(f, static_cast<unsigned>(ymd.day()), WeekdayOfDay(day))) continue;

    candidates.clear();
    for (std::uint64_t hours = f.hour & Span(0, 23); hours != 0; hours &= hours - 1) {
      const auto hour = static_cast<unsigned>(std::countr_zero(hours));
      const std::int64_t hour_start = day * kDaySecs + hour * kHourSecs;
      // One offset for the whole hour (the usual case) lets us skip a tz lookup per minute.
      const auto first = eval.FromLocal(hour_start);
      const auto last = eval.FromLocal(hour_start + kHourSecs - 1);
      const bool one_offset = first.count == 1 && last.count == 1 &&
                              first.earlier - hour_start == last.earlier - (hour_start + kHourSecs - 1) &&
                              eval.PeriodAt(first.earlier).end > last.earlier;
      for (std::uint64_t minutes = f.minute & Span(0, 59); minutes != 0; minutes &= minutes - 1) {
        const auto minute = static_cast<unsigned>(std::countr_zero(minutes));
        for (std::uint64_t seconds = f.second & Span(0, 59); seconds != 0; seconds &= seconds - 1) {
          const auto second = static_cast<unsigned>(std::countr_zero(seconds));
          const std::int64_t wall = hour_start + minute * kMinuteSecs + second;
          if (one_offset) {
            const std::int64_t instant = wall + (first.earlier - hour_start);
            if (instant <= now_s) candidates.push_back(instant);
            continue;
          }
          const auto instants = eval.FromLocal(wall);
          if (instants.count >= 1 && instants.earlier <= now_s) candidates.push_back(instants.earlier);
          if (instants.count == 2 && instants.later <= now_s) candidates.push_back(instants.later);
        }
      }
    }
    std::sort(candidates.begin(), candidates.end(), std::greater<>());
    for (const std::int64_t candidate : candidates) {
      const Seconds fire{std::chrono::seconds{candidate}};
      if (!FiresAt(fire, eval)) continue;
      // Defensive: should Next know a later fire at or before now, follow it.
      Seconds last_fire = fire;
      for (auto next = Next(last_fire, eval); next && *next <= now && *next > last_fire;
           next = Next(last_fire, eval)) {
        last_fire = *next;
      }
      return last_fire;
    }
  }
  return std::nullopt;
}

}  // namespace rmgr::cron

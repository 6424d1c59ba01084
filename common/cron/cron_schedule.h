#pragma once
// CronSchedule: a parsed cron expression and the arithmetic on it — the next
// fire time, the latest fire at or before a moment (for catch-up), and whether
// an instant is a fire time. Semantics are robfig/cron v3's (SpecSchedule.Next
// and ConstantDelaySchedule), including its daylight-saving behaviour: a
// wall time inside a spring-forward gap never fires, a repeated fall-back
// hour fires twice for hourly schedules, and Next looks at most five years
// ahead. Build one with ParseCron (cron_parser.h).
//
// Thread safety: a CronSchedule is immutable after construction; every member
// is const and may be called from any number of threads at once.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/cron/location.h"
#include "common/result.h"
#include "common/util/time_format.h"

namespace rmgr::cron {

//! Set in a field's bits when the field was written as `*` or `?` (also `*/1`),
//! as in robfig's starBit. When day-of-month or day-of-week carries it, both
//! day fields must match; otherwise either may.
inline constexpr std::uint64_t kStarBit = std::uint64_t{1} << 63;

//! The bit sets of a field schedule: bit n is set when value n fires.
struct CronFields {
  std::uint64_t second = 1;  ///< 0-59; standard expressions always fire at second 0.
  std::uint64_t minute = 0;  ///< 0-59.
  std::uint64_t hour = 0;    ///< 0-23.
  std::uint64_t dom = 0;     ///< Day of month, 1-31.
  std::uint64_t month = 0;   ///< 1-12.
  std::uint64_t dow = 0;     ///< Day of week, 0-6, Sunday is 0.

  //! Field-wise equality (star bits included).
  bool operator==(const CronFields& other) const = default;
};

//! A parsed schedule: either fields (minute hour dom month dow) with an
//! optional own time zone, or a fixed interval (`@every 90s`).
class CronSchedule {
 public:
  //! A field schedule; `zone` empty means "evaluate where the caller says".
  static CronSchedule FromFields(const CronFields& fields, std::optional<Location> zone = std::nullopt);

  //! An interval schedule like robfig's Every: below one second becomes one
  //! second, and the rest is truncated to whole seconds.
  static CronSchedule Every(std::chrono::nanoseconds delay);

  //! True when the expression named its own zone (TZ=/CRON_TZ= prefix).
  bool HasZone() const { return zone_.has_value(); }

  //! The expression's own zone, if it named one.
  const std::optional<Location>& zone() const { return zone_; }

  //! The location Next uses: the schedule's own zone, else `fallback`.
  const Location& EvaluationLocation(const Location& fallback) const { return zone_ ? *zone_ : fallback; }

  //! True for `@every` schedules.
  bool IsInterval() const { return interval_.has_value(); }

  //! The interval of an `@every` schedule (whole seconds, at least 1); 0 otherwise.
  std::chrono::seconds interval() const { return interval_.value_or(std::chrono::seconds{0}); }

  //! The field bit sets (all zero for an interval schedule).
  const CronFields& fields() const { return fields_; }

  //! The text this schedule was parsed from (empty when built from fields).
  const std::string& expression() const { return expression_; }

  //! The first fire time strictly after `from`, evaluated in the schedule's
  //! own zone or else in `loc`; nullopt ("never") when none lies within five
  //! years. Interval schedules return `from + interval`. A caller holding a
  //! sub-second time floors it first: robfig rounds the same way.
  std::optional<Seconds> Next(Seconds from, const Location& loc) const;

  //! The latest fire time at or before `now`: normally the instant f <= now with
  //! Next(f - 1s) == f and Next(f) > now (or never). Searches back five
  //! years; nullopt when there is none. Where robfig's Next steps from a fire
  //! onto an instant that is no such slot (a midnight lost to daylight
  //! saving ends its hour loop a day late), it follows Next as the scheduler
  //! does, so f may then fail FiresAt. For an interval schedule, which has
  //! no fixed slots, it is `now - interval`: a run is overdue exactly when
  //! the last one is older than that.
  std::optional<Seconds> LastFireAtOrBefore(Seconds now, const Location& loc) const;

  //! True when `t` is a fire time, i.e. Next(t - 1s) == t (robfig's own
  //! activation test). Interval schedules have no fixed slots: always false.
  bool FiresAt(Seconds t, const Location& loc) const;

  //! Same kind, fields, zone and interval (the source text is not compared).
  bool operator==(const CronSchedule& other) const {
    return fields_ == other.fields_ && zone_ == other.zone_ && interval_ == other.interval_;
  }

 private:
  friend Result<CronSchedule> ParseCron(std::string_view expression);

  CronSchedule() = default;
  void Init();  // derives never_ from the fields

  CronFields fields_;
  std::optional<Location> zone_;
  std::optional<std::chrono::seconds> interval_;
  std::string expression_;
  bool never_ = false;  // no instant can ever match (an empty field), so skip the five-year search
};

}  // namespace rmgr::cron

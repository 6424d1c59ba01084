#pragma once
// Location: where a cron schedule's wall-clock fields are evaluated — an IANA
// time zone with its daylight-saving rules, or a fixed UTC offset (what an
// RFC 3339 timestamp such as "…T10:00:00+05:30" carries).
// Thread safety: an immutable value, cheap to copy and safe to share; zones
// come from the process-wide tz database and stay valid until exit.
//
// Known limit: Debian's date library reads the system tzdata but not the
// POSIX rule at the end of each file, so after the last listed transition
// (2037 for most zones) a zone keeps its last offset; Go would continue the
// daylight-saving rule. Schedules firing after 2037 may differ by an hour.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/util/time_format.h"

namespace date {
class time_zone;
}

namespace rmgr::cron {

//! An IANA zone or a fixed offset from UTC. Default-constructed, it is UTC.
class Location {
 public:
  //! A stretch of time with one UTC offset: instants in [begin, end), in Unix seconds.
  struct Period {
    std::int64_t begin = 0;   ///< First instant of the stretch.
    std::int64_t end = 0;     ///< First instant after it.
    std::int64_t offset = 0;  ///< Seconds east of UTC during the stretch.
  };

  //! The instants whose wall clock reads a given local time: none (a DST gap),
  //! one, or two (a repeated fall-back hour), earliest first.
  struct Instants {
    int count = 0;             ///< 0, 1 or 2.
    std::int64_t earlier = 0;  ///< Valid when count >= 1 (Unix seconds).
    std::int64_t later = 0;    ///< Valid when count == 2 (Unix seconds).
  };

  //! UTC.
  Location() = default;

  //! UTC (a fixed offset of zero, named "UTC").
  static Location Utc() { return Location{}; }

  //! A fixed offset east of UTC, e.g. +05:30 for India.
  static Location Fixed(std::chrono::seconds offset);

  //! An IANA zone from the date library's database (e.g. date::locate_zone).
  static Location Zone(const date::time_zone& zone);

  //! Looks a zone up by IANA name like Go's time.LoadLocation: "" and "UTC"
  //! are UTC; otherwise the system tz database. Unknown → kInvalidArgument
  //! `unknown time zone "Mars/Base"`. ("Local" is not accepted here.)
  static Result<Location> Load(std::string_view name);

  //! True for an IANA zone, false for a fixed offset (including UTC).
  bool IsZone() const { return zone_ != nullptr; }

  //! The IANA zone, or nullptr for a fixed offset.
  const date::time_zone* zone() const { return zone_; }

  //! "America/New_York", "UTC", or a fixed offset as "+05:30".
  std::string Name() const;

  //! The UTC offset in effect at instant `t`.
  std::chrono::seconds OffsetAt(Seconds t) const;

  //! The stretch of constant offset that contains Unix second `t`.
  Period PeriodAt(std::int64_t t) const;

  //! The instants at which the wall clock reads `local` (seconds since
  //! 1970-01-01T00:00 local time).
  Instants FromLocal(std::int64_t local) const;

  //! `t` as RFC 3339 with this location's offset at that instant.
  std::string Format(Seconds t) const;

  //! Same zone, or same fixed offset.
  bool operator==(const Location& other) const = default;

 private:
  const date::time_zone* zone_ = nullptr;
  std::int64_t offset_ = 0;  // seconds east of UTC; used when zone_ is null
};

}  // namespace rmgr::cron

#pragma once
// RFC 3339 timestamps: the one text form of time on the wire, in the store
// and in CLI output. Thread safety: pure functions.

#include <chrono>
#include <string>
#include <string_view>

#include "common/result.h"

namespace date {
class time_zone;
}

namespace rmgr {

//! Wall-clock instant used across the project.
using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;
using Seconds = std::chrono::sys_seconds;

//! A parsed RFC 3339 timestamp: the instant and the UTC offset it was written with.
struct ParsedTime {
  TimePoint time;                   ///< The instant.
  std::chrono::minutes offset{0};   ///< Offset written in the text ("Z" is 0).
};

//! "2026-11-22T15:40:30Z", with ".123" milliseconds only when non-zero.
std::string FormatRfc3339Utc(TimePoint t);

//! The instant in a fixed offset: "2026-11-22T10:40:30-05:00" (seconds precision).
std::string FormatRfc3339(Seconds t, std::chrono::minutes offset);

//! The instant in a time zone, with the zone's offset at that instant.
std::string FormatRfc3339(Seconds t, const date::time_zone& zone);

//! Strict parse of "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)". Errors say what is wrong.
Result<ParsedTime> ParseRfc3339(std::string_view text);

}  // namespace rmgr

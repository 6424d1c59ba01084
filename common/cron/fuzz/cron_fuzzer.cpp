// libFuzzer harness for the cron engine. An input is a cron expression,
// optionally followed by a NUL byte and up to 9 bytes choosing the instant
// (8 bytes, little-endian, folded into the wire's 1900-2200 range) and the
// location a schedule without its own zone is evaluated in (1 byte). For any
// input:
//  - ParseCron never crashes, hangs or trips a sanitizer; a failure is one
//    documented error code with a one-line message;
//  - a schedule parses again from its own text to the same schedule;
//  - Next is strictly later and, away from offset changes, a fire time
//    (FiresAt); LastFireAtOrBefore keeps its contract (at or before now,
//    Next(f) > now, and away from offset changes Next(f - 1s) == f);
//    where the offset stays the same whole minutes, they agree exactly;
//  - `@every` schedules are plain arithmetic.
// Zones come from TZ=/CRON_TZ= prefixes (Location::Load) and a fixed list
// with daylight saving at odd times and half-hour offsets.
// Built with -fsanitize=fuzzer under clang (RMGR_FUZZ=ON); the GCC build
// replays the committed corpus (cmake/Fuzzing.cmake).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/cron/cron_parser.h"
#include "common/cron/cron_schedule.h"
#include "common/cron/location.h"

namespace {

using rmgr::Seconds;
using rmgr::cron::CronSchedule;
using rmgr::cron::Location;
using std::chrono::seconds;

[[noreturn]] void Die(const char* what, std::string_view expression, Seconds at, const Location& loc) {
  std::fprintf(stderr, "cron_fuzzer: %s\nexpression: %.*s\nat: %lld in %s\n", what,
               static_cast<int>(expression.size()), expression.data(),
               static_cast<long long>(at.time_since_epoch().count()), loc.Name().c_str());
  std::abort();
}

// Zones where robfig's DST arithmetic is hardest: a US zone, a European one,
// a 30-minute DST shift, midnight transitions, a 45-minute offset, and two
// fixed offsets. A name the system's tz database lacks falls back to UTC.
const std::vector<Location>& Locations() {
  static const std::vector<Location> locations = [] {
    std::vector<Location> out{Location::Utc()};
    for (const char* name : {"America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Sao_Paulo",
                             "America/Havana", "Pacific/Chatham", "Asia/Kathmandu"}) {
      auto loc = Location::Load(name);
      out.push_back(loc.ok() ? *loc : Location::Utc());
    }
    out.push_back(Location::Fixed(seconds{5 * 3600 + 30 * 60}));
    out.push_back(Location::Fixed(seconds{-(9 * 3600 + 30 * 60)}));
    return out;
  }();
  return locations;
}

// Whether the offset of `loc` changed within two days before `t`: there
// robfig's Next may step onto an instant that is no FiresAt slot (a midnight
// lost to DST ends its hour loop a day late), and so may LastFireAtOrBefore.
bool OffsetChangedJustBefore(const Location& loc, Seconds t) {
  const std::int64_t s = t.time_since_epoch().count();
  return loc.PeriodAt(s).begin > s - 2 * 86400;
}

bool IsDocumentedParseError(rmgr::ErrorCode code) {
  return code == rmgr::ErrorCode::kMalformed || code == rmgr::ErrorCode::kOutOfRange ||
         code == rmgr::ErrorCode::kInvalidArgument || code == rmgr::ErrorCode::kTooLarge;
}

// Whether `loc` has one offset of whole minutes around `t` (five years
// either side, the search range). Go truncates to the minute in absolute
// time, so under an offset like 1907 Havana's -5:29:36 robfig's Next skips
// slots; it does so here too, faithfully.
bool SteadyAround(const Location& loc, Seconds t) {
  const std::int64_t s = t.time_since_epoch().count();
  constexpr std::int64_t kSixYears = 6LL * 366 * 86400;
  const auto period = loc.PeriodAt(s);
  return period.offset % 60 == 0 && period.begin <= s - kSixYears && period.end > s + kSixYears;
}

void CheckInterval(const CronSchedule& schedule, std::string_view expression, Seconds now,
                   const Location& loc) {
  if (schedule.interval() < seconds{1}) Die("interval below one second", expression, now, loc);
  if (schedule.Next(now, loc) != now + schedule.interval()) {
    Die("interval Next is not now + interval", expression, now, loc);
  }
  if (schedule.LastFireAtOrBefore(now, loc) != now - schedule.interval()) {
    Die("interval LastFireAtOrBefore is not now - interval", expression, now, loc);
  }
  if (schedule.FiresAt(now, loc)) Die("interval schedule has a fixed slot", expression, now, loc);
}

void CheckFields(const CronSchedule& schedule, std::string_view expression, Seconds now,
                 const Location& fallback) {
  const Location& loc = schedule.EvaluationLocation(fallback);
  (void)loc.Name();
  // A few fire times in a row: each strictly later, each a fire time.
  Seconds from = now;
  std::optional<Seconds> first_next;
  for (int i = 0; i < 3; ++i) {
    const auto next = schedule.Next(from, fallback);
    if (!next) break;
    if (*next <= from) Die("Next is not after its start", expression, from, loc);
    if (!schedule.FiresAt(*next, fallback) && !OffsetChangedJustBefore(loc, *next)) {
      Die("Next is not a fire time", expression, from, loc);
    }
    (void)loc.Format(*next);
    if (!first_next) first_next = next;
    from = *next;
  }

  const auto last = schedule.LastFireAtOrBefore(now, fallback);
  if (last) {
    if (*last > now) Die("LastFireAtOrBefore is after now", expression, now, loc);
    if (schedule.Next(*last - seconds{1}, fallback) != *last && !OffsetChangedJustBefore(loc, *last)) {
      Die("LastFireAtOrBefore is not a fire time", expression, now, loc);
    }
    const auto after = schedule.Next(*last, fallback);
    if (after && *after <= now) Die("LastFireAtOrBefore skipped a later fire", expression, now, loc);
  }
  if (!SteadyAround(loc, now)) return;
  // Without offset changes Next is simply "the first matching second after".
  if (first_next && schedule.LastFireAtOrBefore(*first_next, fallback) != first_next) {
    Die("LastFireAtOrBefore(Next(now)) != Next(now)", expression, now, loc);
  }
  // (Next looks five years ahead of where it starts: from `last` it may see nothing.)
  const auto after_last = last ? schedule.Next(*last, fallback) : std::nullopt;
  if (first_next && after_last && after_last != first_next) {
    Die("Next(LastFireAtOrBefore(now)) != Next(now)", expression, now, loc);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view expression = input.substr(0, nul);
  const std::string_view tail = nul == std::string_view::npos ? std::string_view{} : input.substr(nul + 1);

  // 2024-03-10T06:30:00Z, an hour before New York springs forward, unless the tail says otherwise.
  std::uint64_t raw = 1710052200 + 2208988800ULL;
  std::size_t zone = 1;
  if (!tail.empty()) {
    raw = 0;
    for (std::size_t i = 0; i < 8 && i < tail.size(); ++i) {
      raw |= std::uint64_t{static_cast<unsigned char>(tail[i])} << (8 * i);
    }
    zone = tail.size() > 8 ? static_cast<unsigned char>(tail[8]) : 0;
  }
  constexpr std::uint64_t kWireSpan = 7258118400ULL + 2208988800ULL;  // 1900-01-01 to 2200-01-01
  const Seconds now{seconds{static_cast<std::int64_t>(raw % kWireSpan) - 2208988800LL}};
  const Location& fallback = Locations()[zone % Locations().size()];

  auto parsed = rmgr::cron::ParseCron(expression);
  if (!parsed.ok()) {
    const auto& error = parsed.error();
    if (!IsDocumentedParseError(error.code)) Die("undocumented error code", expression, now, fallback);
    if (error.message.empty() || error.message.find('\n') != std::string::npos) {
      Die(("error message is not one line: " + error.message).c_str(), expression, now, fallback);
    }
    return 0;
  }
  const CronSchedule& schedule = *parsed;
  auto again = rmgr::cron::ParseCron(schedule.expression());
  if (!again.ok() || !(*again == schedule)) {
    Die("schedule does not parse again from its text", expression, now, fallback);
  }

  if (schedule.IsInterval()) {
    CheckInterval(schedule, expression, now, fallback);
  } else {
    CheckFields(schedule, expression, now, fallback);
  }
  return 0;
}

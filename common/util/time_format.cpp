#include "common/util/time_format.h"

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include <cctype>

namespace rmgr {
namespace {

std::string FormatLocal(std::chrono::sys_seconds t, std::chrono::minutes offset) {
  const auto local = t + offset;
  const auto day = date::floor<date::days>(local);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss hms{local - day};
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                                hms.hours().count(), hms.minutes().count(), hms.seconds().count());
  if (offset.count() == 0) {
    out += 'Z';
    return out;
  }
  const auto abs = offset.count() < 0 ? -offset.count() : offset.count();
  out += fmt::format("{}{:02}:{:02}", offset.count() < 0 ? '-' : '+', abs / 60, abs % 60);
  return out;
}

// Reads exactly `n` digits at `pos`; false when any is not a digit.
bool Digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

std::string FormatRfc3339Utc(TimePoint t) {
  const auto secs = date::floor<std::chrono::seconds>(t);
  std::string out = FormatLocal(secs, std::chrono::minutes{0});
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - secs).count();
  if (ms != 0) {
    out.insert(out.size() - 1, fmt::format(".{:03}", ms));
  }
  return out;
}

std::string FormatRfc3339(Seconds t, std::chrono::minutes offset) { return FormatLocal(t, offset); }

std::string FormatRfc3339(Seconds t, const date::time_zone& zone) {
  const auto info = zone.get_info(t);
  return FormatLocal(t, std::chrono::duration_cast<std::chrono::minutes>(info.offset));
}

Result<ParsedTime> ParseRfc3339(std::string_view s) {
  auto bad = [&](std::string why) {
    return MakeError(ErrorCode::kMalformed,
                     fmt::format("invalid RFC 3339 time \"{}\": {}", s.substr(0, 64), why));
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (s.size() < 20 || !Digits(s, 0, 4, y) || s[4] != '-' || !Digits(s, 5, 2, mo) || s[7] != '-' ||
      !Digits(s, 8, 2, d)) {
    return bad("expected YYYY-MM-DDTHH:MM:SS followed by Z or an offset");
  }
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return bad("expected 'T' between date and time");
  if (!Digits(s, 11, 2, h) || s[13] != ':' || !Digits(s, 14, 2, mi) || s[16] != ':' ||
      !Digits(s, 17, 2, sec)) {
    return bad("expected HH:MM:SS");
  }
  // TimePoint counts nanoseconds in 64 bits: it spans 1678-2262. Keep well inside.
  if (y < 1900 || y > 2199) return bad("year outside the supported range 1900-2199");
  const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                                 date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return bad("no such date");
  if (h > 23 || mi > 59 || sec > 60) return bad("time of day out of range");
  size_t pos = 19;
  std::chrono::nanoseconds frac{0};
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    int64_t scale = 100'000'000;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      frac += std::chrono::nanoseconds{(s[pos] - '0') * scale};
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad("expected digits after '.'");
  }
  if (pos >= s.size()) return bad("missing Z or UTC offset");
  std::chrono::minutes offset{0};
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh = 0, om = 0;
    if (!Digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !Digits(s, pos + 4, 2, om)) {
      return bad("expected offset as +HH:MM or -HH:MM");
    }
    if (oh > 23 || om > 59) return bad("offset out of range");
    offset = std::chrono::minutes{oh * 60 + om};
    if (s[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    return bad("missing Z or UTC offset");
  }
  if (pos != s.size()) return bad("trailing characters");
  // A leap second (":60") is folded onto the next second, as Go does.
  const auto local = date::sys_days{ymd} + std::chrono::hours{h} + std::chrono::minutes{mi} +
                     std::chrono::seconds{sec};
  ParsedTime out;
  out.time = TimePoint{std::chrono::duration_cast<Clock::duration>((local - offset).time_since_epoch() + frac)};
  out.offset = offset;
  return out;
}

}  // namespace rmgr

#include "common/cron/go_duration.h"

#include <fmt/format.h>

#include <cstdint>

#include "common/cron/cron_text.h"

namespace rmgr::cron {
namespace {

constexpr std::uint64_t kTwo63 = std::uint64_t{1} << 63;

// Nanoseconds per unit; 0 for an unknown unit.
std::uint64_t UnitNanos(std::string_view unit) {
  if (unit == "ns") return 1;
  // "µs" is U+00B5 MICRO SIGN, "μs" U+03BC GREEK SMALL LETTER MU; Go takes both.
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1'000;
  if (unit == "ms") return 1'000'000;
  if (unit == "s") return 1'000'000'000;
  if (unit == "m") return 60'000'000'000;
  if (unit == "h") return 3'600'000'000'000;
  return 0;
}

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// Go's leadingInt: consumes [0-9]*; false on overflow past 2^63.
bool LeadingInt(std::string_view& s, std::uint64_t& x) {
  x = 0;
  size_t i = 0;
  for (; i < s.size() && IsDigit(s[i]); ++i) {
    if (x > kTwo63 / 10) return false;
    x = x * 10 + static_cast<std::uint64_t>(s[i] - '0');
    if (x > kTwo63) return false;
  }
  s.remove_prefix(i);
  return true;
}

// Go's leadingFraction: consumes [0-9]*, silently dropping precision on overflow.
void LeadingFraction(std::string_view& s, std::uint64_t& x, double& scale) {
  x = 0;
  scale = 1;
  bool overflow = false;
  size_t i = 0;
  for (; i < s.size() && IsDigit(s[i]); ++i) {
    if (overflow) continue;
    if (x > (kTwo63 - 1) / 10) {
      overflow = true;
      continue;
    }
    const std::uint64_t y = x * 10 + static_cast<std::uint64_t>(s[i] - '0');
    if (y > kTwo63) {
      overflow = true;
      continue;
    }
    x = y;
    scale *= 10;
  }
  s.remove_prefix(i);
}

}  // namespace

Result<std::chrono::nanoseconds> ParseGoDuration(std::string_view text) {
  auto invalid = [&] {
    return MakeError(ErrorCode::kMalformed, fmt::format("invalid duration {}", Quote(text)));
  };
  std::string_view s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds{0};
  if (s.empty()) return invalid();
  std::uint64_t d = 0;
  while (!s.empty()) {
    if (s[0] != '.' && !IsDigit(s[0])) return invalid();
    const size_t before_int = s.size();
    std::uint64_t v = 0;
    if (!LeadingInt(s, v)) return invalid();
    const bool pre = before_int != s.size();
    std::uint64_t f = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      const size_t before_frac = s.size();
      LeadingFraction(s, f, scale);
      post = before_frac != s.size();
    }
    if (!pre && !post) return invalid();
    size_t i = 0;
    while (i < s.size() && s[i] != '.' && !IsDigit(s[i])) ++i;
    if (i == 0) {
      return MakeError(ErrorCode::kMalformed, fmt::format("missing unit in duration {}", Quote(text)));
    }
    const std::string_view unit_text = s.substr(0, i);
    s.remove_prefix(i);
    const std::uint64_t unit = UnitNanos(unit_text);
    if (unit == 0) {
      return MakeError(ErrorCode::kMalformed,
                       fmt::format("unknown unit {} in duration {}", Quote(unit_text), Quote(text)));
    }
    if (v > kTwo63 / unit) return invalid();
    v *= unit;
    if (f > 0) {
      // Go computes the fraction in float64, which is exact to the nanosecond for hours.
      v += static_cast<std::uint64_t>(static_cast<double>(f) * (static_cast<double>(unit) / scale));
      if (v > kTwo63) return invalid();
    }
    d += v;  // Wraps modulo 2^64 exactly as Go's uint64 does.
    if (d > kTwo63) return invalid();
  }
  if (neg) return std::chrono::nanoseconds{static_cast<std::int64_t>(~d + 1)};
  if (d > kTwo63 - 1) return invalid();
  return std::chrono::nanoseconds{static_cast<std::int64_t>(d)};
}

}  // namespace rmgr::cron

#include "common/cron/cron_parser.h"

#include <fmt/format.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "common/cron/cron_text.h"
#include "common/cron/go_duration.h"
#include "common/cron/location.h"

namespace rmgr::cron {
namespace {

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDayNames = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

// Go's strings.Split: every piece, empty ones included.
std::vector<std::string_view> SplitAll(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    const size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

// Go's strings.ToLower, as far as it can produce a name: ASCII, plus the two
// runes whose lower case is ASCII (U+0130 → 'i', U+212A KELVIN SIGN → 'k').
// nullopt when some other non-ASCII rune makes a match impossible.
std::optional<std::string> LowerForNames(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      ++i;
    } else if (s.substr(i, 2) == "\xC4\xB0") {
      out += 'i';
      i += 2;
    } else if (s.substr(i, 3) == "\xE2\x84\xAA") {
      out += 'k';
      i += 3;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

std::optional<unsigned> LookUpName(std::string_view text, FieldNames names) {
  if (names == FieldNames::kNone) return std::nullopt;
  const auto lower = LowerForNames(text);
  if (!lower) return std::nullopt;
  if (names == FieldNames::kMonths) {
    for (size_t i = 0; i < kMonthNames.size(); ++i) {
      if (*lower == kMonthNames[i]) return static_cast<unsigned>(i + 1);
    }
    return std::nullopt;
  }
  for (size_t i = 0; i < kDayNames.size(); ++i) {
    if (*lower == kDayNames[i]) return static_cast<unsigned>(i);
  }
  return std::nullopt;
}

enum class AtoiStatus { kOk, kSyntax, kRange };

// Go's strconv.Atoi on a 64-bit platform: [+-]?[0-9]+ within int64.
AtoiStatus GoAtoi(std::string_view s, std::int64_t& out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return AtoiStatus::kSyntax;
  std::uint64_t v = 0;
  bool overflow = false;
  for (const char ch : s) {
    if (ch < '0' || ch > '9') return AtoiStatus::kSyntax;
    if (overflow) continue;
    const auto digit = static_cast<std::uint64_t>(ch - '0');
    if (v > (std::uint64_t{1} << 63) / 10 || v * 10 > (std::uint64_t{1} << 63) - digit) {
      overflow = true;
      continue;
    }
    v = v * 10 + digit;
  }
  if (overflow) return AtoiStatus::kRange;
  const std::uint64_t limit = neg ? (std::uint64_t{1} << 63) : (std::uint64_t{1} << 63) - 1;
  if (v > limit) return AtoiStatus::kRange;
  out = neg ? static_cast<std::int64_t>(~v + 1) : static_cast<std::int64_t>(v);
  return AtoiStatus::kOk;
}

Error FieldError(ErrorCode code, const FieldBounds& b, const std::string& problem) {
  return MakeError(code, fmt::format("{}: {}", b.label, problem), std::string(b.key));
}

Error OutOfRange(const FieldBounds& b, std::string_view value) {
  return FieldError(ErrorCode::kOutOfRange, b,
                    fmt::format("value {} out of range {}-{}", value, b.min, b.max));
}

// A start or end value: a name or robfig's mustParseInt. Values are never
// negative here: a '-' would have split the range.
Result<std::uint64_t> ParseValue(std::string_view text, std::string_view expr, const FieldBounds& b) {
  if (const auto named = LookUpName(text, b.names)) return std::uint64_t{*named};
  std::int64_t v = 0;
  switch (GoAtoi(text, v)) {
    case AtoiStatus::kOk:
      break;
    case AtoiStatus::kRange:
      return OutOfRange(b, text);
    case AtoiStatus::kSyntax: {
      if (text.empty())
        return FieldError(ErrorCode::kMalformed, b, fmt::format("missing number in {}", Quote(expr)));
      const char* what = b.names == FieldNames::kMonths ? " or a month name"
                         : b.names == FieldNames::kDays ? " or a day name"
                                                        : "";
      return FieldError(ErrorCode::kMalformed, b, fmt::format("{} is not a number{}", Quote(text), what));
    }
  }
  if (v < 0) return OutOfRange(b, text);  // "+-1" cannot reach here, but stay total
  return static_cast<std::uint64_t>(v);
}

// The step after '/': robfig's mustParseInt, then step > 0.
Result<std::uint64_t> ParseStep(std::string_view text, std::string_view expr, const FieldBounds& b) {
  std::int64_t v = 0;
  switch (GoAtoi(text, v)) {
    case AtoiStatus::kOk:
      break;
    case AtoiStatus::kRange:
      if (!text.empty() && text[0] == '-') {
        return FieldError(ErrorCode::kOutOfRange, b,
                          fmt::format("step in {} must be a positive number", Quote(expr)));
      }
      return FieldError(ErrorCode::kOutOfRange, b, fmt::format("step in {} is too large", Quote(expr)));
    case AtoiStatus::kSyntax:
      if (text.empty())
        return FieldError(ErrorCode::kMalformed, b, fmt::format("missing step in {}", Quote(expr)));
      return FieldError(ErrorCode::kMalformed, b, fmt::format("step {} is not a number", Quote(text)));
  }
  if (v < 0) {
    return FieldError(ErrorCode::kOutOfRange, b,
                      fmt::format("step in {} must be a positive number", Quote(expr)));
  }
  return static_cast<std::uint64_t>(v);
}

CronFields Descriptor(std::uint64_t minute, std::uint64_t hour, std::uint64_t dom, std::uint64_t month,
                      std::uint64_t dow) {
  return CronFields{1, minute, hour, dom, month, dow};
}

}  // namespace

std::uint64_t FieldBits(unsigned min, unsigned max, unsigned step) {
  std::uint64_t bits = 0;
  for (std::uint64_t i = min; i <= max && i < 64; i += step) bits |= std::uint64_t{1} << i;
  return bits;
}

std::uint64_t AllBits(const FieldBounds& bounds) {
  return FieldBits(bounds.min, bounds.max, 1) | kStarBit;
}

Result<std::uint64_t> ParseRange(std::string_view expr, const FieldBounds& b) {
  const auto range_and_step = SplitAll(expr, '/');
  const auto low_and_high = SplitAll(range_and_step[0], '-');
  const bool single = low_and_high.size() == 1;

  std::uint64_t start = 0;
  std::uint64_t end = 0;
  std::uint64_t step = 1;
  std::uint64_t extra = 0;
  if (low_and_high[0] == "*" || low_and_high[0] == "?") {
    // As in robfig, anything after "*-" is ignored: "*-5" is "*".
    start = b.min;
    end = b.max;
    extra = kStarBit;
  } else {
    auto low = ParseValue(low_and_high[0], expr, b);
    if (!low) return low.error();
    start = *low;
    if (low_and_high.size() == 1) {
      end = start;
    } else if (low_and_high.size() == 2) {
      auto high = ParseValue(low_and_high[1], expr, b);
      if (!high) return high.error();
      end = *high;
    } else {
      return FieldError(ErrorCode::kMalformed, b, fmt::format("too many hyphens in {}", Quote(expr)));
    }
  }

  if (range_and_step.size() == 2) {
    auto parsed = ParseStep(range_and_step[1], expr, b);
    if (!parsed) return parsed.error();
    step = *parsed;
    if (single) end = b.max;  // "N/step" means "N-max/step"
    if (step > 1) extra = 0;  // "*/2" restricts the field; "*/1" still counts as a star
  } else if (range_and_step.size() > 2) {
    return FieldError(ErrorCode::kMalformed, b, fmt::format("too many slashes in {}", Quote(expr)));
  }

  if (start < b.min || start > b.max) return OutOfRange(b, std::to_string(start));
  if (end > b.max) return OutOfRange(b, std::to_string(end));
  if (start > end) {
    return FieldError(ErrorCode::kOutOfRange, b, fmt::format("range {} starts after it ends", Quote(expr)));
  }
  if (step == 0) {
    return FieldError(ErrorCode::kOutOfRange, b,
                      fmt::format("step in {} must be a positive number", Quote(expr)));
  }
  return FieldBits(static_cast<unsigned>(start), static_cast<unsigned>(end),
                   step > 64 ? 64U : static_cast<unsigned>(step)) |
         extra;
}

Result<std::uint64_t> ParseField(std::string_view field, const FieldBounds& b) {
  std::uint64_t bits = 0;
  for (const std::string_view expr : SplitAll(field, ',')) {
    if (expr.empty()) continue;  // Go's FieldsFunc drops empty list elements
    auto range = ParseRange(expr, b);
    if (!range) return range.error();
    bits |= *range;
  }
  return bits;
}

Result<CronSchedule> ParseCron(std::string_view expression) {
  if (expression.size() > kMaxCronExpressionBytes) {
    return MakeError(ErrorCode::kTooLarge, fmt::format("cron expression is too long ({} bytes, limit {})",
                                                       expression.size(), kMaxCronExpressionBytes));
  }
  if (expression.empty()) return MakeError(ErrorCode::kMalformed, "empty cron expression");

  std::string_view spec = expression;
  std::optional<Location> zone;
  if (spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=")) {
    const size_t space = spec.find(' ');
    if (space == std::string_view::npos) {
      return MakeError(
          ErrorCode::kMalformed,
          fmt::format("time zone prefix {} must be followed by a space and a schedule", Quote(spec)),
          "time_zone");
    }
    const size_t eq = spec.find('=');
    const std::string_view name = spec.substr(eq + 1, space - eq - 1);
    // Go's LoadLocation("Local") is time.Local, which robfig treats as "no zone of its own".
    if (name != "Local") {
      auto loaded = Location::Load(name);
      if (!loaded) return loaded.error();
      zone = *loaded;
    }
    spec = TrimGoSpace(spec.substr(space));
  }

  if (spec.starts_with('@')) {
    CronFields f;
    const std::uint64_t first = 1;  // bit 0 (minute, hour) and, shifted, bit 1 (dom, month)
    if (spec == "@yearly" || spec == "@annually") {
      f = Descriptor(first, first, first << 1, first << 1, AllBits(kDowBounds));
    } else if (spec == "@monthly") {
      f = Descriptor(first, first, first << 1, AllBits(kMonthBounds), AllBits(kDowBounds));
    } else if (spec == "@weekly") {
      f = Descriptor(first, first, AllBits(kDomBounds), AllBits(kMonthBounds), first);
    } else if (spec == "@daily" || spec == "@midnight") {
      f = Descriptor(first, first, AllBits(kDomBounds), AllBits(kMonthBounds), AllBits(kDowBounds));
    } else if (spec == "@hourly") {
      f = Descriptor(first, AllBits(kHourBounds), AllBits(kDomBounds), AllBits(kMonthBounds),
                     AllBits(kDowBounds));
    } else if (spec.starts_with("@every ")) {
      auto delay = ParseGoDuration(spec.substr(7));
      if (!delay) return MakeError(delay.error().code, "@every: " + delay.error().message, "every");
      // Like robfig, an interval ignores the TZ= prefix.
      CronSchedule every = CronSchedule::Every(*delay);
      every.expression_ = std::string(expression);
      return every;
    } else {
      return MakeError(ErrorCode::kMalformed, fmt::format("unrecognized descriptor {}", Quote(spec)));
    }
    CronSchedule s = CronSchedule::FromFields(f, zone);
    s.expression_ = std::string(expression);
    return s;
  }

  const auto fields = SplitGoFields(spec);
  if (fields.size() != 5) {
    return MakeError(ErrorCode::kMalformed,
                     fmt::format("expected exactly 5 fields, found {}", fields.size()));
  }
  CronFields f;
  f.second = 1;
  const std::array<std::pair<std::uint64_t*, const FieldBounds*>, 5> targets = {{
      {&f.minute, &kMinuteBounds},
      {&f.hour, &kHourBounds},
      {&f.dom, &kDomBounds},
      {&f.month, &kMonthBounds},
      {&f.dow, &kDowBounds},
  }};
  for (size_t i = 0; i < targets.size(); ++i) {
    auto bits = ParseField(fields[i], *targets[i].second);
    if (!bits) return bits.error();
    *targets[i].first = *bits;
  }
  CronSchedule s = CronSchedule::FromFields(f, zone);
  s.expression_ = std::string(expression);
  return s;
}

}  // namespace rmgr::cron

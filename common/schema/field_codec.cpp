#include "common/schema/field_codec.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace rmgr::schema {
namespace {

// Paths and echoed values are cut and made printable: they end up in logs.
constexpr std::size_t kMaxEchoBytes = 64;

}  // namespace

std::string Printable(std::string_view text) {
  std::string out;
  const std::size_t n = std::min(text.size(), kMaxEchoBytes);
  out.reserve(n + 3);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    out += std::isprint(c) != 0 ? static_cast<char>(c) : '?';
  }
  if (text.size() > n) out += "...";
  return out;
}

namespace {

std::string_view KindName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "an unknown JSON value";
}

void FailWrongType(const json::value& v, std::string_view expected, const Path& path, Failure& failure) {
  Fail(failure, ErrorCode::kWrongType, path, fmt::format("expected {}, got {}", expected, KindName(v)));
}

// Only years whose instants fit system_clock's int64 nanoseconds reach
// ParseRfc3339 (it converts without an overflow check).
constexpr int kMinParsedYear = 1700;
constexpr int kMaxParsedYear = 2250;
constexpr std::size_t kMaxTimeBytes = 64;

bool YearParseable(std::string_view text) {
  if (text.size() < 4) return true;  // ParseRfc3339 rejects it
  int year = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    if (std::isdigit(static_cast<unsigned char>(text[i])) == 0) return true;  // likewise
    year = year * 10 + (text[i] - '0');
  }
  return year >= kMinParsedYear && year <= kMaxParsedYear;
}

}  // namespace

std::string Path::Render() const {
  std::vector<const Path*> chain;
  for (const Path* p = this; p != nullptr && p->parent != nullptr; p = p->parent) chain.push_back(p);
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const Path& node = **it;
    if (node.key.empty()) {
      out += fmt::format("[{}]", node.index);
      continue;
    }
    if (!out.empty()) out += '.';
    out += Printable(node.key);
  }
  return out;
}

void Fail(Failure& failure, ErrorCode code, const Path& path, std::string message) {
  if (failure) return;
  failure = MakeError(code, std::move(message), path.Render());
}

const json::object* AsObject(const json::value& v, const Path& path, Failure& failure) {
  const json::object* obj = v.if_object();
  if (obj == nullptr) FailWrongType(v, "an object", path, failure);
  return obj;
}

const json::array* AsList(const json::value& v, std::size_t max_items, const Path& path, Failure& failure) {
  const json::array* items = v.if_array();
  if (items == nullptr) {
    FailWrongType(v, "an array", path, failure);
    return nullptr;
  }
  if (items->size() > max_items) {
    Fail(failure, ErrorCode::kOutOfRange, path, fmt::format("more than {} items", max_items));
    return nullptr;
  }
  return items;
}

const json::object* AsMap(const json::value& v, std::size_t max_items, const Path& path, Failure& failure) {
  const json::object* entries = AsObject(v, path, failure);
  if (entries != nullptr && entries->size() > max_items) {
    Fail(failure, ErrorCode::kOutOfRange, path, fmt::format("more than {} entries", max_items));
    return nullptr;
  }
  return entries;
}

// Never echoes the text: it may be a secret.
bool CheckText(std::string_view text, const Text& rule, const Path& path, Failure& failure) {
  if (text.size() < rule.min) {
    Fail(failure, ErrorCode::kOutOfRange, path,
         rule.min == 1 ? std::string("must not be empty") : fmt::format("shorter than {} bytes", rule.min));
    return false;
  }
  if (text.size() > rule.max) {
    Fail(failure, ErrorCode::kOutOfRange, path, fmt::format("longer than {} bytes", rule.max));
    return false;
  }
  if (rule.shape != nullptr && !text.empty() && !rule.shape(text)) {
    Fail(failure, ErrorCode::kOutOfRange, path, fmt::format("not {}", rule.shape_name));
    return false;
  }
  return true;
}

bool ReadText(const json::value& v, const Text& rule, const Path& path, Failure& failure, std::string& out) {
  const json::string* text = v.if_string();
  if (text == nullptr) {
    FailWrongType(v, "a string", path, failure);
    return false;
  }
  const std::string_view view(text->data(), text->size());
  if (!CheckText(view, rule, path, failure)) return false;
  out.assign(view);
  return true;
}

bool ReadBool(const json::value& v, const Path& path, Failure& failure, bool& out) {
  const bool* b = v.if_bool();
  if (b == nullptr) {
    FailWrongType(v, "a boolean", path, failure);
    return false;
  }
  out = *b;
  return true;
}

bool ReadInt(const json::value& v, const Int& rule, const Path& path, Failure& failure, std::int64_t& out) {
  const auto out_of_range = [&] {
    Fail(failure, ErrorCode::kOutOfRange, path, fmt::format("must be between {} and {}", rule.min, rule.max));
    return false;
  };
  if (v.is_uint64()) return out_of_range();  // the parser only makes uint64 above INT64_MAX
  const std::int64_t* n = v.if_int64();
  if (n == nullptr) {
    FailWrongType(v, "an integer", path, failure);
    return false;
  }
  if (*n < rule.min || *n > rule.max) return out_of_range();
  out = *n;
  return true;
}

bool ReadReal(const json::value& v, const Real& rule, const Path& path, Failure& failure, double& out) {
  double d = 0;
  if (const double* real = v.if_double()) {
    d = *real;
  } else if (const std::int64_t* n = v.if_int64()) {
    d = static_cast<double>(*n);
  } else if (const std::uint64_t* u = v.if_uint64()) {
    d = static_cast<double>(*u);
  } else {
    FailWrongType(v, "a number", path, failure);
    return false;
  }
  if (!(d >= rule.min && d <= rule.max)) {  // also rejects NaN and the parser's "1e999" = inf
    Fail(failure, ErrorCode::kOutOfRange, path, fmt::format("must be between {} and {}", rule.min, rule.max));
    return false;
  }
  out = std::round(d * rule.scale) / rule.scale;
  return true;
}

bool ReadTime(const json::value& v, const Path& path, Failure& failure, TimePoint& out) {
  const json::string* text = v.if_string();
  if (text == nullptr) {
    FailWrongType(v, "an RFC 3339 time string", path, failure);
    return false;
  }
  const std::string_view view(text->data(), text->size());
  if (view.size() > kMaxTimeBytes || !YearParseable(view)) {
    Fail(failure, ErrorCode::kOutOfRange, path, "time outside the wire range 1900..2199");
    return false;
  }
  auto parsed = ParseRfc3339(view);
  if (!parsed.ok()) {
    Fail(failure, ErrorCode::kOutOfRange, path, parsed.error().message);
    return false;
  }
  // Milliseconds are the wire precision: what Encode writes is what Decode reads.
  const TimePoint t = std::chrono::floor<std::chrono::milliseconds>(parsed->time);
  if (t < kMinTime || t >= kMaxTime) {
    Fail(failure, ErrorCode::kOutOfRange, path, "time outside the wire range 1900..2199");
    return false;
  }
  out = t;
  return true;
}

bool ReadEnumName(const json::value& v, const Path& path, Failure& failure, std::string_view& out) {
  const json::string* text = v.if_string();
  if (text == nullptr) {
    FailWrongType(v, "a string", path, failure);
    return false;
  }
  out = std::string_view(text->data(), text->size());
  return true;
}

void FailEnum(std::string_view text, const Path& path, Failure& failure) {
  Fail(failure, ErrorCode::kOutOfRange, path, fmt::format("unknown value \"{}\"", Printable(text)));
}

void FailUnknownField(const json::object& obj, std::span<const std::string_view> known, const Path& path,
                      Failure& failure) {
  for (const auto& entry : obj) {
    const std::string_view key(entry.key().data(), entry.key().size());
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    Fail(failure, ErrorCode::kUnknownField, Path{&path, key}, "unknown field");
    return;
  }
}

json::value WriteText(std::string_view text, std::size_t max_bytes, const json::storage_ptr& sp) {
  // Fast path: plain ASCII that fits needs no rewriting.
  const bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return (c & 0x80) == 0; });
  if (ascii && text.size() <= max_bytes) return json::value(json::string(text, sp));
  return json::value(json::string(SanitizeUtf8(text, max_bytes), sp));
}

json::value WriteTime(TimePoint t, const json::storage_ptr& sp) {
  // Clamped into the wire range: the peer would reject the whole message
  // otherwise, and FormatRfc3339Utc overflows near TimePoint::min().
  const TimePoint last = TimePoint{kMaxTime} - std::chrono::milliseconds{1};
  return json::value(json::string(FormatRfc3339Utc(std::clamp(t, TimePoint{kMinTime}, last)), sp));
}

json::value WriteReal(double d, const json::storage_ptr& sp) {
  // Boost.JSON would write inf/NaN as text no JSON parser accepts.
  return json::value(std::isfinite(d) ? d : 0.0, sp);
}

}  // namespace rmgr::schema

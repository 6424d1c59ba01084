#include "common/schema/text_shapes.h"

#include <algorithm>

namespace rmgr::schema {
namespace {

bool Digit(char c) {
  return c >= '0' && c <= '9';
}
bool Letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Skips a run of digits from `pos`; true when there was at least one.
bool SkipDigits(std::string_view text, std::size_t& pos) {
  const std::size_t start = pos;
  while (pos < text.size() && Digit(text[pos])) ++pos;
  return pos > start;
}

}  // namespace

bool IsLowerHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return Digit(c) || (c >= 'a' && c <= 'f'); });
}

bool IsTag(std::string_view text) {
  return std::none_of(text.begin(), text.end(),
                      [](char c) { return c == ',' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool IsEnvName(std::string_view text) {
  if (Digit(text.front())) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return Letter(c) || Digit(c) || c == '_'; });
}

bool IsZoneName(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return Letter(c) || Digit(c) || c == '_' || c == '+' || c == '-' || c == '/';
  });
}

bool IsResticDuration(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (!SkipDigits(text, pos) || pos == text.size()) return false;
    const char unit = text[pos++];
    if (unit != 'y' && unit != 'm' && unit != 'd' && unit != 'h') return false;
  }
  return true;
}

bool IsDataSubset(std::string_view text) {
  std::size_t pos = 0;
  if (!SkipDigits(text, pos)) return false;
  if (pos == text.size()) return true;  // a size in bytes
  const std::string_view rest = text.substr(pos);
  if (rest.front() == '/') {  // n/t
    ++pos;
    return SkipDigits(text, pos) && pos == text.size();
  }
  if (rest.front() == '.') {  // p.q%
    ++pos;
    return SkipDigits(text, pos) && text.substr(pos) == "%";
  }
  if (rest == "%") return true;
  // A size with a unit, as restic's ParseBytes accepts.
  return text.size() - pos == 1 && std::string_view("kKmMgGtT").find(text[pos]) != std::string_view::npos;
}

bool IsAbsolutePath(std::string_view text) {
  return text.front() == '/';
}


bool IsSingleLine(std::string_view text) {
  return std::none_of(text.begin(), text.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace rmgr::schema

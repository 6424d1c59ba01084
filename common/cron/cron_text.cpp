#include "common/cron/cron_text.h"

#include <fmt/format.h>

namespace rmgr::cron {
namespace {

constexpr size_t kQuoteLimit = 64;

bool StartsWithAt(std::string_view s, size_t pos, std::string_view what) {
  return s.size() - pos >= what.size() && s.compare(pos, what.size(), what) == 0;
}

}  // namespace

size_t GoSpaceLength(std::string_view s, size_t pos) {
  if (pos >= s.size()) return 0;
  const auto c = static_cast<unsigned char>(s[pos]);
  if (c == ' ' || (c >= '\t' && c <= '\r')) return 1;
  if (c < 0x80) return 0;
  // unicode.IsSpace beyond ASCII: U+0085, U+00A0, U+1680, U+2000-U+200A,
  // U+2028, U+2029, U+202F, U+205F, U+3000 (as UTF-8).
  if (StartsWithAt(s, pos, "\xC2\x85") || StartsWithAt(s, pos, "\xC2\xA0")) return 2;
  if (StartsWithAt(s, pos, "\xE1\x9A\x80") || StartsWithAt(s, pos, "\xE3\x80\x80")) return 3;
  if (StartsWithAt(s, pos, "\xE2\x81\x9F")) return 3;
  if (StartsWithAt(s, pos, "\xE2\x80") && s.size() - pos >= 3) {
    const auto third = static_cast<unsigned char>(s[pos + 2]);
    if ((third >= 0x80 && third <= 0x8A) || third == 0xA8 || third == 0xA9 || third == 0xAF) return 3;
  }
  return 0;
}

std::vector<std::string_view> SplitGoFields(std::string_view s) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  size_t start = std::string_view::npos;
  while (pos < s.size()) {
    const size_t space = GoSpaceLength(s, pos);
    if (space == 0) {
      if (start == std::string_view::npos) start = pos;
      ++pos;
      continue;
    }
    if (start != std::string_view::npos) {
      out.push_back(s.substr(start, pos - start));
      start = std::string_view::npos;
    }
    pos += space;
  }
  if (start != std::string_view::npos) out.push_back(s.substr(start));
  return out;
}

std::string_view TrimGoSpace(std::string_view s) {
  size_t begin = 0;
  while (begin < s.size()) {
    const size_t space = GoSpaceLength(s, begin);
    if (space == 0) break;
    begin += space;
  }
  // Trailing: find the end of the last non-space rune by scanning forward.
  size_t end = begin;
  size_t pos = begin;
  while (pos < s.size()) {
    const size_t space = GoSpaceLength(s, pos);
    if (space == 0) {
      ++pos;
      end = pos;
    } else {
      pos += space;
    }
  }
  return s.substr(begin, end - begin);
}

std::string Quote(std::string_view s) {
  const bool cut = s.size() > kQuoteLimit;
  if (cut) s = s.substr(0, kQuoteLimit);
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c >= 0x7F) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out += ch;
        }
    }
  }
  out += cut ? "\"..." : "\"";
  return out;
}

}  // namespace rmgr::cron

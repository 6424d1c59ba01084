#include "common/schema/utf8.h"

#include <cstdint>

namespace rmgr::schema {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

bool Continuation(std::uint8_t b) {
  return (b & 0xC0) == 0x80;
}

// Length of the valid UTF-8 sequence at text[pos], or 0 when none starts there.
std::size_t SequenceAt(std::string_view text, std::size_t pos) {
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[pos + i]); };
  const std::size_t left = text.size() - pos;
  const std::uint8_t b0 = byte(0);
  if (b0 < 0x80) return 1;
  // Range of the second byte and total length, by lead byte (RFC 3629 table).
  std::uint8_t lo = 0x80;
  std::uint8_t hi = 0xBF;
  std::size_t len = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;  // no overlong forms
    if (b0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (left < len || byte(1) < lo || byte(1) > hi) return 0;
  for (std::size_t i = 2; i < len; ++i) {
    if (!Continuation(byte(i))) return 0;
  }
  return len;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t len = SequenceAt(text, pos);
    if (len == 0) return false;
    pos += len;
  }
  return true;
}

std::string SanitizeUtf8(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(text.size() < max_bytes ? text.size() : max_bytes);
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t len = SequenceAt(text, pos);
    const std::string_view piece = len == 0 ? kReplacement : text.substr(pos, len);
    if (piece.size() > max_bytes - out.size()) break;
    out += piece;
    pos += len == 0 ? 1 : len;
  }
  return out;
}

std::string_view Utf8Prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t cut = max_bytes;
  while (cut > 0 && Continuation(static_cast<std::uint8_t>(text[cut]))) --cut;
  return text.substr(0, cut);
}

}  // namespace rmgr::schema

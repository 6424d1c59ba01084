#include "common/util/ulid.h"

#include <sodium.h>

#include <array>
#include <cstdint>

namespace rmgr {
namespace {
constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
}  // namespace

std::string NewUlid(TimePoint at) {
  // sodium_init is idempotent and thread-safe; randombytes_buf needs it once.
  [[maybe_unused]] static const int init = sodium_init();
  const auto ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count());
  std::array<uint8_t, 16> bytes{};
  for (int i = 0; i < 6; ++i) bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(ms >> (8 * (5 - i)));
  randombytes_buf(bytes.data() + 6, 10);
  // 128 bits -> 26 base32 digits (the first carries only 3 bits).
  std::string out(26, '0');
  unsigned __int128 v = 0;
  for (uint8_t b : bytes) v = (v << 8) | b;
  for (int i = 25; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kAlphabet[static_cast<size_t>(v & 31)];
    v >>= 5;
  }
  return out;
}

bool IsUlid(std::string_view text) {
  if (text.size() != 26 || text[0] > '7') return false;
  for (char c : text) {
    if (kAlphabet.find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace rmgr

#include "common/util/ulid.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <mutex>

namespace rmgr {
namespace {
constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// The spec's monotonic mode: an id made in the same millisecond as the
// previous one of this process takes its random part plus one, so ids made
// one after the other sort in the order they were made (jobs listed newest
// first by id stay in order). A wrap of the 80 bits, never seen in practice,
// falls back to fresh random bytes.
struct Last {
  std::mutex mu;
  uint64_t ms = 0;
  std::array<uint8_t, 10> random{};
};

bool Increment(std::array<uint8_t, 10>& random) {
  for (size_t i = random.size(); i-- > 0;) {
    if (++random[i] != 0) return true;
  }
  return false;
}
}  // namespace

std::string NewUlid(TimePoint at) {
  // sodium_init is idempotent and thread-safe; randombytes_buf needs it once.
  [[maybe_unused]] static const int init = sodium_init();
  const auto ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count());
  std::array<uint8_t, 16> bytes{};
  for (int i = 0; i < 6; ++i) bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(ms >> (8 * (5 - i)));
  {
    static Last last;
    std::lock_guard lock(last.mu);
    if (ms != last.ms || !Increment(last.random)) randombytes_buf(last.random.data(), last.random.size());
    last.ms = ms;
    std::copy(last.random.begin(), last.random.end(), bytes.begin() + 6);
  }
  // 128 bits -> 26 base32 digits, most significant first; the first digit
  // carries only the top 3 bits (130 bit positions, 2 of them padding).
  std::string out(26, '0');
  for (size_t digit = 0; digit < 26; ++digit) {
    unsigned value = 0;
    for (size_t k = 0; k < 5; ++k) {
      const int bit = static_cast<int>(digit * 5 + k) - 2;  // position within the 128 bits
      value <<= 1;
      if (bit >= 0) value |= (bytes[static_cast<size_t>(bit) / 8] >> (7 - bit % 8)) & 1u;
    }
    out[digit] = kAlphabet[value];
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

#include "server/auth/recovery_codes.h"

#include <sodium.h>

#include <array>
#include <cstdint>

#include "server/auth/credentials.h"

namespace rmgr::server::auth {
namespace {

constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz234567";
constexpr std::size_t kCodeChars = 16;  // 16 × 5 bits = 80 bits

}  // namespace

std::vector<std::string> NewRecoveryCodes(int count) {
  [[maybe_unused]] static const int init = sodium_init();
  std::vector<std::string> codes;
  codes.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    std::string code;
    for (std::size_t c = 0; c < kCodeChars; ++c) {
      if (c > 0 && c % 4 == 0) code += '-';
      code += kAlphabet[randombytes_uniform(static_cast<std::uint32_t>(kAlphabet.size()))];
    }
    codes.push_back(std::move(code));
  }
  return codes;
}

std::optional<std::string> NormaliseRecoveryCode(std::string_view typed) {
  if (typed.size() > 64) return std::nullopt;
  std::string out;
  for (char c : typed) {
    if (c == '-' || c == ' ') continue;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (kAlphabet.find(c) == std::string_view::npos) return std::nullopt;
    out += c;
  }
  if (out.size() != kCodeChars) return std::nullopt;
  return out;
}

std::string HashRecoveryCode(std::string_view normalised) {
  return HashToken(normalised);
}

}  // namespace rmgr::server::auth

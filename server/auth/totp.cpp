#include "server/auth/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <array>
#include <cassert>
#include <chrono>

#include "server/auth/credentials.h"

namespace rmgr::server::auth {
namespace {

constexpr std::array<std::uint32_t, 9> kPowersOfTen{1,      10,      100,      1000,     10000,
                                                    100000, 1000000, 10000000, 100000000};

// Percent-encodes everything outside RFC 3986's unreserved set.
std::string UriComponent(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

}  // namespace

std::string Hotp(std::span<const unsigned char> key, std::uint64_t counter, int digits) {
  assert(digits >= 6 && digits <= 8 && "RFC 4226 codes have 6 to 8 digits");
  std::array<unsigned char, 8> message{};
  for (int i = 7; i >= 0; --i) {
    message[static_cast<std::size_t>(i)] = static_cast<unsigned char>(counter & 0xFF);
    counter >>= 8;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), message.data(), message.size(), mac.data(),
           &mac_len) == nullptr ||
      mac_len != 20) {
    return {};  // never matches a digit string: a code check fails closed
  }
  // Dynamic truncation (RFC 4226 section 5.3).
  const unsigned offset = mac[19] & 0x0F;
  const std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7F) << 24) |
                               (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                               (static_cast<std::uint32_t>(mac[offset + 2]) << 8) |
                               static_cast<std::uint32_t>(mac[offset + 3]);
  std::string code = std::to_string(binary % kPowersOfTen[static_cast<std::size_t>(digits)]);
  code.insert(0, static_cast<std::size_t>(digits) - code.size(), '0');
  return code;
}

std::int64_t TotpStep(TimePoint at) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(at.time_since_epoch()).count();
  // floor division, so times before 1970 (never in practice) still step correctly
  return seconds >= 0 ? seconds / kTotpStepSeconds : (seconds - kTotpStepSeconds + 1) / kTotpStepSeconds;
}

std::string TotpCode(std::span<const unsigned char> key, std::int64_t step, int digits) {
  return Hotp(key, static_cast<std::uint64_t>(step), digits);
}

std::optional<std::int64_t> MatchTotp(std::span<const unsigned char> key, std::string_view code,
                                      TimePoint now, std::int64_t window) {
  if (code.size() != static_cast<std::size_t>(kTotpDigits)) return std::nullopt;
  for (const char c : code) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  const std::int64_t current = TotpStep(now);
  std::optional<std::int64_t> found;
  // Every candidate is computed and compared, whichever matches, so timing
  // does not tell which step a guess hit.
  for (std::int64_t step = current + window; step >= current - window; --step) {
    if (ConstantTimeEquals(TotpCode(key, step), code) && !found) found = step;
  }
  return found;
}

std::vector<unsigned char> NewTotpSecret() {
  [[maybe_unused]] static const int init = sodium_init();
  std::vector<unsigned char> secret(kTotpSecretBytes);
  randombytes_buf(secret.data(), secret.size());
  return secret;
}

std::string Base32Encode(std::span<const unsigned char> bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const unsigned char byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 0x1F];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 0x1F];
  return out;
}

std::string OtpauthUri(std::string_view issuer, std::string_view account,
                       std::span<const unsigned char> secret) {
  return "otpauth://totp/" + UriComponent(issuer) + ":" + UriComponent(account) +
         "?secret=" + Base32Encode(secret) + "&issuer=" + UriComponent(issuer) +
         "&algorithm=SHA1&digits=" + std::to_string(kTotpDigits) +
         "&period=" + std::to_string(kTotpStepSeconds);
}

}  // namespace rmgr::server::auth

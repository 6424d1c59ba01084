#pragma once
// LoginThrottle: slows down guessing of passwords and second-factor codes
// with token buckets per source address and per username. Every request
// that checks a password or a code takes a token from both, so a code
// cannot be guessed faster than a password.
// Thread safety: all members are safe to call from any thread.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "server/auth/rate_limiter.h"
#include "server/http/http_types.h"

namespace rmgr::server::api {

//! Login throttling: token buckets per source address and per username.
struct LoginLimits {
  int per_address_burst = 20;                          ///< Attempts at once from one address.
  std::chrono::milliseconds per_address_refill{6000};  ///< Then one more every this long.
  int per_user_burst = 10;                             ///< Attempts at once for one username.
  std::chrono::milliseconds per_user_refill{30000};    ///< Then one more every this long.
};

class LoginThrottle {
 public:
  explicit LoginThrottle(LoginLimits limits);

  //! Takes a token for `address`; the 429 to answer when it has none.
  std::optional<http::Response> ByAddress(const std::string& address);
  //! Takes a token for `username` (case-insensitive); the 429 to answer when it has none.
  std::optional<http::Response> ByUsername(std::string_view username);

 private:
  auth::RateLimiter by_address_;
  auth::RateLimiter by_username_;
};

}  // namespace rmgr::server::api

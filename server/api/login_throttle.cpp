#include "server/api/login_throttle.h"

#include <algorithm>
#include <cctype>

#include "common/util/log.h"
#include "server/api/account_support.h"

namespace rmgr::server::api {
namespace {

http::Response RateLimited(int retry_after_seconds) {
  auto res = http::ErrorResponse(http::Status::too_many_requests, "rate_limited",
                                 "too many login attempts; try again later");
  res.set(http::beast_http::field::retry_after, std::to_string(std::max(1, retry_after_seconds)));
  return res;
}

}  // namespace

LoginThrottle::LoginThrottle(LoginLimits limits)
    : by_address_(limits.per_address_burst, limits.per_address_refill),
      by_username_(limits.per_user_burst, limits.per_user_refill) {}

std::optional<http::Response> LoginThrottle::ByAddress(const std::string& address) {
  if (by_address_.Allow(address)) return std::nullopt;
  Logger("auth")->debug("login attempt from {} rate limited", address);
  return RateLimited(by_address_.RetryAfterSeconds(address));
}

std::optional<http::Response> LoginThrottle::ByUsername(std::string_view username) {
  std::string key(username);
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (by_username_.Allow(key)) return std::nullopt;
  Logger("auth")->debug("login attempt for {} rate limited", Loggable(username));
  return RateLimited(by_username_.RetryAfterSeconds(key));
}

}  // namespace rmgr::server::api

#include "server/auth/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace rmgr::server::auth {

RateLimiter::RateLimiter(int burst, std::chrono::milliseconds refill, std::size_t max_keys)
    : burst_(burst), refill_(refill), max_keys_(max_keys) {}

double RateLimiter::Refilled(const Bucket& bucket, Clock::time_point now) const {
  const auto elapsed = std::chrono::duration<double, std::milli>(now - bucket.updated).count();
  return std::min<double>(burst_, bucket.tokens + elapsed / static_cast<double>(refill_.count()));
}

void RateLimiter::Prune(Clock::time_point now) {
  // Buckets that have refilled completely carry no information.
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    it = Refilled(it->second, now) >= burst_ ? buckets_.erase(it) : std::next(it);
  }
  // Still full of active attackers: drop arbitrary entries rather than grow.
  while (buckets_.size() >= max_keys_) buckets_.erase(buckets_.begin());
}

bool RateLimiter::Allow(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) Prune(now);
    it = buckets_.emplace(key, Bucket{static_cast<double>(burst_), now}).first;
  }
  Bucket& bucket = it->second;
  bucket.tokens = Refilled(bucket, now);
  bucket.updated = now;
  if (bucket.tokens < 1.0) return false;
  bucket.tokens -= 1.0;
  return true;
}

bool RateLimiter::HasToken(const std::string& key, Clock::time_point now) const {
  std::lock_guard lock(mu_);
  const auto it = buckets_.find(key);
  return it == buckets_.end() || Refilled(it->second, now) >= 1.0;
}

int RateLimiter::RetryAfterSeconds(const std::string& key, Clock::time_point now) const {
  std::lock_guard lock(mu_);
  const auto it = buckets_.find(key);
  if (it == buckets_.end()) return 0;
  const double tokens = Refilled(it->second, now);
  if (tokens >= 1.0) return 0;
  const double ms = (1.0 - tokens) * static_cast<double>(refill_.count());
  return static_cast<int>(std::ceil(ms / 1000.0));
}

}  // namespace rmgr::server::auth

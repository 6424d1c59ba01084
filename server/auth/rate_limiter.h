#pragma once
// RateLimiter: a token bucket per key (source address, user name) with a
// bounded number of keys, used to slow down login guessing.
// Thread safety: all members are safe to call from any thread.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace rmgr::server::auth {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  //! `burst` attempts at once, then one more every `refill`. At most
  //! `max_keys` keys are tracked; when full, full buckets are forgotten first.
  RateLimiter(int burst, std::chrono::milliseconds refill, std::size_t max_keys = 100000);

  //! Takes one token for `key`; false when the key has none left.
  bool Allow(const std::string& key, Clock::time_point now = Clock::now());

  //! True when `key` has a token now; takes none (a caller that counts only
  //! failures checks first and calls Allow after a failure).
  bool HasToken(const std::string& key, Clock::time_point now = Clock::now()) const;

  //! Seconds until `key` gets its next token (0 when it has one).
  int RetryAfterSeconds(const std::string& key, Clock::time_point now = Clock::now()) const;

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
  };
  double Refilled(const Bucket& bucket, Clock::time_point now) const;
  void Prune(Clock::time_point now);

  const int burst_;
  const std::chrono::milliseconds refill_;
  const std::size_t max_keys_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace rmgr::server::auth

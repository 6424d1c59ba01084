#pragma once
// Store records of operator accounts beyond users and sessions: the TOTP
// second factor, recovery codes, login challenges and the admins' account
// settings (migration 0013).
// Thread safety: plain value types.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/util/time_format.h"

namespace rmgr::store {

//! A user's TOTP secret, sealed with the server key (auth::SecretBox).
struct UserTotp {
  std::string user_id;                           ///< Whose.
  std::vector<unsigned char> secret_nonce;       ///< SecretBox nonce.
  std::vector<unsigned char> secret_ciphertext;  ///< SecretBox ciphertext of the raw secret.
  TimePoint created_at;                          ///< Set by the store (enrolment started).
  std::optional<TimePoint> confirmed_at;         ///< Unset while enrolment waits for its first code.
  int64_t last_used_step = 0;                    ///< Newest accepted time step (replay guard).
};

//! A password accepted for a user who has TOTP: the login's second step.
struct LoginChallenge {
  std::string token_hash;  ///< HashToken of the challenge handed to the browser.
  std::string user_id;     ///< Whose password was accepted.
  TimePoint created_at;    ///< Set by the store.
  TimePoint expires_at;    ///< Invalid from this instant on.
  int64_t failures = 0;    ///< Wrong codes presented with it.
};

//! Server-wide account settings an admin changes at run time.
struct AccountSettings {
  bool require_totp = false;            ///< Users without TOTP must enrol before anything else.
  std::optional<TimePoint> updated_at;  ///< Last change; unset while the defaults hold.
};

}  // namespace rmgr::store

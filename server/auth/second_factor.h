#pragma once
// Checks a second factor — a TOTP code or a recovery code — for a user
// inside the caller's write transaction, and spends it there: a TOTP time
// step is accepted once per user (the replay guard), a recovery code once.
// The caller commits that together with what the code unlocks (a session,
// disabling TOTP) and its audit entry.
// Thread safety: a free function over the caller's transaction.

#include <string_view>

#include "common/result.h"
#include "common/util/time_format.h"
#include "server/auth/secret_box.h"
#include "server/store/store.h"

namespace rmgr::server::auth {

//! What a presented code turned out to be.
enum class SecondFactorOutcome {
  kTotp,          ///< A valid TOTP code of a step not used before; now used.
  kRecoveryCode,  ///< An unused recovery code; now spent.
  kWrong,         ///< Neither (or the user has no confirmed TOTP).
  kReplayed,      ///< A valid TOTP code of a step already used.
};

//! Stable name for audit details: "totp", "recovery_code", "wrong", "replayed".
std::string_view ToString(SecondFactorOutcome outcome);

//! Checks `code` for `user_id` at `now` (see the file comment). A six-digit
//! code is taken as TOTP, anything else as a recovery code. Errors are the
//! store's, or kInternal when the sealed secret does not open.
Result<SecondFactorOutcome> CheckSecondFactor(store::WriteTx& tx, const SecretBox& secrets,
                                              std::string_view user_id, std::string_view code, TimePoint now);

}  // namespace rmgr::server::auth

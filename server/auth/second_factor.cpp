#include "server/auth/second_factor.h"

#include <sodium.h>

#include <span>
#include <string>

#include "server/auth/recovery_codes.h"
#include "server/auth/totp.h"

namespace rmgr::server::auth {

std::string_view ToString(SecondFactorOutcome outcome) {
  switch (outcome) {
    case SecondFactorOutcome::kTotp:
      return "totp";
    case SecondFactorOutcome::kRecoveryCode:
      return "recovery_code";
    case SecondFactorOutcome::kWrong:
      return "wrong";
    case SecondFactorOutcome::kReplayed:
      return "replayed";
  }
  return "wrong";
}

Result<SecondFactorOutcome> CheckSecondFactor(store::WriteTx& tx, const SecretBox& secrets,
                                              std::string_view user_id, std::string_view code,
                                              TimePoint now) {
  auto totp = tx.GetUserTotp(user_id);
  if (!totp) {
    if (totp.error().code == ErrorCode::kNotFound) return SecondFactorOutcome::kWrong;
    return totp.error();
  }
  if (!totp->confirmed_at) return SecondFactorOutcome::kWrong;

  const bool six_digits = code.size() == static_cast<std::size_t>(kTotpDigits) &&
                          code.find_first_not_of("0123456789") == std::string_view::npos;
  if (!six_digits) {
    const auto normalised = NormaliseRecoveryCode(code);
    if (!normalised) return SecondFactorOutcome::kWrong;
    auto spent = tx.UseRecoveryCode(user_id, HashRecoveryCode(*normalised));
    if (!spent) return spent.error();
    return *spent ? SecondFactorOutcome::kRecoveryCode : SecondFactorOutcome::kWrong;
  }

  auto secret = secrets.Open(SealedSecret{totp->secret_nonce, totp->secret_ciphertext});
  if (!secret) return secret.error();
  const std::span<const unsigned char> key(reinterpret_cast<const unsigned char*>(secret->data()),
                                           secret->size());
  const auto step = MatchTotp(key, code, now);
  sodium_memzero(secret->data(), secret->size());
  if (!step) return SecondFactorOutcome::kWrong;
  auto used = tx.UseTotpStep(user_id, *step);
  if (!used) return used.error();
  return *used ? SecondFactorOutcome::kTotp : SecondFactorOutcome::kReplayed;
}

}  // namespace rmgr::server::auth

#include "server/api/totp_handlers.h"

#include <sodium.h>

#include <span>
#include <string>
#include <vector>

#include "common/schema/secret.h"
#include "common/util/log.h"
#include "server/api/account_support.h"
#include "server/api/api_support.h"
#include "server/auth/account_rules.h"
#include "server/auth/credentials.h"
#include "server/auth/qr_code.h"
#include "server/auth/recovery_codes.h"
#include "server/auth/second_factor.h"
#include "server/auth/totp.h"

namespace rmgr::server::api {
namespace {

namespace json = boost::json;
using schema::Secret;
using schema::Text;

// The issuer authenticator apps show beside the account name.
constexpr std::string_view kIssuer = "restic-manager";

struct ConfirmRequest {
  Secret code;
};
template <class F>
void Fields(F& f, schema::Is<ConfirmRequest> auto& r) {
  f("code", r.code, Text{.min = 1, .max = 16});
}

struct DisableRequest {
  Secret password;
  Secret code;
};
template <class F>
void Fields(F& f, schema::Is<DisableRequest> auto& r) {
  f("password", r.password, Text{.min = 1, .max = auth::kMaxPasswordBytes});
  f("code", r.code, Text{.min = 1, .max = 64});  // a TOTP code or a recovery code
}

std::span<const unsigned char> Bytes(const std::string& text) {
  return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

// Clears a secret's bytes before the string goes away.
struct Wiped {
  std::string value;
  ~Wiped() { sodium_memzero(value.data(), value.size()); }
};

}  // namespace

TotpHandlers::TotpHandlers(ApiDeps& deps, auth::SessionAuthenticator& sessions, LoginThrottle& throttle)
    : deps_(deps), sessions_(sessions), throttle_(throttle) {}

void TotpHandlers::Register(ApiRoutes& routes) {
  using http::beast_http::verb;
  routes.Add(
      verb::get, "/account/totp", Role::kViewer, "Your two-factor (TOTP) state",
      [this](ApiRequest& r) { return GetState(r); }, Gate::kEnrolment);
  routes.Add(
      verb::post, "/account/totp/enrol", Role::kViewer,
      "Start TOTP enrolment: a new secret as otpauth URI and QR code (replaces a pending one)",
      [this](ApiRequest& r) { return Enrol(r); }, Gate::kEnrolment);
  routes.Add(
      verb::post, "/account/totp/confirm", Role::kViewer,
      "Enable TOTP with a first valid code; answers the recovery codes (shown once)",
      [this](ApiRequest& r) { return Confirm(r); }, Gate::kEnrolment);
  routes.Add(verb::post, "/account/totp/disable", Role::kViewer, "Disable your TOTP (password and a code)",
             [this](ApiRequest& r) { return Disable(r); });
  routes.Add(verb::delete_, "/users/{id}/totp", Role::kAdmin, "Reset a user's TOTP (they enrol again)",
             [this](ApiRequest& r) { return Reset(r); });
}

http::Response TotpHandlers::GetState(ApiRequest& req) {
  struct State {
    std::optional<store::UserTotp> totp;
    int64_t codes_left = 0;
    bool required = false;
  };
  auto state = deps_.store.Read([&](store::ReadTx& tx) -> Result<State> {
    State out;
    auto totp = tx.GetUserTotp(req.caller().user_id);
    if (totp) {
      out.totp = std::move(*totp);
    } else if (totp.error().code != ErrorCode::kNotFound) {
      return totp.error();
    }
    auto left = tx.CountUnusedRecoveryCodes(req.caller().user_id);
    if (!left) return left.error();
    out.codes_left = *left;
    auto settings = tx.GetAccountSettings();
    if (!settings) return settings.error();
    out.required = settings->require_totp;
    return out;
  });
  if (!state) return AuthFailure(state.error());
  const bool enabled = state->totp && state->totp->confirmed_at;
  return Json(http::Status::ok,
              json::object{{"enabled", enabled},
                           {"pending", state->totp && !state->totp->confirmed_at},
                           {"enabled_at", TimeOrNull(enabled ? state->totp->confirmed_at : std::nullopt)},
                           {"recovery_codes_left", state->codes_left},
                           {"required", state->required}});
}

http::Response TotpHandlers::Enrol(ApiRequest& req) {
  const Principal& caller = req.caller();
  const std::vector<unsigned char> secret = auth::NewTotpSecret();
  Wiped raw{std::string(secret.begin(), secret.end())};
  const auth::SealedSecret sealed = deps_.secrets.Seal(raw.value);
  const std::string uri = auth::OtpauthUri(kIssuer, caller.username, secret);
  auto qr = auth::QrEncode(uri);
  if (!qr) return AuthFailure(qr.error());

  store::UserTotp pending;
  pending.user_id = caller.user_id;
  pending.secret_nonce = sealed.nonce;
  pending.secret_ciphertext = sealed.ciphertext;
  auto stored = deps_.store.Write([&](store::WriteTx& tx) -> Result<void> {
    auto put = tx.PutPendingTotp(pending);
    if (!put) return put.error();
    return AppendAudit(tx, req.Audit("totp.enrol", "user", caller.user_id));
  });
  if (!stored) return AuthFailure(stored.error());
  return Json(http::Status::ok,
              json::object{{"secret", auth::Base32Encode(secret)},
                           {"otpauth_uri", uri},
                           {"qr", json::object{{"size", qr->size}, {"modules", qr->modules}}}});
}

http::Response TotpHandlers::Confirm(ApiRequest& req) {
  auto body = req.Body<ConfirmRequest>();
  if (!body) return AuthFailure(body.error());
  const Principal& caller = req.caller();
  if (auto limited = throttle_.ByUsername(caller.username)) return std::move(*limited);
  const TimePoint now = sessions_.Now();
  // Made outside the transaction, which may run more than once.
  const std::vector<std::string> codes = auth::NewRecoveryCodes();
  std::vector<std::string> hashes;
  for (const auto& code : codes) hashes.push_back(auth::HashRecoveryCode(*auth::NormaliseRecoveryCode(code)));

  auto confirmed = deps_.store.Write([&](store::WriteTx& tx) -> Result<void> {
    auto totp = tx.GetUserTotp(caller.user_id);
    if (!totp) {
      return totp.error().code == ErrorCode::kNotFound
                 ? MakeError(ErrorCode::kConflict, "start enrolment first (POST /account/totp/enrol)")
                 : totp.error();
    }
    if (totp->confirmed_at)
      return MakeError(ErrorCode::kConflict, "two-factor authentication is already enabled");
    auto secret = deps_.secrets.Open(auth::SealedSecret{totp->secret_nonce, totp->secret_ciphertext});
    if (!secret) return secret.error();
    Wiped raw{std::move(*secret)};
    const auto step = auth::MatchTotp(Bytes(raw.value), body->code.Reveal(), now);
    if (!step) {
      return MakeError(ErrorCode::kInvalidArgument, "wrong code: check the authenticator app's clock",
                       "code");
    }
    if (auto done = tx.ConfirmTotp(caller.user_id, *step); !done) return done.error();
    if (auto stored = tx.ReplaceRecoveryCodes(caller.user_id, hashes); !stored) return stored.error();
    return AppendAudit(tx, req.Audit("totp.enable", "user", caller.user_id));
  });
  if (!confirmed) return AuthFailure(confirmed.error());
  Logger("auth")->info("{} enabled two-factor authentication", caller.username);
  json::array list;
  for (const auto& code : codes) list.emplace_back(code);
  return Json(http::Status::ok, json::object{{"recovery_codes", std::move(list)}});
}

http::Response TotpHandlers::Disable(ApiRequest& req) {
  auto body = req.Body<DisableRequest>();
  if (!body) return AuthFailure(body.error());
  const Principal& caller = req.caller();
  if (auto limited = throttle_.ByUsername(caller.username)) return std::move(*limited);
  auto user = deps_.store.Read([&](store::ReadTx& tx) { return tx.GetUser(caller.user_id); });
  if (!user) return AuthFailure(user.error());
  if (!user->totp_enabled)
    return AuthFailure(MakeError(ErrorCode::kConflict, "two-factor authentication is off"));
  const bool password_ok = auth::VerifyPassword(body->password.Reveal(), user->password_hash);
  const TimePoint now = sessions_.Now();

  struct Outcome {
    bool disabled = false;
    std::string field;
  };
  auto outcome = deps_.store.Write([&](store::WriteTx& tx) -> Result<Outcome> {
    Outcome out;
    std::string reason;
    if (!password_ok) {
      out.field = "password";
      reason = "bad_password";
    } else {
      auto checked = auth::CheckSecondFactor(tx, deps_.secrets, caller.user_id, body->code.Reveal(), now);
      if (!checked) return checked.error();
      if (*checked == auth::SecondFactorOutcome::kWrong || *checked == auth::SecondFactorOutcome::kReplayed) {
        out.field = "code";
        reason = *checked == auth::SecondFactorOutcome::kReplayed ? "replayed_code" : "bad_code";
      }
    }
    if (!out.field.empty()) {
      // Refused, but the attempt is on the record (and a spent code stays spent).
      if (auto logged = AppendAudit(
              tx, req.Audit("totp.disable_failed", "user", caller.user_id, json::object{{"reason", reason}}));
          !logged) {
        return logged.error();
      }
      return out;
    }
    if (auto gone = tx.DeleteTotp(caller.user_id); !gone) return gone.error();
    if (auto logged = AppendAudit(tx, req.Audit("totp.disable", "user", caller.user_id)); !logged) {
      return logged.error();
    }
    out.disabled = true;
    return out;
  });
  if (!outcome) return AuthFailure(outcome.error());
  if (!outcome->disabled) {
    return AuthFailure(MakeError(ErrorCode::kPermissionDenied,
                                 outcome->field == "password" ? "wrong password" : "wrong code",
                                 outcome->field));
  }
  Logger("auth")->info("{} disabled two-factor authentication", caller.username);
  return NoContent();
}

http::Response TotpHandlers::Reset(ApiRequest& req) {
  const std::string& id = req.Param("id");
  auto reset = deps_.store.Write([&](store::WriteTx& tx) -> Result<void> {
    auto user = tx.GetUser(id);
    if (!user) return user.error();
    auto existed = tx.DeleteTotp(id);
    if (!existed) return existed.error();
    if (!*existed) return Ok();  // nothing to reset, nothing to audit
    return AppendAudit(
        tx, req.Audit("totp.reset", "user", id, json::object{{"target_username", user->username}}));
  });
  if (!reset) return AuthFailure(reset.error());
  return NoContent();
}

}  // namespace rmgr::server::api

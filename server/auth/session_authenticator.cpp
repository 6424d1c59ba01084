#include "server/auth/session_authenticator.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>

#include "common/util/log.h"
#include "server/auth/credentials.h"

namespace rmgr::server::auth {
namespace {

namespace beast_http = http::beast_http;

// Longest credential accepted from a header; real ones are ~50 bytes.
constexpr std::size_t kMaxCredentialBytes = 512;
// Longest User-Agent kept for the session list.
constexpr std::size_t kMaxUserAgentBytes = 256;

// The User-Agent as printable ASCII, cut: it is shown in the UI and is the caller's text.
std::string CleanUserAgent(std::string_view agent) {
  std::string out;
  for (const char c : agent.substr(0, kMaxUserAgentBytes)) {
    out += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return out;
}

std::string_view View(boost::beast::string_view text) {
  return {text.data(), text.size()};
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// The value of cookie `name` in the request's Cookie header(s): the first one wins.
std::optional<std::string_view> FindCookie(const http::Request& request, std::string_view name) {
  const auto [begin, end] = request.equal_range(beast_http::field::cookie);
  for (auto it = begin; it != end; ++it) {
    std::string_view rest = View(it->value());
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      const std::string_view pair = Trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      const auto eq = pair.find('=');
      if (eq == std::string_view::npos || Trim(pair.substr(0, eq)) != name) continue;
      std::string_view value = Trim(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
        value = value.substr(1, value.size() - 2);
      return value;
    }
  }
  return std::nullopt;
}

Error Unauthenticated(std::string message) {
  return MakeError(ErrorCode::kUnauthenticated, std::move(message));
}

// Store failures other than "not found" are the server's problem, not the caller's.
Error LookupFailure(const Error& error, std::string message) {
  if (error.code == ErrorCode::kNotFound) return Unauthenticated(std::move(message));
  return error;
}

Result<auth::Role> RoleOf(const store::User& user) {
  auto role = auth::RoleFromString(user.role);
  if (!role) return MakeError(ErrorCode::kInternal, "user has an unknown role");
  return *role;
}

}  // namespace

SessionAuthenticator::SessionAuthenticator(store::Store& store, std::function<TimePoint()> now,
                                           SessionOptions options)
    : store_(store), now_(std::move(now)), options_(options) {}

Result<auth::Principal> SessionAuthenticator::Authenticate(const http::RequestContext& ctx, bool mutating) {
  const auto authorization = ctx.request[beast_http::field::authorization];
  if (!authorization.empty()) return AuthenticateBearer(View(authorization), ctx);
  const auto cookie = FindCookie(ctx.request, kCookieName);
  if (!cookie) return Unauthenticated("authentication required: log in or send Authorization: Bearer TOKEN");
  return AuthenticateSession(*cookie, ctx, mutating);
}

Result<auth::Principal> SessionAuthenticator::AuthenticateBearer(std::string_view header,
                                                                const http::RequestContext& ctx) {
  const auto space = header.find(' ');
  const std::string_view scheme = header.substr(0, space);
  const std::string_view token =
      space == std::string_view::npos ? std::string_view{} : Trim(header.substr(space));
  if (!EqualsIgnoreCase(scheme, "Bearer") || token.empty() || token.size() > kMaxCredentialBytes) {
    return Unauthenticated("the Authorization header must be \"Bearer TOKEN\"");
  }
  const std::string hash = HashToken(token);
  struct Found {
    store::ApiToken token;
    store::User user;
  };
  auto found = store_.Read([&](store::ReadTx& tx) -> Result<Found> {
    auto api_token = tx.GetApiTokenByHash(hash);
    if (!api_token) return api_token.error();
    auto user = tx.GetUser(api_token->user_id);
    if (!user) return user.error();
    return Found{std::move(*api_token), std::move(*user)};
  });
  auto log = Logger("auth");
  if (!found) {
    log->debug("rejected an unknown API token from {}", ctx.remote_address);
    return LookupFailure(found.error(), "invalid API token");
  }
  const TimePoint now = Now();
  if (found->token.revoked_at) {
    log->debug("rejected revoked API token {} from {}", found->token.id, ctx.remote_address);
    return Unauthenticated("this API token has been revoked");
  }
  if (found->token.expires_at && *found->token.expires_at <= now) {
    log->debug("rejected expired API token {} from {}", found->token.id, ctx.remote_address);
    return Unauthenticated("this API token has expired");
  }
  if (found->user.disabled_at) {
    log->debug("rejected API token {} of disabled user {}", found->token.id, found->user.username);
    return Unauthenticated("this account is disabled");
  }
  auto role = RoleOf(found->user);
  if (!role) return role.error();

  const TimePoint stale_before = now - options_.touch_interval;
  if (!found->token.last_used_at || *found->token.last_used_at < stale_before) {
    // Bookkeeping only: a failure here must not fail the request.
    auto touched =
        store_.Write([&](store::WriteTx& tx) { return tx.TouchApiToken(found->token.id, now, stale_before); },
                     store::Durability::kRelaxed);
    if (!touched)
      log->warn("cannot record use of API token {}: {}", found->token.id, touched.error().Describe());
  }

  auth::Principal principal;
  principal.user_id = found->user.id;
  principal.username = found->user.username;
  principal.role = *role;
  principal.actor_kind = store::ActorKind::kApi;
  principal.actor_id = found->token.id;
  principal.via_session = false;
  return principal;
}

Result<auth::Principal> SessionAuthenticator::AuthenticateSession(std::string_view cookie,
                                                                 const http::RequestContext& ctx,
                                                                 bool mutating) {
  if (cookie.empty() || cookie.size() > kMaxCredentialBytes)
    return Unauthenticated("invalid session; log in again");
  const std::string hash = HashToken(cookie);
  struct Found {
    store::Session session;
    store::User user;
    bool require_totp = false;
  };
  auto found = store_.Read([&](store::ReadTx& tx) -> Result<Found> {
    auto session = tx.GetSession(hash);
    if (!session) return session.error();
    auto user = tx.GetUser(session->user_id);
    if (!user) return user.error();
    auto settings = tx.GetAccountSettings();
    if (!settings) return settings.error();
    return Found{std::move(*session), std::move(*user), settings->require_totp};
  });
  auto log = Logger("auth");
  if (!found) return LookupFailure(found.error(), "session expired or invalid; log in again");
  const TimePoint now = Now();
  const TimePoint hard_end = found->session.created_at + options_.max_lifetime;
  if (found->session.expires_at <= now || hard_end <= now) {
    log->debug("rejected expired session of {} from {}", found->user.username, ctx.remote_address);
    return Unauthenticated("session expired; log in again");
  }
  if (found->user.disabled_at) {
    log->debug("rejected session of disabled user {}", found->user.username);
    return Unauthenticated("this account is disabled");
  }
  auto role = RoleOf(found->user);
  if (!role) return role.error();
  if (mutating) {
    const auto csrf = ctx.request[kCsrfHeader];
    if (csrf.empty()) {
      log->debug("rejected a {} request of {} without CSRF token",
                 std::string_view(ctx.request.method_string()), found->user.username);
      return MakeError(ErrorCode::kPermissionDenied, "missing X-CSRF-Token header");
    }
    if (csrf.size() > kMaxCredentialBytes ||
        !ConstantTimeEquals(HashToken(View(csrf)), found->session.csrf_hash)) {
      log->debug("rejected a request of {} with a wrong CSRF token", found->user.username);
      return MakeError(ErrorCode::kPermissionDenied, "X-CSRF-Token does not match the session");
    }
  }

  // Sliding expiry and last use, written at most once per touch_interval.
  const TimePoint slid = std::min(now + options_.idle_timeout, hard_end);
  const TimePoint if_before = now - options_.touch_interval;
  if (found->session.last_used_at < if_before) {
    auto extended =
        store_.Write([&](store::WriteTx& tx) { return tx.TouchSession(hash, slid, now, if_before); },
                     store::Durability::kRelaxed);
    if (!extended)
      log->warn("cannot extend a session of {}: {}", found->user.username, extended.error().Describe());
  }

  auth::Principal principal;
  principal.user_id = found->user.id;
  principal.username = found->user.username;
  principal.role = *role;
  principal.actor_kind = store::ActorKind::kUser;
  principal.actor_id = found->user.id;
  principal.via_session = true;
  principal.totp_enrolment_required = found->require_totp && !found->user.totp_enabled;
  return principal;
}

IssuedSession SessionAuthenticator::NewSession(const std::string& user_id,
                                               const http::RequestContext& ctx) const {
  IssuedSession issued;
  issued.record.client_address = ctx.remote_address;
  issued.record.user_agent = CleanUserAgent(View(ctx.request[beast_http::field::user_agent]));
  issued.token = NewToken(kSessionPrefix);
  issued.csrf_token = NewToken("");
  issued.record.token_hash = HashToken(issued.token);
  issued.record.csrf_hash = HashToken(issued.csrf_token);
  issued.record.user_id = user_id;
  const TimePoint now = Now();
  issued.record.created_at = now;
  issued.record.expires_at = now + std::min(options_.idle_timeout, options_.max_lifetime);
  return issued;
}

std::string SessionAuthenticator::SessionCookie(std::string_view token) const {
  std::string cookie =
      std::string(kCookieName) + "=" + std::string(token) + "; Path=/; HttpOnly; SameSite=Strict";
  if (options_.secure_cookie) cookie += "; Secure";
  return cookie;
}

std::string SessionAuthenticator::ClearedCookie() const {
  std::string cookie = std::string(kCookieName) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
  if (options_.secure_cookie) cookie += "; Secure";
  return cookie;
}

std::string SessionAuthenticator::SessionTokenHash(const http::RequestContext& ctx) {
  const auto cookie = FindCookie(ctx.request, kCookieName);
  if (!cookie || cookie->empty() || cookie->size() > kMaxCredentialBytes) return {};
  return HashToken(*cookie);
}

}  // namespace rmgr::server::auth

#include "server/api/enrollment_handlers.h"

#include "common/util/log.h"
#include "server/api/api_schema.h"
#include "server/api/api_support.h"
#include "server/auth/credentials.h"
#include "server/auth/rate_limiter.h"
#include "server/views/json_views.h"

namespace rmgr::server::api {

using namespace views;  // NOLINT(google-build-using-namespace): the JSON views of store records
namespace {

namespace beast_http = http::beast_http;

//! Prefix of enrollment tokens (API tokens are rmt_, so the two never mix).
constexpr std::string_view kTokenPrefix = "rme_";
constexpr int64_t kDefaultTtlSeconds = 86400;

//! Enrollments one token may allow: a configuration-management run over a fleet.
constexpr int64_t kMaxUses = 100000;

struct CreateTokenBody {
  std::string name;
  std::optional<std::string> host_id;
  std::optional<int64_t> ttl_seconds;
  std::optional<int64_t> max_uses;
  std::optional<labels::Labels> labels;
};
template <class F>
void Fields(F& f, schema::Is<CreateTokenBody> auto& b) {
  f("name", b.name, kNameRule);
  f("host_id", b.host_id, kIdRule);
  f("ttl_seconds", b.ttl_seconds, schema::Int{.min = 60, .max = 2592000});
  f("max_uses", b.max_uses, schema::Int{.min = 1, .max = kMaxUses});
  f("labels", b.labels, kLabelsRule);
}

http::Response CreateToken(ApiRequest& req, ApiDeps& deps) {
  auto body = req.Body<CreateTokenBody>();
  if (!body) return ApiError(body.error());
  const std::string token = auth::NewToken(kTokenPrefix);
  store::NewEnrollmentToken fresh;
  fresh.name = body->name;
  fresh.token_hash = auth::HashToken(token);
  fresh.host_id = body->host_id;
  fresh.created_by = req.caller().user_id;
  fresh.expires_at = deps.now() + std::chrono::seconds(body->ttl_seconds.value_or(kDefaultTtlSeconds));
  fresh.max_uses = body->max_uses.value_or(1);
  fresh.labels = body->labels.value_or(labels::Labels{});
  auto made = deps.store.Write([&](store::WriteTx& tx) -> Result<store::EnrollmentToken> {
    if (fresh.host_id) {
      if (auto host = tx.GetHost(*fresh.host_id); !host) return BadReference(host.error(), "host_id");
    }
    auto created = tx.CreateEnrollmentToken(fresh);
    if (!created) return created;
    boost::json::object detail{{"name", created->name},
                               {"expires_at", TimeJson(created->expires_at)},
                               {"max_uses", created->max_uses},
                               {"labels", LabelsJson(created->labels)}};
    if (created->host_id) detail["host_id"] = *created->host_id;
    auto logged = AppendAudit(tx, req.Audit("enrollment_token.create", "enrollment_token", created->id,
                                            std::move(detail)));
    if (!logged) return logged.error();
    return created;
  });
  if (!made) return ApiError(made.error());
  boost::json::object out = EnrollmentTokenJson(*made, deps.now());
  out["token"] = token;  // shown once; only its hash is kept
  return Json(http::Status::created, std::move(out));
}

http::Response ListTokens(ApiRequest& req, ApiDeps& deps) {
  auto page = PageParams(req);
  if (!page) return ApiError(page.error());
  auto tokens = deps.store.Read([&](store::ReadTx& tx) { return tx.ListEnrollmentTokens(*page); });
  if (!tokens) return ApiError(tokens.error());
  const TimePoint now = deps.now();
  boost::json::array items;
  items.reserve(tokens->items.size());
  for (const auto& token : tokens->items) items.emplace_back(EnrollmentTokenJson(token, now));
  return ListResponse(std::move(items), tokens->next_cursor);
}

http::Response RevokeToken(ApiRequest& req, ApiDeps& deps) {
  const std::string& id = req.Param("id");
  auto revoked = deps.store.Write([&](store::WriteTx& tx) -> Result<void> {
    auto token = tx.RevokeEnrollmentToken(id);
    if (!token) return token.error();
    return AppendAudit(tx, req.Audit("enrollment_token.revoke", "enrollment_token", id, {{"name", token->name}}));
  });
  if (!revoked) return ApiError(revoked.error());
  return NoContent();
}

// ------------------------------------------------------------ agent enrollment

//! Prefix of the per-host agent token.
constexpr std::string_view kHostTokenPrefix = "rmh_";

struct EnrollBody {
  std::string token;
  std::string hostname;
  std::string os;
  std::string arch;
  std::string agent_version;
  std::optional<labels::Labels> labels;  // proposed by the agent (--label); the token's win
};
template <class F>
void Fields(F& f, schema::Is<EnrollBody> auto& b) {
  constexpr schema::Text kShort{.min = 1, .max = 64, .shape = &IsSingleLine, .shape_name = "a single line of text"};
  f("token", b.token, schema::Text{.min = 1, .max = 128});
  f("hostname", b.hostname, kNameRule);
  f("os", b.os, kShort);
  f("arch", b.arch, kShort);
  f("agent_version", b.agent_version, kShort);
  f("labels", b.labels, kLabelsRule);
}

struct Enrolled {
  store::Host host;
  std::string token_id;
};

//! The answer to an exhausted reusable token: 410, the token will never work again.
constexpr std::string_view kGoneCode = "gone";

// Why a token cannot be used, in words an operator acts on.
Result<void> CheckUsable(const store::EnrollmentToken& token, TimePoint now) {
  switch (token.StatusAt(now)) {
    case store::EnrollmentStatus::kActive:
      return Ok();
    case store::EnrollmentStatus::kUsed:
      return MakeError(ErrorCode::kUnauthenticated, "enrollment token is already used; create a new one",
                       "token");
    case store::EnrollmentStatus::kExhausted:
      // kConflict with field "token" becomes the 410 (see Enroll).
      return MakeError(ErrorCode::kConflict,
                       "enrollment token exhausted (" + std::to_string(token.use_count) + " of " +
                           std::to_string(token.max_uses) + " uses)",
                       "token");
    case store::EnrollmentStatus::kRevoked:
      return MakeError(ErrorCode::kUnauthenticated, "enrollment token was revoked; create a new one", "token");
    case store::EnrollmentStatus::kExpired:
      return MakeError(ErrorCode::kUnauthenticated, "enrollment token has expired; create a new one", "token");
  }
  return MakeError(ErrorCode::kInternal, "unknown enrollment token status");
}

// `base` with `over` laid on top: on a shared key, `over` wins.
labels::Labels Overlay(labels::Labels base, const labels::Labels& over) {
  for (const auto& [key, value] : over) base[key] = value;
  return base;
}

// A new host takes the agent's hostname, or "<hostname>-<n>" when taken.
Result<store::Host> CreateEnrolledHost(store::WriteTx& tx, const EnrollBody& body,
                                       const std::string& token_hash, const labels::Labels& host_labels) {
  for (int n = 1; n <= 100; ++n) {
    std::string name = n == 1 ? body.hostname : body.hostname + "-" + std::to_string(n);
    auto made = tx.CreateHost(store::NewHost{name, body.hostname, true, token_hash, host_labels});
    if (made || made.error().field != "name") return made;
  }
  return MakeError(ErrorCode::kConflict, "no free host name for " + body.hostname, "hostname");
}

// POST /agent/enroll without the rate limit: an enrollment token becomes a
// host record and that host's own token (only its hash is kept). The token's
// use is taken in the same transaction that makes the host, so two agents
// racing for the last use cannot both win (SQLite writes are serialized).
http::Response EnrollOnce(ApiRequest& req, ApiDeps& deps) {
  const std::string& address = req.http.remote_address;
  auto body = req.Body<EnrollBody>();
  if (!body) return ApiError(body.error());
  const std::string host_token = auth::NewToken(kHostTokenPrefix);
  const std::string host_token_hash = auth::HashToken(host_token);
  auto enrolled = deps.store.Write([&](store::WriteTx& tx) -> Result<Enrolled> {
    auto token = tx.GetEnrollmentTokenByHash(auth::HashToken(body->token));
    if (!token) {
      if (token.error().code != ErrorCode::kNotFound) return token.error();
      return MakeError(ErrorCode::kUnauthenticated, "unknown enrollment token", "token");
    }
    if (auto usable = CheckUsable(*token, deps.now()); !usable) return usable.error();
    const labels::Labels proposed = body->labels.value_or(labels::Labels{});
    Result<store::Host> host =
        token->host_id ? tx.GetHost(*token->host_id)
                       : CreateEnrolledHost(tx, *body, host_token_hash, Overlay(proposed, token->labels));
    if (!host) return host.error();
    if (token->host_id) {
      // A pre-registered host (or a re-enrollment): the new token replaces the
      // old one. Labels the operator set on it win over the agent's, the token's over both.
      if (auto set = tx.SetHostTokenHash(host->id, host_token_hash); !set) return set.error();
      labels::Labels merged = Overlay(Overlay(proposed, host->labels), token->labels);
      if (merged != host->labels) {
        if (auto set = tx.SetHostLabels(host->id, merged); !set) return set.error();
        host->labels = std::move(merged);
      }
    }
    store::HostStatus status;
    status.hostname = body->hostname;
    status.os = body->os;
    status.arch = body->arch;
    status.agent_version = body->agent_version;
    if (auto updated = tx.UpdateHostStatus(host->id, status); !updated) return updated.error();
    auto consumed = tx.ConsumeEnrollmentToken(token->id, host->id);
    if (!consumed) return consumed.error();
    store::AuditEntry entry = req.Audit("host.enroll", "host", host->id,
                                        {{"name", host->name},
                                         {"hostname", body->hostname},
                                         {"enrollment_token_id", token->id},
                                         {"use", consumed->use_count},
                                         {"max_uses", consumed->max_uses},
                                         {"labels", LabelsJson(host->labels)}});
    entry.actor_kind = store::ActorKind::kAgent;
    entry.actor_id = host->id;
    if (auto logged = AppendAudit(tx, entry); !logged) return logged.error();
    return Enrolled{std::move(*host), token->id};
  });
  if (!enrolled) {
    const Error& error = enrolled.error();
    if (error.code == ErrorCode::kConflict && error.field == "token") {
      return http::ErrorResponse(http::Status::gone, kGoneCode, error.message, error.field);
    }
    return ApiError(error);
  }
  Logger("api")->info("host {} ({}) enrolled from {}", enrolled->host.name, enrolled->host.id, address);
  boost::json::object answer{
      {"host_id", enrolled->host.id}, {"host_name", enrolled->host.name}, {"host_token", host_token}};
  // The agent pins it: from now on it installs only bundles this key signed.
  if (!deps.update_key.empty()) answer["update_key"] = deps.update_key;
  return Json(http::Status::created, answer);
}

// POST /agent/enroll: the one public write. Only failed attempts (a bad,
// unknown, used, expired or exhausted token, a malformed body) take from the
// address's budget, so 500 hosts behind one NAT address enroll at once while
// guessing tokens stays slow. An address out of budget is refused even with
// a valid token until the budget refills.
http::Response Enroll(ApiRequest& req, ApiDeps& deps, auth::RateLimiter& limiter) {
  const std::string& address = req.http.remote_address;
  if (!limiter.HasToken(address)) {
    auto res = http::ErrorResponse(http::Status::too_many_requests, "rate_limited",
                                   "too many failed enrollment attempts; try again later");
    res.set(beast_http::field::retry_after, std::to_string(std::max(1, limiter.RetryAfterSeconds(address))));
    return res;
  }
  http::Response res = EnrollOnce(req, deps);
  // 5xx is the server's trouble (busy store), not the caller's guess.
  const unsigned status = res.result_int();
  if (status >= 400 && status < 500) limiter.Allow(address);
  return res;
}

}  // namespace

void RegisterEnrollmentRoutes(ApiRoutes& routes, ApiDeps& deps) {
  routes.Add(beast_http::verb::get, "/enrollment-tokens", Role::kOperator, "List enrollment tokens",
             [&deps](ApiRequest& req) { return ListTokens(req, deps); });
  routes.Add(beast_http::verb::post, "/enrollment-tokens", Role::kOperator,
             "Create an enrollment token (the token is shown once)",
             [&deps](ApiRequest& req) { return CreateToken(req, deps); });
  routes.Add(beast_http::verb::delete_, "/enrollment-tokens/{id}", Role::kOperator,
             "Revoke an enrollment token", [&deps](ApiRequest& req) { return RevokeToken(req, deps); });
  // Ten failed attempts at once per address, then one every six seconds: too
  // slow to guess a token; successful enrollments take nothing.
  auto limiter = std::make_shared<auth::RateLimiter>(10, std::chrono::seconds(6));
  routes.AddPublic(beast_http::verb::post, "/agent/enroll",
                   "Exchange an enrollment token for a host and its agent token (agents only)",
                   [&deps, limiter](ApiRequest& req) { return Enroll(req, deps, *limiter); });
}

}  // namespace rmgr::server::api

#include "server/api/enrollment_handlers.h"

#include "server/api/api_schema.h"
#include "server/api/api_support.h"
#include "server/api/json_views.h"
#include "server/auth/credentials.h"

namespace rmgr::server::api {
namespace {

namespace beast_http = http::beast_http;

//! Prefix of enrollment tokens (API tokens are rmt_, so the two never mix).
constexpr std::string_view kTokenPrefix = "rme_";
constexpr int64_t kDefaultTtlSeconds = 86400;

struct CreateTokenBody {
  std::string name;
  std::optional<std::string> host_id;
  std::optional<int64_t> ttl_seconds;
};
template <class F>
void Fields(F& f, schema::Is<CreateTokenBody> auto& b) {
  f("name", b.name, kNameRule);
  f("host_id", b.host_id, kIdRule);
  f("ttl_seconds", b.ttl_seconds, schema::Int{.min = 60, .max = 2592000});
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
  auto made = deps.store.Write([&](store::WriteTx& tx) -> Result<store::EnrollmentToken> {
    if (fresh.host_id) {
      if (auto host = tx.GetHost(*fresh.host_id); !host) return BadReference(host.error(), "host_id");
    }
    auto created = tx.CreateEnrollmentToken(fresh);
    if (!created) return created;
    boost::json::object detail{{"name", created->name}, {"expires_at", TimeJson(created->expires_at)}};
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

}  // namespace

void RegisterEnrollmentRoutes(ApiRoutes& routes, ApiDeps& deps) {
  routes.Add(beast_http::verb::get, "/enrollment-tokens", Role::kOperator, "List enrollment tokens",
             [&deps](ApiRequest& req) { return ListTokens(req, deps); });
  routes.Add(beast_http::verb::post, "/enrollment-tokens", Role::kOperator,
             "Create an enrollment token (the token is shown once)",
             [&deps](ApiRequest& req) { return CreateToken(req, deps); });
  routes.Add(beast_http::verb::delete_, "/enrollment-tokens/{id}", Role::kOperator, "Revoke an enrollment token",
             [&deps](ApiRequest& req) { return RevokeToken(req, deps); });
}

}  // namespace rmgr::server::api

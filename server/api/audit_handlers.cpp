#include "server/api/audit_handlers.h"

#include "server/api/api_support.h"
#include "server/views/json_views.h"

namespace rmgr::server::api {

using namespace views;  // NOLINT(google-build-using-namespace): the JSON views of store records
namespace {

namespace beast_http = http::beast_http;

Result<store::AuditFilter> AuditFilterOf(const ApiRequest& req) {
  store::AuditFilter filter;
  auto actor_kind = EnumParam<store::ActorKind>(req, "actor_kind");
  if (!actor_kind) return actor_kind.error();
  filter.actor_kind = *actor_kind;
  for (auto [name, slot] : {std::pair{"actor_id", &filter.actor_id}, std::pair{"action", &filter.action},
                            std::pair{"target_kind", &filter.target_kind}, std::pair{"target_id", &filter.target_id}}) {
    auto text = TextParam(req, name);
    if (!text) return text.error();
    *slot = std::move(*text);
  }
  auto from = TimeParam(req, "from");
  if (!from) return from.error();
  filter.from = *from;
  auto to = TimeParam(req, "to");
  if (!to) return to.error();
  filter.to = *to;
  return filter;
}

http::Response ListAudit(ApiRequest& req, ApiDeps& deps) {
  auto page = PageParams(req);
  if (!page) return ApiError(page.error());
  auto filter = AuditFilterOf(req);
  if (!filter) return ApiError(filter.error());
  auto entries = deps.store.Read([&](store::ReadTx& tx) { return tx.ListAudit(*filter, *page); });
  if (!entries) return ApiError(entries.error());
  boost::json::array items;
  items.reserve(entries->items.size());
  for (const auto& entry : entries->items) items.emplace_back(AuditJson(entry));
  return ListResponse(std::move(items), entries->next_cursor);
}

}  // namespace

void RegisterAuditRoutes(ApiRoutes& routes, ApiDeps& deps) {
  routes.Add(beast_http::verb::get, "/audit", Role::kViewer,
             "List audit entries, newest first (actor, action, target, from/to filter)",
             [&deps](ApiRequest& req) { return ListAudit(req, deps); });
}

}  // namespace rmgr::server::api

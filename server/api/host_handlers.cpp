#include "server/api/host_handlers.h"

#include "server/api/api_schema.h"
#include "server/api/api_support.h"
#include "server/views/json_views.h"

namespace rmgr::server::api {

using namespace views;  // NOLINT(google-build-using-namespace): the JSON views of store records
namespace {

namespace beast_http = http::beast_http;


struct CreateHostBody {
  std::string name;
  std::optional<std::string> mode;
  std::optional<labels::Labels> labels;
};
template <class F>
void Fields(F& f, schema::Is<CreateHostBody> auto& b) {
  f("name", b.name, kNameRule);
  f("mode", b.mode, kHostModeRule);
  f("labels", b.labels, kLabelsRule);
}

struct PatchHostBody {
  std::optional<std::string> name;
  std::optional<std::string> mode;
  std::optional<labels::Labels> labels;
};
template <class F>
void Fields(F& f, schema::Is<PatchHostBody> auto& b) {
  f("name", b.name, kNameRule);
  f("mode", b.mode, kHostModeRule);
  f("labels", b.labels, kLabelsRule);
}

http::Response ListHosts(ApiRequest& req, ApiDeps& deps) {
  auto page = PageParams(req);
  if (!page) return ApiError(page.error());
  auto query = TextParam(req, "q");
  if (!query) return ApiError(query.error());
  auto selector_text = TextParam(req, "selector");
  if (!selector_text) return ApiError(selector_text.error());
  auto selector = labels::Selector::Parse(selector_text->value_or(std::string{}));
  if (!selector) return ApiError(selector.error());
  const store::HostFilter filter{query->value_or(std::string{}), std::move(*selector)};
  auto hosts = deps.store.Read([&](store::ReadTx& tx) { return tx.SearchHosts(filter, *page); });
  if (!hosts) return ApiError(hosts.error());
  boost::json::array items;
  items.reserve(hosts->items.size());
  for (const auto& host : hosts->items) items.emplace_back(HostJson(host));
  return ListResponse(std::move(items), hosts->next_cursor);
}

http::Response GetHost(ApiRequest& req, ApiDeps& deps) {
  auto host = deps.store.Read([&](store::ReadTx& tx) { return tx.GetHost(req.Param("id")); });
  if (!host) return ApiError(host.error());
  return Json(http::Status::ok, HostJson(*host));
}

http::Response CreateHost(ApiRequest& req, ApiDeps& deps) {
  auto body = req.Body<CreateHostBody>();
  if (!body) return ApiError(body.error());
  store::NewHost host;
  host.name = body->name;
  host.always_on = body->mode.value_or("always_on") == "always_on";
  host.labels = body->labels.value_or(labels::Labels{});
  auto made = deps.store.Write([&](store::WriteTx& tx) -> Result<store::Host> {
    auto created = tx.CreateHost(host);
    if (!created) return created;
    auto logged = AppendAudit(tx, req.Audit("host.create", "host", created->id,
                                            {{"name", created->name},
                                             {"mode", created->always_on ? "always_on" : "intermittent"},
                                             {"labels", LabelsJson(created->labels)}}));
    if (!logged) return logged.error();
    return created;
  });
  if (!made) return ApiError(made.error());
  return Json(http::Status::created, HostJson(*made));
}

http::Response PatchHost(ApiRequest& req, ApiDeps& deps) {
  auto body = req.Body<PatchHostBody>();
  if (!body) return ApiError(body.error());
  const std::string& id = req.Param("id");
  auto updated = deps.store.Write([&](store::WriteTx& tx) -> Result<store::Host> {
    auto host = tx.GetHost(id);
    if (!host) return host;
    boost::json::object detail;
    if (body->name && *body->name != host->name) {
      detail["old_name"] = host->name;
      detail["name"] = *body->name;
      auto renamed = tx.RenameHost(id, *body->name);
      if (!renamed) return renamed;
    }
    if (body->mode) {
      detail["mode"] = *body->mode;
      if (auto set = tx.SetHostAlwaysOn(id, *body->mode == "always_on"); !set) return set.error();
    }
    if (body->labels && *body->labels != host->labels) {
      detail["old_labels"] = LabelsJson(host->labels);
      detail["labels"] = LabelsJson(*body->labels);
      if (auto set = tx.SetHostLabels(id, *body->labels); !set) return set.error();
    }
    if (auto logged = AppendAudit(tx, req.Audit("host.update", "host", id, std::move(detail))); !logged) {
      return logged.error();
    }
    return tx.GetHost(id);
  });
  if (!updated) return ApiError(updated.error());
  return Json(http::Status::ok, HostJson(*updated));
}

http::Response DeleteHost(ApiRequest& req, ApiDeps& deps) {
  const std::string& id = req.Param("id");
  auto deleted = deps.store.Write([&](store::WriteTx& tx) -> Result<void> {
    auto host = tx.GetHost(id);
    if (!host) return host.error();
    if (auto gone = tx.DeleteHost(id); !gone) return gone;
    return AppendAudit(tx, req.Audit("host.delete", "host", id, {{"name", host->name}}));
  });
  if (!deleted) return ApiError(deleted.error());
  deps.agents->HostDeleted(id);  // its agent is told, and stops firing
  return NoContent();
}

}  // namespace

void RegisterHostRoutes(ApiRoutes& routes, ApiDeps& deps) {
  routes.Add(beast_http::verb::get, "/hosts", Role::kViewer,
             "List hosts (q: substring of name or hostname; selector: labels)",
             [&deps](ApiRequest& req) { return ListHosts(req, deps); });
  routes.Add(beast_http::verb::post, "/hosts", Role::kOperator, "Pre-register a host",
             [&deps](ApiRequest& req) { return CreateHost(req, deps); });
  routes.Add(beast_http::verb::get, "/hosts/{id}", Role::kViewer, "Get a host",
             [&deps](ApiRequest& req) { return GetHost(req, deps); });
  routes.Add(beast_http::verb::patch, "/hosts/{id}", Role::kOperator,
             "Rename a host, change its mode or replace its labels",
             [&deps](ApiRequest& req) { return PatchHost(req, deps); });
  routes.Add(beast_http::verb::delete_, "/hosts/{id}", Role::kAdmin,
             "Delete a host with its groups, schedules and jobs",
             [&deps](ApiRequest& req) { return DeleteHost(req, deps); });
}

}  // namespace rmgr::server::api

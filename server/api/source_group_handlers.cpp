#include "server/api/source_group_handlers.h"

#include "server/api/api_schema.h"
#include "server/api/api_support.h"
#include "server/views/json_views.h"

namespace rmgr::server::api {

using namespace views;  // NOLINT(google-build-using-namespace): the JSON views of store records
namespace {

namespace beast_http = http::beast_http;

struct CreateGroupBody {
  std::string host_id;
  std::string name;
  std::vector<std::string> paths;
  std::optional<std::vector<std::string>> excludes;
  std::optional<std::vector<std::string>> tags;
};
template <class F>
void Fields(F& f, schema::Is<CreateGroupBody> auto& b) {
  f("host_id", b.host_id, kIdRule);
  f("name", b.name, kNameRule);
  f("paths", b.paths, kPathsRule);
  f("excludes", b.excludes, kPathsRule);
  f("tags", b.tags, kTagsRule);
  f.Expect(!b.paths.empty(), ErrorCode::kOutOfRange, "paths", "a source group needs at least one path");
}

struct PatchGroupBody {
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> paths;
  std::optional<std::vector<std::string>> excludes;
  std::optional<std::vector<std::string>> tags;
};
template <class F>
void Fields(F& f, schema::Is<PatchGroupBody> auto& b) {
  f("name", b.name, kNameRule);
  f("paths", b.paths, kPathsRule);
  f("excludes", b.excludes, kPathsRule);
  f("tags", b.tags, kTagsRule);
  f.Expect(!b.paths || !b.paths->empty(), ErrorCode::kOutOfRange, "paths", "a source group needs at least one path");
}

// Paths must be absolute; exclude patterns may be relative (restic matches
// them anywhere) but obey the rest of the path rule.
Result<void> CheckGroup(const store::SourceGroup& group) {
  if (auto ok = CheckPaths(group.paths, "paths", true); !ok) return ok;
  return CheckPaths(group.excludes, "excludes", false);
}

// What a group change records: its name and paths (no secrets live here).
boost::json::object GroupDetail(const store::SourceGroup& group) {
  boost::json::array paths;
  for (const auto& path : group.paths) paths.emplace_back(path);
  return boost::json::object{{"name", group.name}, {"host_id", group.host_id}, {"paths", std::move(paths)}};
}

// Every source-group change bumps its host's canonical schedule version in
// the same transaction (the agent re-reads what its schedules point at).
Result<void> BumpAndAudit(store::WriteTx& tx, const ApiRequest& req, std::string action,
                          const store::SourceGroup& group) {
  auto version = tx.BumpHostScheduleVersion(group.host_id);
  if (!version) return version.error();
  boost::json::object detail = GroupDetail(group);
  detail["schedule_version"] = *version;
  return AppendAudit(tx, req.Audit(std::move(action), "source_group", group.id, std::move(detail)));
}

http::Response ListGroups(ApiRequest& req, ApiDeps& deps) {
  auto page = PageParams(req);
  if (!page) return ApiError(page.error());
  auto host_id = TextParam(req, "host_id");
  if (!host_id) return ApiError(host_id.error());
  auto groups = deps.store.Read([&](store::ReadTx& tx) { return tx.ListSourceGroupsPage(*host_id, *page); });
  if (!groups) return ApiError(groups.error());
  boost::json::array items;
  items.reserve(groups->items.size());
  for (const auto& group : groups->items) items.emplace_back(SourceGroupJson(group));
  return ListResponse(std::move(items), groups->next_cursor);
}

http::Response GetGroup(ApiRequest& req, ApiDeps& deps) {
  auto group = deps.store.Read([&](store::ReadTx& tx) { return tx.GetSourceGroupById(req.Param("id")); });
  if (!group) return ApiError(group.error());
  return Json(http::Status::ok, SourceGroupJson(*group));
}

http::Response CreateGroup(ApiRequest& req, ApiDeps& deps) {
  auto body = req.Body<CreateGroupBody>();
  if (!body) return ApiError(body.error());
  store::SourceGroup group;
  group.host_id = body->host_id;
  group.name = body->name;
  group.paths = body->paths;
  group.excludes = body->excludes.value_or(std::vector<std::string>{});
  group.tags = body->tags.value_or(std::vector<std::string>{});
  if (auto ok = CheckGroup(group); !ok) return ApiError(ok.error());
  auto made = deps.store.Write([&](store::WriteTx& tx) -> Result<store::SourceGroup> {
    if (auto host = tx.GetHost(group.host_id); !host) return BadReference(host.error(), "host_id");
    auto created = tx.CreateSourceGroup(group);
    if (!created) return created;
    if (auto done = BumpAndAudit(tx, req, "source_group.create", *created); !done) return done.error();
    return created;
  });
  if (!made) return ApiError(made.error());
  deps.agents->SchedulesChanged(made->host_id);
  return Json(http::Status::created, SourceGroupJson(*made));
}

http::Response PatchGroup(ApiRequest& req, ApiDeps& deps) {
  auto body = req.Body<PatchGroupBody>();
  if (!body) return ApiError(body.error());
  const std::string& id = req.Param("id");
  auto updated = deps.store.Write([&](store::WriteTx& tx) -> Result<store::SourceGroup> {
    auto group = tx.GetSourceGroupById(id);
    if (!group) return group;
    if (body->name) group->name = *body->name;
    if (body->paths) group->paths = *body->paths;
    if (body->excludes) group->excludes = *body->excludes;
    if (body->tags) group->tags = *body->tags;
    if (auto ok = CheckGroup(*group); !ok) return ok.error();
    auto stored = tx.UpdateSourceGroup(*group);
    if (!stored) return stored;
    if (auto done = BumpAndAudit(tx, req, "source_group.update", *stored); !done) return done.error();
    return stored;
  });
  if (!updated) return ApiError(updated.error());
  deps.agents->SchedulesChanged(updated->host_id);
  return Json(http::Status::ok, SourceGroupJson(*updated));
}

http::Response DeleteGroup(ApiRequest& req, ApiDeps& deps) {
  const std::string& id = req.Param("id");
  auto deleted = deps.store.Write([&](store::WriteTx& tx) -> Result<std::string> {
    auto group = tx.GetSourceGroupById(id);
    if (!group) return group.error();
    if (auto gone = tx.DeleteSourceGroup(group->host_id, id); !gone) {
      return ExplainConstraint(gone.error(), "the source group is still used by a schedule");
    }
    if (auto done = BumpAndAudit(tx, req, "source_group.delete", *group); !done) return done.error();
    return group->host_id;
  });
  if (!deleted) return ApiError(deleted.error());
  deps.agents->SchedulesChanged(*deleted);
  return NoContent();
}

}  // namespace

void RegisterSourceGroupRoutes(ApiRoutes& routes, ApiDeps& deps) {
  routes.Add(beast_http::verb::get, "/source-groups", Role::kViewer, "List source groups (host_id filters)",
             [&deps](ApiRequest& req) { return ListGroups(req, deps); });
  routes.Add(beast_http::verb::post, "/source-groups", Role::kOperator, "Create a source group on a host",
             [&deps](ApiRequest& req) { return CreateGroup(req, deps); });
  routes.Add(beast_http::verb::get, "/source-groups/{id}", Role::kViewer, "Get a source group",
             [&deps](ApiRequest& req) { return GetGroup(req, deps); });
  routes.Add(beast_http::verb::patch, "/source-groups/{id}", Role::kOperator,
             "Change a source group's name, paths, excludes or tags",
             [&deps](ApiRequest& req) { return PatchGroup(req, deps); });
  routes.Add(beast_http::verb::delete_, "/source-groups/{id}", Role::kOperator,
             "Delete a source group no schedule uses",
             [&deps](ApiRequest& req) { return DeleteGroup(req, deps); });
}

}  // namespace rmgr::server::api

#include "server/api/repository_handlers.h"

#include <algorithm>
#include <vector>

#include "common/schema/secret.h"
#include "server/api/api_schema.h"
#include "server/api/api_support.h"
#include "server/auth/secret_box.h"
#include "server/scheduling/repository_leases.h"
#include "server/views/json_views.h"

namespace rmgr::server::api {

using namespace views;  // NOLINT(google-build-using-namespace): the JSON views of store records
namespace {

namespace beast_http = http::beast_http;

constexpr schema::Text kUrlRule{
    .min = 1, .max = lim::kMaxUrlBytes, .shape = &IsSingleLine, .shape_name = "a single line of text"};
constexpr schema::Text kPasswordRule{.min = 1, .max = lim::kMaxSecretBytes};
// Shared-repository settings (server/scheduling/repository_leases.h); the
// cron and duration are checked together by ValidateMaintenanceWindow.
constexpr schema::Int kMaxBackupsRule{.min = 0, .max = 1000};
constexpr schema::Text kMaintenanceCronRule{.min = 0, .max = lim::kMaxCronBytes};
constexpr schema::Int kMaintenanceMinutesRule{.min = 0, .max = 7 * 24 * 60};

// The password is a schema::Secret: it formats as "<redacted>" should it
// ever reach a log line, and leaves this file only sealed.
struct CreateRepositoryBody {
  std::string name;
  std::string url;
  schema::Secret password;
  std::optional<int64_t> max_concurrent_backups;
  std::optional<std::string> maintenance_cron;
  std::optional<int64_t> maintenance_minutes;
};
template <class F>
void Fields(F& f, schema::Is<CreateRepositoryBody> auto& b) {
  f("name", b.name, kNameRule);
  f("url", b.url, kUrlRule);
  f("password", b.password, kPasswordRule);
  f("max_concurrent_backups", b.max_concurrent_backups, kMaxBackupsRule);
  f("maintenance_cron", b.maintenance_cron, kMaintenanceCronRule);
  f("maintenance_minutes", b.maintenance_minutes, kMaintenanceMinutesRule);
}

struct PatchRepositoryBody {
  std::optional<std::string> name;
  std::optional<std::string> url;
  std::optional<schema::Secret> password;
  std::optional<int64_t> max_concurrent_backups;
  std::optional<std::string> maintenance_cron;
  std::optional<int64_t> maintenance_minutes;
};
template <class F>
void Fields(F& f, schema::Is<PatchRepositoryBody> auto& b) {
  f("name", b.name, kNameRule);
  f("url", b.url, kUrlRule);
  f("password", b.password, kPasswordRule);
  f("max_concurrent_backups", b.max_concurrent_backups, kMaxBackupsRule);
  f("maintenance_cron", b.maintenance_cron, kMaintenanceCronRule);
  f("maintenance_minutes", b.maintenance_minutes, kMaintenanceMinutesRule);
}

// Applies the shared-repository settings of a create or patch body (absent
// fields keep their value; a cron set to "" clears the window and its
// duration) and names the changed ones; kInvalidArgument for a bad window.
template <class Body>
Result<void> ApplySharing(const Body& body, store::Repository& repository, boost::json::array& changed) {
  if (body.max_concurrent_backups) {
    repository.max_concurrent_backups = static_cast<int>(*body.max_concurrent_backups);
    changed.emplace_back("max_concurrent_backups");
  }
  if (body.maintenance_cron) {
    repository.maintenance_cron = *body.maintenance_cron;
    if (body.maintenance_cron->empty()) repository.maintenance_minutes = 0;
    changed.emplace_back("maintenance_cron");
  }
  if (body.maintenance_minutes) {
    repository.maintenance_minutes = static_cast<int>(*body.maintenance_minutes);
    changed.emplace_back("maintenance_minutes");
  }
  return scheduling::ValidateMaintenanceWindow({repository.maintenance_cron, repository.maintenance_minutes});
}

// The shared-repository settings, for the audit entry.
void SharingDetail(const store::Repository& repository, boost::json::object& detail) {
  detail["max_concurrent_backups"] = repository.max_concurrent_backups;
  detail["maintenance_cron"] = repository.maintenance_cron;
  detail["maintenance_minutes"] = repository.maintenance_minutes;
}

void Seal(const ApiDeps& deps, const schema::Secret& password, store::Repository& repository) {
  auth::SealedSecret sealed = deps.secrets.Seal(password.Reveal());
  repository.secret_ciphertext = std::move(sealed.ciphertext);
  repository.secret_nonce = std::move(sealed.nonce);
}

// A repository with its newest size from a stats job (null before the first).
boost::json::object WithLatestStats(const store::Repository& repository,
                                    const std::vector<store::RepositoryStatsRow>& latest) {
  boost::json::object out = RepositoryJson(repository);
  const auto row = std::find_if(latest.begin(), latest.end(),
                                [&](const auto& r) { return r.repository_id == repository.id; });
  out["latest_stats"] =
      row == latest.end() ? boost::json::value(nullptr) : boost::json::value(RepositoryStatsJson(*row));
  return out;
}

http::Response ListRepositories(ApiRequest& req, ApiDeps& deps) {
  auto page = PageParams(req);
  if (!page) return ApiError(page.error());
  std::vector<store::RepositoryStatsRow> latest;
  auto repositories = deps.store.Read([&](store::ReadTx& tx) -> Result<store::Page<store::Repository>> {
    auto sizes = tx.ListLatestRepositoryStats();
    if (!sizes) return sizes.error();
    latest = std::move(*sizes);
    return tx.ListRepositoriesPage(*page);
  });
  if (!repositories) return ApiError(repositories.error());
  boost::json::array items;
  items.reserve(repositories->items.size());
  for (const auto& repository : repositories->items) items.emplace_back(WithLatestStats(repository, latest));
  return ListResponse(std::move(items), repositories->next_cursor);
}

http::Response GetRepository(ApiRequest& req, ApiDeps& deps) {
  std::vector<store::RepositoryStatsRow> latest;
  auto repository = deps.store.Read([&](store::ReadTx& tx) -> Result<store::Repository> {
    auto sizes = tx.ListLatestRepositoryStats();
    if (!sizes) return sizes.error();
    latest = std::move(*sizes);
    return tx.GetRepository(req.Param("id"));
  });
  if (!repository) return ApiError(repository.error());
  return Json(http::Status::ok, WithLatestStats(*repository, latest));
}

http::Response CreateRepository(ApiRequest& req, ApiDeps& deps) {
  auto body = req.Body<CreateRepositoryBody>();
  if (!body) return ApiError(body.error());
  store::Repository repository;
  repository.name = body->name;
  repository.url = body->url;
  boost::json::array sharing;
  if (auto ok = ApplySharing(*body, repository, sharing); !ok) return ApiError(ok.error());
  Seal(deps, body->password, repository);
  auto made = deps.store.Write([&](store::WriteTx& tx) -> Result<store::Repository> {
    auto created = tx.CreateRepository(repository);
    if (!created) return created;
    // The URL may carry credentials (rest:https://user:pass@...): not audited.
    boost::json::object detail{{"name", created->name}};
    SharingDetail(*created, detail);
    auto logged =
        AppendAudit(tx, req.Audit("repository.create", "repository", created->id, std::move(detail)));
    if (!logged) return logged.error();
    return created;
  });
  if (!made) return ApiError(made.error());
  return Json(http::Status::created, WithLatestStats(*made, {}));
}

http::Response PatchRepository(ApiRequest& req, ApiDeps& deps) {
  auto body = req.Body<PatchRepositoryBody>();
  if (!body) return ApiError(body.error());
  const std::string& id = req.Param("id");
  // Sealing is done before the transaction: it is slow-ish and needs no store.
  store::Repository sealed;
  if (body->password) Seal(deps, *body->password, sealed);
  std::vector<store::HostVersion> bumped_hosts;   // set by the (possibly re-run) transaction
  std::vector<store::RepositoryStatsRow> latest;  // likewise
  auto updated = deps.store.Write([&](store::WriteTx& tx) -> Result<store::Repository> {
    auto repository = tx.GetRepository(id);
    if (!repository) return repository;
    boost::json::array changed;
    if (body->name) {
      repository->name = *body->name;
      changed.emplace_back("name");
    }
    if (body->url) {
      repository->url = *body->url;
      changed.emplace_back("url");
    }
    if (body->password) {
      repository->secret_ciphertext = sealed.secret_ciphertext;
      repository->secret_nonce = sealed.secret_nonce;
      changed.emplace_back("password");
    }
    if (auto ok = ApplySharing(*body, *repository, changed); !ok) return ok.error();
    auto bumped = tx.UpdateRepository(*repository);
    if (!bumped) return bumped.error();
    boost::json::array hosts;
    for (const auto& host : *bumped) hosts.emplace_back(host.host_id);
    bumped_hosts = *bumped;
    boost::json::object detail{
        {"name", repository->name}, {"changed", std::move(changed)}, {"bumped_hosts", std::move(hosts)}};
    SharingDetail(*repository, detail);
    auto logged = AppendAudit(tx, req.Audit("repository.update", "repository", id, std::move(detail)));
    if (!logged) return logged.error();
    auto sizes = tx.ListLatestRepositoryStats();
    if (!sizes) return sizes.error();
    latest = std::move(*sizes);
    return tx.GetRepository(id);
  });
  if (!updated) return ApiError(updated.error());
  for (const auto& host : bumped_hosts) deps.agents->SchedulesChanged(host.host_id);
  return Json(http::Status::ok, WithLatestStats(*updated, latest));
}

http::Response DeleteRepository(ApiRequest& req, ApiDeps& deps) {
  const std::string& id = req.Param("id");
  auto deleted = deps.store.Write([&](store::WriteTx& tx) -> Result<void> {
    auto repository = tx.GetRepository(id);
    if (!repository) return repository.error();
    if (auto gone = tx.DeleteRepository(id); !gone) {
      return ExplainConstraint(gone.error(), "the repository is still used by a schedule");
    }
    return AppendAudit(tx, req.Audit("repository.delete", "repository", id, {{"name", repository->name}}));
  });
  if (!deleted) return ApiError(deleted.error());
  return NoContent();
}

http::Response ListSnapshots(ApiRequest& req, ApiDeps& deps) {
  auto page = PageParams(req);
  if (!page) return ApiError(page.error());
  auto host_id = TextParam(req, "host_id");
  if (!host_id) return ApiError(host_id.error());
  const store::SnapshotFilter filter{req.Param("id"), *host_id};
  auto snapshots = deps.store.Read([&](store::ReadTx& tx) -> Result<store::Page<store::Snapshot>> {
    if (auto repository = tx.GetRepository(filter.repository_id); !repository) return repository.error();
    return tx.ListSnapshots(filter, *page);
  });
  if (!snapshots) return ApiError(snapshots.error());
  boost::json::array items;
  items.reserve(snapshots->items.size());
  for (const auto& snapshot : snapshots->items) items.emplace_back(SnapshotJson(snapshot));
  return ListResponse(std::move(items), snapshots->next_cursor);
}

}  // namespace

void RegisterRepositoryRoutes(ApiRoutes& routes, ApiDeps& deps) {
  routes.Add(beast_http::verb::get, "/repositories", Role::kViewer, "List repositories",
             [&deps](ApiRequest& req) { return ListRepositories(req, deps); });
  routes.Add(beast_http::verb::post, "/repositories", Role::kOperator,
             "Add a repository (the password is write-only)",
             [&deps](ApiRequest& req) { return CreateRepository(req, deps); });
  routes.Add(beast_http::verb::get, "/repositories/{id}", Role::kViewer, "Get a repository",
             [&deps](ApiRequest& req) { return GetRepository(req, deps); });
  routes.Add(beast_http::verb::patch, "/repositories/{id}", Role::kOperator,
             "Change a repository's name, URL or password",
             [&deps](ApiRequest& req) { return PatchRepository(req, deps); });
  routes.Add(beast_http::verb::delete_, "/repositories/{id}", Role::kOperator,
             "Delete a repository no schedule uses",
             [&deps](ApiRequest& req) { return DeleteRepository(req, deps); });
  routes.Add(beast_http::verb::get, "/repositories/{id}/snapshots", Role::kViewer,
             "List a repository's indexed snapshots (host_id filters)",
             [&deps](ApiRequest& req) { return ListSnapshots(req, deps); });
}

}  // namespace rmgr::server::api

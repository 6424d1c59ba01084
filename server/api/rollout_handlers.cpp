#include "server/api/rollout_handlers.h"

#include <set>

#include "common/labels/labels.h"
#include "common/update/release_version.h"
#include "server/api/api_schema.h"
#include "server/api/api_support.h"
#include "server/http/bearer_token.h"
#include "server/releases/release_catalog.h"
#include "server/views/json_views.h"
#include "server/ws/agent_authenticator.h"

namespace rmgr::server::api {
namespace {

namespace beast_http = http::beast_http;

constexpr int kMaxRolloutHosts = 10000;

struct StartRolloutBody {
  std::string version;
  std::optional<std::vector<std::string>> host_ids;
  std::optional<std::string> selector;
  std::optional<int64_t> wave_size;
};
template <class F>
void Fields(F& f, schema::Is<StartRolloutBody> auto& b) {
  f("version", b.version, schema::Text{.min = 1, .max = 64});
  f("host_ids", b.host_ids, schema::List{kMaxRolloutHosts, schema::Text{.min = 1, .max = 64}});
  f("selector", b.selector, schema::Text{.min = 0, .max = 1024});
  f("wave_size", b.wave_size, schema::Int{.min = 1, .max = kMaxRolloutHosts});
}

boost::json::value TimeOrNull(const std::optional<TimePoint>& at) {
  return at ? boost::json::value(FormatRfc3339Utc(*at)) : boost::json::value(nullptr);
}

boost::json::object RolloutJson(const store::Rollout& r) {
  boost::json::array hosts;
  int64_t waves = 0;
  for (const auto& h : r.hosts) {
    waves = std::max(waves, h.wave + 1);
    hosts.emplace_back(boost::json::object{{"host_id", h.host_id},
                                           {"host_name", h.host_name},
                                           {"wave", h.wave},
                                           {"state", store::ToString(h.state)},
                                           {"from_version", h.from_version},
                                           {"error", h.error},
                                           {"deadline_at", TimeOrNull(h.deadline_at)},
                                           {"updated_at", FormatRfc3339Utc(h.updated_at)}});
  }
  return boost::json::object{{"id", r.id},
                             {"version", r.version},
                             {"wave_size", r.wave_size},
                             {"waves", waves},
                             {"selector", r.selector},
                             {"state", store::ToString(r.state)},
                             {"error", r.error},
                             {"created_by", r.created_by},
                             {"created_at", FormatRfc3339Utc(r.created_at)},
                             {"finished_at", TimeOrNull(r.finished_at)},
                             {"hosts", std::move(hosts)}};
}

http::Response ListReleases(ApiDeps& deps) {
  boost::json::array items;
  if (deps.releases != nullptr) {
    for (const auto& release : deps.releases->List()) {
      items.emplace_back(boost::json::object{{"version", release.version},
                                             {"os", release.os},
                                             {"arch", release.arch},
                                             {"size", release.size},
                                             {"sha256", release.sha256},
                                             {"signature", release.signature},
                                             {"published_at", release.published_at}});
    }
  }
  return Json(http::Status::ok, boost::json::object{{"server_version", update::kBuildVersion},
                                                    {"update_key", deps.update_key},
                                                    {"items", std::move(items)}});
}

// Agents only: the bundle as published, for the host token's bearer, streamed from its file.
http::Outcome DownloadBundle(ApiRequest& req, ApiDeps& deps) {
  const auto auth = req.http.request[beast_http::field::authorization];
  auto agent =
      ws::AuthenticateAgent(deps.store, http::BearerToken(std::string_view(auth.data(), auth.size())));
  if (!agent) return ApiError(agent.error());
  if (deps.releases == nullptr) return ApiError(MakeError(ErrorCode::kNotFound, "no agent releases"));
  auto release = deps.releases->Find(req.Param("version"));
  if (!release) return ApiError(release.error());
  http::FileResponse response{http::Status::ok, 11};
  boost::beast::error_code ec;
  response.body().open(deps.releases->BundlePath(release->version).c_str(), boost::beast::file_mode::scan,
                       ec);
  if (ec) {
    return ApiError(MakeError(ErrorCode::kNotFound, "the bundle of release " + release->version +
                                                        " cannot be read on the server: " + ec.message()));
  }
  response.set(beast_http::field::content_type, "application/octet-stream");
  response.set(beast_http::field::cache_control, "no-store");
  return response;
}

// The hosts a rollout covers, in order: the ids as given, the selector's matches, or every host.
Result<std::vector<std::string>> ResolveHosts(ApiDeps& deps, const StartRolloutBody& body) {
  if (body.host_ids && body.selector) {
    return MakeError(ErrorCode::kInvalidArgument, "give host_ids or selector, not both", "selector");
  }
  return deps.store.Read([&](store::ReadTx& tx) -> Result<std::vector<std::string>> {
    std::vector<std::string> ids;
    if (body.host_ids) {
      for (const auto& id : *body.host_ids) {
        auto host = tx.GetHost(id);
        if (!host) return MakeError(ErrorCode::kInvalidArgument, "no host " + id, "host_ids");
        ids.push_back(id);
      }
    } else {
      auto selector = labels::Selector::Parse(body.selector.value_or(""));
      if (!selector) return selector.error();
      store::HostFilter filter{"", std::move(*selector)};
      store::PageRequest page;
      page.limit = 200;
      for (;;) {
        auto hosts = tx.SearchHosts(filter, page);
        if (!hosts) return hosts.error();
        for (const auto& host : hosts->items) ids.push_back(host.id);
        if (hosts->next_cursor.empty()) break;
        page.cursor = hosts->next_cursor;
      }
    }
    if (ids.empty()) return MakeError(ErrorCode::kInvalidArgument, "no host matches", "host_ids");
    return ids;
  });
}

http::Response StartRollout(ApiRequest& req, ApiDeps& deps) {
  auto body = req.Body<StartRolloutBody>();
  if (!body) return ApiError(body.error());
  if (deps.releases == nullptr)
    return ApiError(MakeError(ErrorCode::kNotFound, "no agent releases", "version"));
  auto release = deps.releases->Find(body->version);
  if (!release) {
    return ApiError(MakeError(ErrorCode::kInvalidArgument,
                              "agent release " + body->version +
                                  " is not published (restic-manager-server "
                                  "publish-agent)",
                              "version"));
  }
  auto hosts = ResolveHosts(deps, *body);
  if (!hosts) return ApiError(hosts.error());
  store::NewRollout rollout;
  rollout.version = release->version;
  rollout.bundle_path = releases::ReleaseCatalog::DownloadPath(release->version);
  rollout.bundle_size = static_cast<int64_t>(release->size);
  rollout.bundle_sha256 = release->sha256;
  rollout.signature = release->signature;
  rollout.wave_size = body->wave_size.value_or(1);
  rollout.selector = body->selector.value_or("");
  rollout.created_by = req.caller().user_id;
  rollout.host_ids = std::move(*hosts);
  auto made = deps.store.Write([&](store::WriteTx& tx) -> Result<store::Rollout> {
    // One at a time: two rollouts updating one host would race each other's versions.
    auto running = tx.ListRunningRollouts();
    if (!running) return running.error();
    for (const auto& id : *running) {
      auto other = tx.GetRollout(id);
      if (other && other->state == store::RolloutState::kRunning) {
        return MakeError(ErrorCode::kConflict, "rollout " + id + " is still running; cancel it or wait");
      }
    }
    auto created = tx.CreateRollout(rollout);
    if (!created) return created;
    auto logged = AppendAudit(tx, req.Audit("rollout.start", "rollout", created->id,
                                            {{"version", created->version},
                                             {"wave_size", created->wave_size},
                                             {"selector", created->selector},
                                             {"hosts", static_cast<int64_t>(created->hosts.size())}}));
    if (!logged) return logged.error();
    return created;
  });
  if (!made) return ApiError(made.error());
  deps.agents->RolloutsChanged();
  return Json(http::Status::created, RolloutJson(*made));
}

http::Response ListRollouts(ApiDeps& deps) {
  auto rollouts = deps.store.Read([](store::ReadTx& tx) { return tx.ListRollouts(50); });
  if (!rollouts) return ApiError(rollouts.error());
  boost::json::array items;
  for (const auto& r : *rollouts) items.emplace_back(RolloutJson(r));
  return ListResponse(std::move(items), "");
}

http::Response GetRollout(ApiRequest& req, ApiDeps& deps) {
  auto rollout = deps.store.Read([&](store::ReadTx& tx) { return tx.GetRollout(req.Param("id")); });
  if (!rollout) return ApiError(rollout.error());
  return Json(http::Status::ok, RolloutJson(*rollout));
}

// Pending hosts are skipped; hosts already updating are followed to their end.
http::Response CancelRollout(ApiRequest& req, ApiDeps& deps) {
  const std::string& id = req.Param("id");
  auto cancelled = deps.store.Write([&](store::WriteTx& tx) -> Result<store::Rollout> {
    auto rollout = tx.GetRollout(id);
    if (!rollout) return rollout;
    if (rollout->state != store::RolloutState::kRunning) {
      return MakeError(ErrorCode::kConflict,
                       "the rollout is " + std::string(store::ToString(rollout->state)));
    }
    for (const auto& host : rollout->hosts) {
      if (host.state != store::RolloutHostState::kPending) continue;
      auto set =
          tx.SetRolloutHostState(id, host.host_id, store::RolloutHostState::kSkipped, "", std::nullopt);
      if (!set) return set.error();
    }
    const std::string why = "cancelled by " + req.caller().username;
    if (auto set = tx.SetRolloutState(id, store::RolloutState::kCancelled, why); !set) return set.error();
    auto logged =
        AppendAudit(tx, req.Audit("rollout.cancel", "rollout", id, {{"version", rollout->version}}));
    if (!logged) return logged.error();
    return tx.GetRollout(id);
  });
  if (!cancelled) return ApiError(cancelled.error());
  deps.agents->RolloutsChanged();
  return Json(http::Status::ok, RolloutJson(*cancelled));
}

}  // namespace

void RegisterRolloutRoutes(ApiRoutes& routes, ApiDeps& deps) {
  routes.Add(beast_http::verb::get, "/agent-releases", Role::kViewer,
             "Published agent releases, the server's own version and its update signing key",
             [&deps](ApiRequest&) { return ListReleases(deps); });
  routes.AddPublic(beast_http::verb::get, "/agent/releases/{version}/bundle",
                   "Download a signed agent bundle (agents only: Authorization: Bearer <host token>)",
                   [&deps](ApiRequest& req) { return DownloadBundle(req, deps); });
  routes.Add(beast_http::verb::get, "/rollouts", Role::kViewer, "List agent rollouts, newest first",
             [&deps](ApiRequest&) { return ListRollouts(deps); });
  routes.Add(beast_http::verb::post, "/rollouts", Role::kAdmin,
             "Roll an agent release out to hosts (ids, a label selector, or all) in waves",
             [&deps](ApiRequest& req) { return StartRollout(req, deps); });
  routes.Add(beast_http::verb::get, "/rollouts/{id}", Role::kViewer, "Get a rollout with its hosts",
             [&deps](ApiRequest& req) { return GetRollout(req, deps); });
  routes.Add(beast_http::verb::post, "/rollouts/{id}/cancel", Role::kAdmin,
             "Stop a rollout: hosts not yet started are skipped",
             [&deps](ApiRequest& req) { return CancelRollout(req, deps); });
}

}  // namespace rmgr::server::api

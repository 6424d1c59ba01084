#include "server/api/stats_handlers.h"

#include <algorithm>

#include "server/api/api_support.h"
#include "server/scheduling/stats_planner.h"
#include "server/views/json_views.h"

namespace rmgr::server::api {

using namespace views;  // NOLINT(google-build-using-namespace): the JSON views of store records
namespace {

namespace beast_http = http::beast_http;

//! The default range of a series request: a year.
constexpr std::chrono::hours kDefaultSeriesSpan{366 * 24};

http::Response ListStats(ApiRequest& req, ApiDeps& deps) {
  auto since = TimeParam(req, "since");
  if (!since) return ApiError(since.error());
  const TimePoint from = since->value_or(deps.now() - kDefaultSeriesSpan);
  const std::string& id = req.Param("id");
  auto series = deps.store.Read([&](store::ReadTx& tx) -> Result<std::vector<store::RepositoryStatsRow>> {
    if (auto repository = tx.GetRepository(id); !repository) return repository.error();
    return tx.ListRepositoryStats(id, from, 0);
  });
  if (!series) return ApiError(series.error());
  boost::json::array items;
  items.reserve(series->size());
  for (const auto& row : *series) items.emplace_back(RepositoryStatsJson(row));
  return Json(http::Status::ok, boost::json::object{{"items", std::move(items)}});
}

http::Response RunStats(ApiRequest& req, ApiDeps& deps) {
  const std::string& id = req.Param("id");
  auto made = deps.store.Write([&](store::WriteTx& tx) -> Result<store::Job> {
    if (auto repository = tx.GetRepository(id); !repository) return repository.error();
    auto candidates = tx.ListStatsCandidates();
    if (!candidates) return candidates.error();
    const auto candidate =
        std::find_if(candidates->begin(), candidates->end(),
                     [&](const store::StatsCandidate& c) { return c.repository_id == id; });
    if (candidate == candidates->end()) return MakeError(ErrorCode::kNotFound, "repository not found");
    if (candidate->stats_job_open) {
      return MakeError(ErrorCode::kConflict, "a stats job of this repository is already queued or running");
    }
    auto host = scheduling::PickStatsHost(*candidate);
    if (!host) {
      return MakeError(ErrorCode::kConflict,
                       "no host has a schedule on this repository, so none can measure it");
    }
    auto job = tx.CreateJob(scheduling::NewStatsJob(scheduling::StatsPick{id, *host}, req.caller().actor_kind,
                                                    req.caller().actor_id));
    if (!job) return job;
    auto logged = AppendAudit(
        tx, req.Audit("repository.stats", "repository", id, {{"job_id", job->id}, {"host_id", *host}}));
    if (!logged) return logged.error();
    return job;
  });
  if (!made) return ApiError(made.error());
  deps.agents->JobsQueued(made->host_id);
  deps.events->Publish(events::Event{"job", JobJson(*made)});
  return Json(http::Status::created, JobJson(*made));
}

http::Response LatestDrills(ApiRequest&, ApiDeps& deps) {
  auto drills = deps.store.Read([](store::ReadTx& tx) { return tx.ListLastDrills(); });
  if (!drills) return ApiError(drills.error());
  boost::json::array items;
  items.reserve(drills->size());
  for (const auto& drill : *drills) {
    items.emplace_back(boost::json::object{{"host_id", drill.host_id}, {"job", JobJson(drill.job)}});
  }
  return Json(http::Status::ok, boost::json::object{{"items", std::move(items)}});
}

}  // namespace

void RegisterStatsRoutes(ApiRoutes& routes, ApiDeps& deps) {
  routes.Add(
      beast_http::verb::get, "/repositories/{id}/stats", Role::kViewer,
      "A repository's size series from its stats jobs, oldest first (since: RFC 3339, default a year ago)",
      [&deps](ApiRequest& req) { return ListStats(req, deps); });
  routes.Add(beast_http::verb::post, "/repositories/{id}/stats", Role::kOperator,
             "Measure a repository now: queue a stats job on a host that uses it",
             [&deps](ApiRequest& req) { return RunStats(req, deps); });
  routes.Add(beast_http::verb::get, "/drills/latest", Role::kViewer,
             "Each host's last finished restore drill",
             [&deps](ApiRequest& req) { return LatestDrills(req, deps); });
}

}  // namespace rmgr::server::api

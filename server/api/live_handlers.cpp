#include "server/api/live_handlers.h"

#include "common/protocol/enums.h"
#include "server/api/api_support.h"
#include "server/scheduling/repository_access.h"
#include "server/views/json_views.h"

namespace rmgr::server::api {

using namespace views;  // NOLINT(google-build-using-namespace): the JSON views of store records

namespace beast_http = http::beast_http;

namespace {

http::Outcome OpenEventStream(ApiRequest& req, Authenticator& auth, events::EventStreams& streams) {
  if (!streams.HasRoom()) {
    return http::ErrorResponse(http::Status::service_unavailable, "unavailable",
                               "too many open event streams");
  }
  const Principal who = req.caller();
  const std::string first = events::FormatEvent(events::Event{
      "ready", boost::json::object{{"user", boost::json::object{{"id", who.user_id},
                                                                {"username", who.username},
                                                                {"role", ToString(who.role)}}}}});
  // The request's credentials are checked again while the stream is open:
  // a logout, an expired session, a revoked token or session, a changed role,
  // or admins requiring TOTP of a user without it ends it.
  auto credentials = std::make_shared<http::Request>(req.http.request);
  auto recheck = [&auth, credentials, remote = req.http.remote_address, who]() {
    http::RequestContext ctx{*credentials, std::string(ApiRoutes::kPrefix) + "/events", {}, {}, remote};
    auto now = auth.Authenticate(ctx, false);
    return now && now->user_id == who.user_id && now->role == who.role && !now->totp_enrolment_required;
  };
  return http::Takeover{
      [&streams, role = who.role, first, recheck](tls::MaybeTlsStream stream, http::Request) {
        streams.Serve(std::move(stream), role, first, recheck);
      }};
}

boost::json::object BrowseEntryJson(const protocol::BrowseEntry& entry) {
  boost::json::object out;
  out["name"] = entry.name;
  out["type"] = protocol::ToString(entry.type);
  out["path"] = entry.path;
  out["size"] = entry.size;
  out["mtime"] = TimeJson(entry.mtime);
  out["permissions"] = entry.permissions;
  return out;
}

http::Response BrowseResponse(const Result<protocol::BrowseResult>& result, const std::string& path) {
  if (!result) {
    if (result.error().code == ErrorCode::kUnavailable) {
      return http::ErrorResponse(http::Status::gateway_timeout, "timeout", result.error().message);
    }
    return ApiError(result.error());
  }
  if (result->error) {
    return http::ErrorResponse(http::Status::unprocessable_entity, "browse_failed",
                               "the agent could not list this directory: " + *result->error);
  }
  boost::json::array entries;
  entries.reserve(result->entries.size());
  for (const auto& entry : result->entries) entries.emplace_back(BrowseEntryJson(entry));
  return Json(
      http::Status::ok,
      boost::json::object{{"path", path}, {"entries", std::move(entries)}, {"truncated", result->truncated}});
}

http::Outcome BrowseSnapshot(ApiRequest& req, ApiDeps& deps) {
  BrowseQuery query;
  query.host_id = req.Param("id");
  auto repository_id = TextParam(req, "repository_id");
  if (!repository_id) return ApiError(repository_id.error());
  auto snapshot_id = TextParam(req, "snapshot_id");
  if (!snapshot_id) return ApiError(snapshot_id.error());
  auto path = TextParam(req, "path");
  if (!path) return ApiError(path.error());
  if (!*repository_id)
    return ApiError(MakeError(ErrorCode::kMissingField, "repository_id is required", "repository_id"));
  if (!*snapshot_id)
    return ApiError(MakeError(ErrorCode::kMissingField, "snapshot_id is required", "snapshot_id"));
  query.repository_id = **repository_id;
  query.snapshot_id = **snapshot_id;
  query.path = path->value_or("/");
  // Listing a snapshot hands the repository's password to the host's agent
  // and shows file names: only through a host that uses the repository, and
  // written down (who, which host, repository, snapshot and directory).
  auto allowed = deps.store.Write([&](store::WriteTx& tx) -> Result<void> {
    if (auto host = tx.GetHost(query.host_id); !host) return host.error();
    if (auto repository = tx.GetRepository(query.repository_id); !repository) {
      return BadReference(repository.error(), "repository_id");
    }
    if (auto uses = scheduling::CheckHostUsesRepository(tx, query.host_id, query.repository_id); !uses) {
      return uses.error();
    }
    return AppendAudit(tx, req.Audit("snapshot.browse", "host", query.host_id,
                                     {{"repository_id", query.repository_id},
                                      {"snapshot_id", query.snapshot_id},
                                      {"path", query.path}}));
  });
  if (!allowed) return ApiError(allowed.error());
  return http::Deferred{[agents = deps.agents, query](http::Reply reply) {
    agents->Browse(query, [reply, path = query.path](Result<protocol::BrowseResult> result) {
      reply(BrowseResponse(result, path));
    });
  }};
}

}  // namespace

void RegisterLiveRoutes(ApiRoutes& routes, ApiDeps& deps, Authenticator& auth,
                        events::EventStreams& streams) {
  routes.AddOutcome(beast_http::verb::get, "/events", Role::kViewer,
                    "Live updates as server-sent events (job, job.progress, job.log, host)",
                    [&auth, &streams](ApiRequest& req) { return OpenEventStream(req, auth, streams); });
  routes.AddOutcome(beast_http::verb::get, "/hosts/{id}/browse", Role::kOperator,
                    "List a snapshot directory through the agent of a host that uses the repository "
                    "(repository_id, snapshot_id, path; audited)",
                    [&deps](ApiRequest& req) { return BrowseSnapshot(req, deps); });
}

}  // namespace rmgr::server::api

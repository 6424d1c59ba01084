#include "server/api/job_handlers.h"

#include <limits>

#include "server/api/api_schema.h"
#include "server/api/api_support.h"
#include "server/api/job_actions.h"
#include "server/scheduling/restore_policy.h"
#include "server/views/json_views.h"

namespace rmgr::server::api {

using namespace views;  // NOLINT(google-build-using-namespace): the JSON views of store records
namespace {

namespace beast_http = http::beast_http;

constexpr schema::Text kJobKindRule{.min = 1, .max = 16, .shape = &IsJobKind, .shape_name = "a job kind"};

struct RunJobBody {
  std::string host_id;
  std::string kind;
  std::optional<std::string> repository_id;
  std::optional<std::string> source_group_id;
  std::optional<JobArgsSpec> args;
};
template <class F>
void Fields(F& f, schema::Is<RunJobBody> auto& b) {
  f("host_id", b.host_id, kIdRule);
  f("kind", b.kind, kJobKindRule);
  f("repository_id", b.repository_id, kIdRule);
  f("source_group_id", b.source_group_id, kIdRule);
  f("args", b.args);
}

// The body checks that need no store. Every kind runs restic against a
// repository; a backup needs the group to read.
Result<void> CheckRun(RunJobBody& body, store::JobKind kind) {
  JobArgsSpec& args = body.args ? *body.args : body.args.emplace();
  if (auto ok = CheckKindSpecs(kind, args.retention, args.options.value_or(JobOptionsSpec{})); !ok) {
    Error error = ok.error();
    error.field = "args." + error.field;
    return error;
  }
  if (!body.repository_id) {
    return MakeError(ErrorCode::kMissingField, "every job runs against a repository", "repository_id");
  }
  if ((kind == store::JobKind::kBackup || kind == store::JobKind::kDrill) && !body.source_group_id) {
    return MakeError(ErrorCode::kMissingField,
                     "a " + std::string(store::ToString(kind)) + " needs a source group", "source_group_id");
  }
  if (args.options) Normalize(*args.options);
  return Ok();
}

http::Response ListJobs(ApiRequest& req, ApiDeps& deps) {
  auto page = PageParams(req);
  if (!page) return ApiError(page.error());
  store::JobFilter filter;
  auto host_id = TextParam(req, "host_id");
  if (!host_id) return ApiError(host_id.error());
  filter.host_id = *host_id;
  auto status = EnumParam<store::JobStatus>(req, "status");
  if (!status) return ApiError(status.error());
  filter.status = *status;
  auto kind = EnumParam<store::JobKind>(req, "kind");
  if (!kind) return ApiError(kind.error());
  filter.kind = *kind;
  auto jobs = deps.store.Read([&](store::ReadTx& tx) { return tx.ListJobs(filter, *page); });
  if (!jobs) return ApiError(jobs.error());
  boost::json::array items;
  items.reserve(jobs->items.size());
  for (const auto& job : jobs->items) items.emplace_back(JobJson(job));
  return ListResponse(std::move(items), jobs->next_cursor);
}

http::Response GetJob(ApiRequest& req, ApiDeps& deps) {
  auto job = deps.store.Read([&](store::ReadTx& tx) { return tx.GetJob(req.Param("id")); });
  if (!job) return ApiError(job.error());
  return Json(http::Status::ok, JobJson(*job));
}

http::Response JobLogs(ApiRequest& req, ApiDeps& deps) {
  auto after_seq = req.QueryInt("after_seq", -1, std::numeric_limits<int64_t>::max());
  if (!after_seq) return ApiError(after_seq.error());
  auto limit = req.QueryInt("limit", 1, store::kMaxPageLimit);
  if (!limit) return ApiError(limit.error());
  const int64_t after = after_seq->value_or(-1);
  auto lines = deps.store.Read([&](store::ReadTx& tx) -> Result<std::vector<store::JobLogLine>> {
    if (auto job = tx.GetJob(req.Param("id")); !job) return job.error();
    return tx.ListJobLogs(req.Param("id"), after,
                          static_cast<int>(limit->value_or(store::kDefaultPageLimit)));
  });
  if (!lines) return ApiError(lines.error());
  boost::json::array items;
  items.reserve(lines->size());
  for (const auto& line : *lines) items.emplace_back(JobLogJson(line));
  // Polling clients pass this back as after_seq; unchanged when nothing is new.
  const int64_t next = lines->empty() ? after : lines->back().seq;
  return Json(http::Status::ok, boost::json::object{{"items", std::move(items)}, {"next_after_seq", next}});
}

// What the audit log keeps of a restore: everything needed to tell later
// what was written where, from which snapshot of which host.
boost::json::object RestoreDetail(const RunJobBody& body, const std::optional<store::Snapshot>& snapshot) {
  const RestoreOptionsSpec& restore = *body.args->options->restore;
  boost::json::array includes;
  for (const auto& path : restore.include_paths.value_or(std::vector<std::string>{}))
    includes.emplace_back(path);
  boost::json::object detail{{"kind", "restore"},
                             {"repository_id", *body.repository_id},
                             {"snapshot_id", restore.snapshot_id},
                             {"target_host_id", body.host_id},
                             {"target", restore.target},
                             {"include_paths", std::move(includes)}};
  detail["source_host_id"] = snapshot && snapshot->host_id ? boost::json::value(*snapshot->host_id) : nullptr;
  detail["source_hostname"] = snapshot ? boost::json::value(snapshot->hostname) : nullptr;
  return detail;
}

// A restore writes files as the agent's user on the target host: the target
// must pass the host's restore policy for the caller's role. A refusal is
// written to the audit log in its own transaction (the request made no job).
Result<boost::json::object> CheckRestore(ApiRequest& req, ApiDeps& deps, const RunJobBody& body) {
  struct Seen {
    store::Host host;
    std::optional<store::Snapshot> snapshot;
  };
  auto seen = deps.store.Read([&](store::ReadTx& tx) -> Result<Seen> {
    auto host = tx.GetHost(body.host_id);
    if (!host) return BadReference(host.error(), "host_id");
    Seen out{std::move(*host), std::nullopt};
    auto snapshot = tx.FindSnapshot(*body.repository_id, body.args->options->restore->snapshot_id);
    if (snapshot) out.snapshot = std::move(*snapshot);
    return out;
  });
  if (!seen) return seen.error();
  boost::json::object detail = RestoreDetail(body, seen->snapshot);
  auto scope =
      scheduling::CheckRestoreTarget(seen->host, body.args->options->restore->target, req.caller().role);
  if (!scope) {
    if (scope.error().code == ErrorCode::kPermissionDenied) {
      detail["reason"] = scope.error().message;
      auto logged = deps.store.Write([&](store::WriteTx& tx) {
        return AppendAudit(tx, req.Audit("job.restore_refused", "host", body.host_id, detail));
      });
      if (!logged) return logged.error();
    }
    return scope.error();
  }
  detail["restore_root"] = seen->host.restore_root;
  detail["outside_restore_root"] = *scope == scheduling::RestoreScope::kOutsideRoot;
  return detail;
}

http::Response RunJob(ApiRequest& req, ApiDeps& deps) {
  auto body = req.Body<RunJobBody>();
  if (!body) return ApiError(body.error());
  auto kind = JobKindOf(body->kind, "kind");
  if (!kind) return ApiError(kind.error());
  if (auto ok = CheckRun(*body, *kind); !ok) return ApiError(ok.error());
  boost::json::object detail{{"kind", body->kind}};
  if (*kind == store::JobKind::kRestore) {
    auto restore = CheckRestore(req, deps, *body);
    if (!restore) return ApiError(restore.error());
    detail = std::move(*restore);
  }
  store::NewJob job;
  job.host_id = body->host_id;
  job.kind = *kind;
  job.actor_kind = req.caller().actor_kind;
  job.actor_id = req.caller().actor_id;
  job.repository_id = body->repository_id;
  job.source_group_id = body->source_group_id;
  job.args_json = SpecJson(*body->args);
  auto made = deps.store.Write([&](store::WriteTx& tx) -> Result<store::Job> {
    if (auto host = tx.GetHost(job.host_id); !host) return BadReference(host.error(), "host_id");
    if (auto repository = tx.GetRepository(*job.repository_id); !repository) {
      return BadReference(repository.error(), "repository_id");
    }
    if (job.source_group_id) {
      if (auto group = tx.GetSourceGroup(job.host_id, *job.source_group_id); !group) {
        return BadReference(MakeError(ErrorCode::kNotFound, "no source group with this id on the host"),
                            "source_group_id");
      }
    }
    auto created = tx.CreateJob(job);
    if (!created) return created;
    detail["host_id"] = created->host_id;
    auto logged = AppendAudit(tx, req.Audit("job.run", "job", created->id, detail));
    if (!logged) return logged.error();
    return created;
  });
  if (!made) return ApiError(made.error());
  deps.agents->JobsQueued(made->host_id);
  deps.events->Publish(events::Event{"job", JobJson(*made)});
  return Json(http::Status::created, JobJson(*made));
}

// A queued job has not left the server: it is cancelled at once (200). A
// dispatched or running one belongs to its agent now: the request is
// recorded in the audit log and answered 202 with the job unchanged; the
// agent controller sends command.cancel (now, or when the agent
// reconnects), and the agent's job.result (status cancelled) finishes the job. A finished job cannot be
// cancelled (409).
http::Response CancelJob(ApiRequest& req, ApiDeps& deps) {
  const std::string& id = req.Param("id");
  using Outcome = std::pair<store::Job, http::Status>;
  auto outcome = deps.store.Write([&](store::WriteTx& tx) -> Result<Outcome> {
    auto before = tx.GetJob(id);
    if (!before) return before.error();
    auto cancelled = CancelJobInTx(tx, id, deps.now());
    if (!cancelled) return cancelled.error();
    const auto status = cancelled->cancelled_now ? http::Status::ok : http::Status::accepted;
    auto logged = AppendAudit(tx, req.Audit("job.cancel", "job", id,
                                            {{"from", ToString(before->status)},
                                             {"cancelled_now", cancelled->cancelled_now},
                                             {"host_id", before->host_id}}));
    if (!logged) return logged.error();
    return Outcome{std::move(cancelled->job), status};
  });
  if (!outcome) return ApiError(outcome.error());
  if (outcome->second == http::Status::accepted) deps.agents->CancelRequested(outcome->first.host_id, id);
  if (outcome->second == http::Status::ok)
    deps.events->Publish(events::Event{"job", JobJson(outcome->first)});
  return Json(outcome->second, JobJson(outcome->first));
}

}  // namespace

void RegisterJobRoutes(ApiRoutes& routes, ApiDeps& deps) {
  routes.Add(beast_http::verb::get, "/jobs", Role::kViewer,
             "List jobs, newest first (host_id, status, kind filter)",
             [&deps](ApiRequest& req) { return ListJobs(req, deps); });
  routes.Add(beast_http::verb::post, "/jobs", Role::kOperator, "Run a job now (queues it)",
             [&deps](ApiRequest& req) { return RunJob(req, deps); });
  routes.Add(beast_http::verb::get, "/jobs/{id}", Role::kViewer, "Get a job with its progress and summary",
             [&deps](ApiRequest& req) { return GetJob(req, deps); });
  routes.Add(beast_http::verb::get, "/jobs/{id}/logs", Role::kViewer, "Page through a job's log lines",
             [&deps](ApiRequest& req) { return JobLogs(req, deps); });
  routes.Add(beast_http::verb::post, "/jobs/{id}/cancel", Role::kOperator, "Cancel a job",
             [&deps](ApiRequest& req) { return CancelJob(req, deps); });
}

}  // namespace rmgr::server::api

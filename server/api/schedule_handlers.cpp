#include "server/api/schedule_handlers.h"

#include <map>
#include <set>

#include "common/cron/cron_parser.h"
#include "server/api/api_schema.h"
#include "server/api/api_support.h"
#include "server/api/job_actions.h"
#include "server/scheduling/schedule_jobs.h"
#include "server/views/json_views.h"

namespace rmgr::server::api {

using namespace views;  // NOLINT(google-build-using-namespace): the JSON views of store records
namespace {

namespace beast_http = http::beast_http;

//! How many upcoming fire times every schedule answer carries.
constexpr int kNextFireCount = 5;

constexpr schema::Text kKindRule{
    .min = 1, .max = 16, .shape = &IsScheduleKind, .shape_name = "backup, forget, prune or check"};
constexpr schema::Text kCronRule{.min = 1, .max = lim::kMaxCronBytes};
constexpr schema::Text kZoneRule{.min = 1, .max = lim::kMaxTimezoneBytes};
constexpr schema::List kGroupIdsRule{lim::kMaxPaths, kIdRule};
constexpr schema::Int kHookTimeoutRule{.min = 1, .max = lim::kMaxDaySeconds};
constexpr schema::Int kJitterRule{.min = 0, .max = lim::kMaxDaySeconds};
constexpr schema::Int kMaxRuntimeRule{.min = 0, .max = 7 * lim::kMaxDaySeconds};

// The fields a create and a patch share; in a create only some are required,
// which the member types (plain or std::optional) decide.
template <class F, class Body>
void ScheduleFields(F& f, Body& b) {
  f("name", b.name, kNameRule);
  f("kind", b.kind, kKindRule);
  f("cron", b.cron, kCronRule);
  f("timezone", b.timezone, kZoneRule);
  f("repository_id", b.repository_id, kIdRule);
  f("source_group_ids", b.source_group_ids, kGroupIdsRule);
  f("retention", b.retention);
  f("options", b.options);
  f("pre_hook", b.pre_hook, kHookRule);
  f("post_hook", b.post_hook, kHookRule);
  f("hook_timeout_seconds", b.hook_timeout_seconds, kHookTimeoutRule);
  f("enabled", b.enabled);
  f("jitter_seconds", b.jitter_seconds, kJitterRule);
  f("max_runtime_seconds", b.max_runtime_seconds, kMaxRuntimeRule);
}

struct CreateScheduleBody {
  std::string host_id;
  std::string name;
  std::string kind;
  std::string cron;
  std::optional<std::string> timezone;
  std::string repository_id;
  std::optional<std::vector<std::string>> source_group_ids;
  std::optional<protocol::Retention> retention;
  std::optional<JobOptionsSpec> options;
  std::optional<std::string> pre_hook;
  std::optional<std::string> post_hook;
  std::optional<int64_t> hook_timeout_seconds;
  std::optional<bool> enabled;
  std::optional<int64_t> jitter_seconds;
  std::optional<int64_t> max_runtime_seconds;
};
template <class F>
void Fields(F& f, schema::Is<CreateScheduleBody> auto& b) {
  f("host_id", b.host_id, kIdRule);
  ScheduleFields(f, b);
}

// Any subset but host_id (a schedule never moves to another host).
struct PatchScheduleBody {
  std::optional<std::string> name;
  std::optional<std::string> kind;
  std::optional<std::string> cron;
  std::optional<std::string> timezone;
  std::optional<std::string> repository_id;
  std::optional<std::vector<std::string>> source_group_ids;
  std::optional<protocol::Retention> retention;
  std::optional<JobOptionsSpec> options;
  std::optional<std::string> pre_hook;
  std::optional<std::string> post_hook;
  std::optional<int64_t> hook_timeout_seconds;
  std::optional<bool> enabled;
  std::optional<int64_t> jitter_seconds;
  std::optional<int64_t> max_runtime_seconds;
};
template <class F>
void Fields(F& f, schema::Is<PatchScheduleBody> auto& b) {
  ScheduleFields(f, b);
}

//! A schedule being created or changed, with its policy and options as specs.
struct Draft {
  store::Schedule schedule;
  std::optional<protocol::Retention> retention;  // nullopt: no policy
  JobOptionsSpec options;
};

//! An empty policy ({}, or one that only repeats the defaults) means
//! "none": that is how a PATCH clears it.
bool IsEmpty(const protocol::Retention& retention) {
  return retention == protocol::Retention{};
}

// A create body as the patch of a default schedule (host_id aside).
PatchScheduleBody AsPatch(const CreateScheduleBody& b) {
  return PatchScheduleBody{b.name,
                           b.kind,
                           b.cron,
                           b.timezone,
                           b.repository_id,
                           b.source_group_ids,
                           b.retention,
                           b.options,
                           b.pre_hook,
                           b.post_hook,
                           b.hook_timeout_seconds,
                           b.enabled,
                           b.jitter_seconds,
                           b.max_runtime_seconds};
}

// Applies the body's fields that are present onto `draft`.
Result<void> Apply(const PatchScheduleBody& body, Draft& draft) {
  store::Schedule& s = draft.schedule;
  if (body.name) s.name = *body.name;
  if (body.kind) {
    auto kind = JobKindOf(*body.kind, "kind");
    if (!kind) return kind.error();
    s.kind = *kind;
  }
  if (body.cron) s.cron = *body.cron;
  if (body.timezone) s.timezone = *body.timezone;
  if (body.repository_id) s.repository_id = *body.repository_id;
  if (body.source_group_ids) s.source_group_ids = *body.source_group_ids;
  if (body.retention) draft.retention = IsEmpty(*body.retention) ? std::nullopt : body.retention;
  if (body.options) draft.options = *body.options;
  if (body.pre_hook) s.pre_hook = *body.pre_hook;
  if (body.post_hook) s.post_hook = *body.post_hook;
  if (body.hook_timeout_seconds) s.hook_timeout = std::chrono::seconds(*body.hook_timeout_seconds);
  if (body.enabled) s.enabled = *body.enabled;
  if (body.jitter_seconds) s.jitter = std::chrono::seconds(*body.jitter_seconds);
  if (body.max_runtime_seconds) s.max_runtime = std::chrono::seconds(*body.max_runtime_seconds);
  return Ok();
}

// The stored schedule as a draft (for a PATCH to merge into).
Result<Draft> DraftOf(const store::Schedule& schedule) {
  Draft draft;
  draft.schedule = schedule;
  auto retention = SpecFromJson<protocol::Retention>(schedule.retention_json);
  auto options = SpecFromJson<JobOptionsSpec>(schedule.options_json);
  if (!retention || !options) {
    return MakeError(ErrorCode::kInternal,
                     "stored retention/options of schedule " + schedule.id + " do not decode");
  }
  if (!IsEmpty(*retention)) draft.retention = std::move(*retention);
  draft.options = std::move(*options);
  return draft;
}

// The checks that need no store: cron (with the engine's message), zone,
// kind rules, groups. Fills retention_json / options_json when they pass.
Result<void> Check(Draft& draft) {
  store::Schedule& s = draft.schedule;
  if (auto parsed = cron::ParseCron(s.cron); !parsed) {
    const ErrorCode code =
        parsed.error().code == ErrorCode::kTooLarge ? ErrorCode::kOutOfRange : parsed.error().code;
    return MakeError(code, parsed.error().message, "cron");
  }
  if (auto zone = cron::Location::Load(s.timezone); !zone) {
    return MakeError(ErrorCode::kInvalidArgument, zone.error().message, "timezone");
  }
  if (auto ok = CheckKindSpecs(s.kind, draft.retention, draft.options); !ok) return ok;
  if ((s.kind == store::JobKind::kBackup || s.kind == store::JobKind::kDrill) && s.source_group_ids.empty()) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "a " + std::string(store::ToString(s.kind)) + " schedule needs at least one source group",
        "source_group_ids");
  }
  const std::set<std::string> unique(s.source_group_ids.begin(), s.source_group_ids.end());
  if (unique.size() != s.source_group_ids.size()) {
    return MakeError(ErrorCode::kInvalidArgument, "a source group is listed twice", "source_group_ids");
  }
  Normalize(draft.options);
  s.retention_json = draft.retention ? SpecJson(*draft.retention) : std::string("{}");
  s.options_json = SpecJson(draft.options);
  return Ok();
}

// The checks against the store: the repository exists and every group is
// one of the schedule's host. A missing one is the body's fault (400).
Result<void> CheckReferences(store::ReadTx& tx, const store::Schedule& s) {
  if (auto repository = tx.GetRepository(s.repository_id); !repository) {
    return BadReference(repository.error(), "repository_id");
  }
  for (std::size_t i = 0; i < s.source_group_ids.size(); ++i) {
    if (auto group = tx.GetSourceGroup(s.host_id, s.source_group_ids[i]); !group) {
      return BadReference(
          MakeError(ErrorCode::kNotFound, "no source group with this id on the schedule's host"),
          "source_group_ids[" + std::to_string(i) + "]");
    }
  }
  return Ok();
}

// Hooks run commands on hosts: only admins may set or change them.
Result<void> CheckHookChange(const ApiRequest& req, const store::Schedule& before,
                             const store::Schedule& after) {
  if (before.pre_hook == after.pre_hook && before.post_hook == after.post_hook) return Ok();
  if (req.caller().HasRole(Role::kAdmin)) return Ok();
  const bool pre = before.pre_hook != after.pre_hook;
  return MakeError(ErrorCode::kPermissionDenied, "only admins may set or change hooks",
                   pre ? "pre_hook" : "post_hook");
}

// What a schedule change records: the fields that matter for review. Hooks
// are commands an admin wrote; they are recorded (hooks are audited).
boost::json::object ScheduleDetail(const store::Schedule& s, int64_t version) {
  return boost::json::object{
      {"name", s.name},         {"host_id", s.host_id},     {"kind", ToString(s.kind)},
      {"cron", s.cron},         {"timezone", s.timezone},   {"enabled", s.enabled},
      {"pre_hook", s.pre_hook}, {"post_hook", s.post_hook}, {"schedule_version", version}};
}

//! The next fire times after `now`, formatted in the zone the cron is read
//! in. None for a disabled schedule (it never fires) or one that can no
//! longer be evaluated (never expected: it was validated when stored).
std::vector<std::string> NextFireTimes(const cron::CronSchedule& parsed, const cron::Location& zone,
                                       TimePoint now, int count) {
  std::vector<std::string> out;
  const cron::Location& shown = parsed.EvaluationLocation(zone);
  std::optional<Seconds> t = std::chrono::floor<std::chrono::seconds>(now);
  for (int i = 0; i < count; ++i) {
    t = parsed.Next(*t, zone);
    if (!t) break;  // never (again)
    out.push_back(shown.Format(*t));
  }
  return out;
}

std::vector<std::string> NextFires(const store::Schedule& s, TimePoint now) {
  if (!s.enabled) return {};
  auto parsed = cron::ParseCron(s.cron);
  auto zone = cron::Location::Load(s.timezone);
  if (!parsed || !zone) return {};
  return NextFireTimes(*parsed, *zone, now, kNextFireCount);
}

// GET /cron/next?expr=&tz=&n=: the schedule editor's live preview, with the
// same engine and the same messages as a stored schedule's validation.
http::Response CronNext(ApiRequest& req, const ApiDeps& deps) {
  const std::string expr = req.Query("expr").value_or("");
  if (expr.empty()) return ApiError(MakeError(ErrorCode::kMissingField, "expr is required", "expr"));
  if (expr.size() > 256)
    return ApiError(MakeError(ErrorCode::kOutOfRange, "expr is longer than 256 bytes", "expr"));
  auto count = req.QueryInt("n", 1, 50);
  if (!count) return ApiError(count.error());
  auto parsed = cron::ParseCron(expr);
  if (!parsed) {
    const ErrorCode code =
        parsed.error().code == ErrorCode::kTooLarge ? ErrorCode::kOutOfRange : parsed.error().code;
    return ApiError(MakeError(code, parsed.error().message, "expr"));
  }
  auto zone = cron::Location::Load(req.Query("tz").value_or("UTC"));
  if (!zone) return ApiError(MakeError(ErrorCode::kInvalidArgument, zone.error().message, "tz"));
  boost::json::array next;
  for (auto& t :
       NextFireTimes(*parsed, *zone, deps.now(), static_cast<int>(count->value_or(kNextFireCount)))) {
    next.emplace_back(std::move(t));
  }
  return Json(http::Status::ok, boost::json::object{{"next", std::move(next)}});
}

boost::json::object View(const store::Schedule& s, int64_t version, const ApiDeps& deps) {
  return ScheduleJson(s, version, NextFires(s, deps.now()));
}

http::Response ListSchedules(ApiRequest& req, ApiDeps& deps) {
  auto page = PageParams(req);
  if (!page) return ApiError(page.error());
  auto host_id = TextParam(req, "host_id");
  if (!host_id) return ApiError(host_id.error());
  using Listing = std::pair<store::Page<store::Schedule>, std::map<std::string, int64_t>>;
  auto listed = deps.store.Read([&](store::ReadTx& tx) -> Result<Listing> {
    auto schedules = tx.ListSchedulesPage(*host_id, *page);
    if (!schedules) return schedules.error();
    std::map<std::string, int64_t> versions;
    for (const auto& s : schedules->items) {
      if (versions.count(s.host_id) != 0) continue;
      auto version = tx.GetHostScheduleVersion(s.host_id);
      if (!version) return version.error();
      versions[s.host_id] = *version;
    }
    return Listing{std::move(*schedules), std::move(versions)};
  });
  if (!listed) return ApiError(listed.error());
  boost::json::array items;
  items.reserve(listed->first.items.size());
  for (const auto& s : listed->first.items) items.emplace_back(View(s, listed->second[s.host_id], deps));
  return ListResponse(std::move(items), listed->first.next_cursor);
}

http::Response GetSchedule(ApiRequest& req, ApiDeps& deps) {
  auto got = deps.store.Read([&](store::ReadTx& tx) -> Result<store::ScheduleChange> {
    auto schedule = tx.GetScheduleById(req.Param("id"));
    if (!schedule) return schedule.error();
    auto version = tx.GetHostScheduleVersion(schedule->host_id);
    if (!version) return version.error();
    return store::ScheduleChange{std::move(*schedule), *version};
  });
  if (!got) return ApiError(got.error());
  return Json(http::Status::ok, View(got->schedule, got->version, deps));
}

http::Response CreateSchedule(ApiRequest& req, ApiDeps& deps) {
  auto body = req.Body<CreateScheduleBody>();
  if (!body) return ApiError(body.error());
  Draft draft;
  draft.schedule.host_id = body->host_id;
  if (auto applied = Apply(AsPatch(*body), draft); !applied) return ApiError(applied.error());
  if (auto allowed = CheckHookChange(req, store::Schedule{}, draft.schedule); !allowed) {
    return ApiError(allowed.error());
  }
  if (auto ok = Check(draft); !ok) return ApiError(ok.error());
  auto made = deps.store.Write([&](store::WriteTx& tx) -> Result<store::ScheduleChange> {
    if (auto host = tx.GetHost(draft.schedule.host_id); !host) return BadReference(host.error(), "host_id");
    if (auto ok = CheckReferences(tx, draft.schedule); !ok) return ok.error();
    auto change = tx.CreateSchedule(draft.schedule);
    if (!change) return change;
    auto logged = AppendAudit(tx, req.Audit("schedule.create", "schedule", change->schedule.id,
                                            ScheduleDetail(change->schedule, change->version)));
    if (!logged) return logged.error();
    return change;
  });
  if (!made) return ApiError(made.error());
  deps.agents->SchedulesChanged(made->schedule.host_id);
  return Json(http::Status::created, View(made->schedule, made->version, deps));
}

http::Response PatchSchedule(ApiRequest& req, ApiDeps& deps) {
  auto body = req.Body<PatchScheduleBody>();
  if (!body) return ApiError(body.error());
  const std::string& id = req.Param("id");
  auto updated = deps.store.Write([&](store::WriteTx& tx) -> Result<store::ScheduleChange> {
    auto stored = tx.GetScheduleById(id);
    if (!stored) return stored.error();
    auto draft = DraftOf(*stored);
    if (!draft) return draft.error();
    if (auto applied = Apply(*body, *draft); !applied) return applied.error();
    if (auto allowed = CheckHookChange(req, *stored, draft->schedule); !allowed) return allowed.error();
    if (auto ok = Check(*draft); !ok) return ok.error();
    if (auto ok = CheckReferences(tx, draft->schedule); !ok) return ok.error();
    auto change = tx.UpdateSchedule(draft->schedule);
    if (!change) return change;
    auto logged = AppendAudit(
        tx, req.Audit("schedule.update", "schedule", id, ScheduleDetail(change->schedule, change->version)));
    if (!logged) return logged.error();
    return change;
  });
  if (!updated) return ApiError(updated.error());
  deps.agents->SchedulesChanged(updated->schedule.host_id);
  return Json(http::Status::ok, View(updated->schedule, updated->version, deps));
}

http::Response DeleteSchedule(ApiRequest& req, ApiDeps& deps) {
  const std::string& id = req.Param("id");
  auto deleted = deps.store.Write([&](store::WriteTx& tx) -> Result<std::string> {
    auto schedule = tx.GetScheduleById(id);
    if (!schedule) return schedule.error();
    auto version = tx.DeleteSchedule(schedule->host_id, id);
    if (!version) return version.error();
    auto logged =
        AppendAudit(tx, req.Audit("schedule.delete", "schedule", id, ScheduleDetail(*schedule, *version)));
    if (!logged) return logged.error();
    return schedule->host_id;
  });
  if (!deleted) return ApiError(deleted.error());
  deps.agents->SchedulesChanged(*deleted);
  return NoContent();
}

http::Response RunSchedule(ApiRequest& req, ApiDeps& deps) {
  const std::string& id = req.Param("id");
  auto jobs = deps.store.Write([&](store::WriteTx& tx) -> Result<std::vector<store::Job>> {
    auto schedule = tx.GetScheduleById(id);
    if (!schedule) return schedule.error();
    auto made = QueueScheduleRun(tx, *schedule, req.caller());
    if (!made) return made.error();
    boost::json::array job_ids;
    for (const auto& job : *made) job_ids.emplace_back(job.id);
    auto logged = AppendAudit(tx, req.Audit("schedule.run", "schedule", id,
                                            {{"name", schedule->name}, {"job_ids", std::move(job_ids)}}));
    if (!logged) return logged.error();
    return made;
  });
  if (!jobs) return ApiError(jobs.error());
  if (!jobs->empty()) deps.agents->JobsQueued(jobs->front().host_id);
  boost::json::array items;
  items.reserve(jobs->size());
  for (const auto& job : *jobs) {
    deps.events->Publish(events::Event{"job", JobJson(job)});
    items.emplace_back(JobJson(job));
  }
  return Json(http::Status::created, boost::json::object{{"jobs", std::move(items)}});
}

}  // namespace

void RegisterScheduleRoutes(ApiRoutes& routes, ApiDeps& deps) {
  routes.Add(beast_http::verb::get, "/schedules", Role::kViewer, "List schedules (host_id filters)",
             [&deps](ApiRequest& req) { return ListSchedules(req, deps); });
  routes.Add(beast_http::verb::post, "/schedules", Role::kOperator, "Create a schedule (hooks: admin only)",
             [&deps](ApiRequest& req) { return CreateSchedule(req, deps); });
  routes.Add(beast_http::verb::get, "/schedules/{id}", Role::kViewer,
             "Get a schedule with its next fire times",
             [&deps](ApiRequest& req) { return GetSchedule(req, deps); });
  routes.Add(beast_http::verb::patch, "/schedules/{id}", Role::kOperator,
             "Change a schedule (any field but host_id; hooks: admin only)",
             [&deps](ApiRequest& req) { return PatchSchedule(req, deps); });
  routes.Add(beast_http::verb::delete_, "/schedules/{id}", Role::kOperator, "Delete a schedule",
             [&deps](ApiRequest& req) { return DeleteSchedule(req, deps); });
  routes.Add(beast_http::verb::post, "/schedules/{id}/run", Role::kOperator,
             "Run a schedule now (one queued job per source group)",
             [&deps](ApiRequest& req) { return RunSchedule(req, deps); });
  routes.Add(beast_http::verb::get, "/cron/next", Role::kViewer,
             "Next fire times of a cron expression (expr, tz, n) — the editor's preview",
             [&deps](ApiRequest& req) { return CronNext(req, deps); });
}

}  // namespace rmgr::server::api

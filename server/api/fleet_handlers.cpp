#include "server/api/fleet_handlers.h"

#include <array>
#include <set>

#include "common/labels/labels.h"
#include "server/api/api_schema.h"
#include "server/api/api_support.h"
#include "server/api/job_actions.h"
#include "server/views/json_views.h"

namespace rmgr::server::api {
namespace {

namespace beast_http = http::beast_http;

constexpr schema::Text kActionRule{.min = 1, .max = 16};
constexpr schema::Text kSelectorRule{.min = 0, .max = labels::kMaxSelectorBytes};
constexpr schema::Text kKindRule{
    .min = 1, .max = 16, .shape = &IsScheduleKind, .shape_name = "a schedule kind"};
struct FleetActionBody {
  std::string action;
  std::optional<std::string> selector;
  std::optional<bool> all_hosts;
  std::optional<std::string> kind;
  std::optional<std::string> mode;
};
template <class F>
void Fields(F& f, schema::Is<FleetActionBody> auto& b) {
  f("action", b.action, kActionRule);
  f("selector", b.selector, kSelectorRule);
  f("all_hosts", b.all_hosts);
  f("kind", b.kind, kKindRule);
  f("mode", b.mode, kHostModeRule);
}

// One host's part of the action.
struct HostOutcome {
  std::string host_id;
  std::string host_name;
  std::string outcome;  // queued | cancel_requested | cancelled | changed | unchanged | skipped
  std::string message;
  std::vector<store::Job> jobs;           // queued, or cancelled at once
  std::vector<std::string> cancel_asked;  // dispatched or running: the agent is asked
};

// What the transaction decided, for the answer and for what is sent after the commit.
struct FleetOutcome {
  std::vector<HostOutcome> hosts;
};

Result<std::vector<store::Host>> MatchingHosts(store::WriteTx& tx, const labels::Selector& selector) {
  std::vector<store::Host> hosts;
  store::PageRequest page{.cursor = "", .limit = store::kMaxPageLimit};
  const store::HostFilter filter{"", selector};
  while (true) {
    auto listed = tx.SearchHosts(filter, page);
    if (!listed) return listed.error();
    for (auto& host : listed->items) hosts.push_back(std::move(host));
    if (listed->next_cursor.empty()) return hosts;
    page.cursor = listed->next_cursor;
  }
}

Result<void> RunNow(store::WriteTx& tx, const Principal& caller, store::JobKind kind, HostOutcome& out) {
  auto schedules = tx.ListSchedulesByHost(out.host_id);
  if (!schedules) return schedules.error();
  for (const auto& schedule : *schedules) {
    if (!schedule.enabled || schedule.kind != kind) continue;
    auto made = QueueScheduleRun(tx, schedule, caller);
    if (!made) return made.error();
    for (auto& job : *made) out.jobs.push_back(std::move(job));
  }
  if (out.jobs.empty()) {
    out.outcome = "skipped";
    out.message = "no enabled " + std::string(ToString(kind)) + " schedule with a source group";
  } else {
    out.outcome = "queued";
  }
  return Ok();
}

Result<void> CancelAll(store::WriteTx& tx, TimePoint now, HostOutcome& out) {
  constexpr std::array kUnfinished = {store::JobStatus::kQueued, store::JobStatus::kDispatched,
                                      store::JobStatus::kRunning};
  std::vector<std::string> ids;
  for (const auto status : kUnfinished) {
    store::PageRequest page{.cursor = "", .limit = store::kMaxPageLimit};
    while (true) {
      auto listed = tx.ListJobs(store::JobFilter{.host_id = out.host_id, .status = status, .kind = {}}, page);
      if (!listed) return listed.error();
      for (const auto& job : listed->items) ids.push_back(job.id);
      if (listed->next_cursor.empty()) break;
      page.cursor = listed->next_cursor;
    }
  }
  for (const auto& id : ids) {
    auto cancelled = CancelJobInTx(tx, id, now);
    if (!cancelled) return cancelled.error();
    if (cancelled->cancelled_now) {
      out.jobs.push_back(std::move(cancelled->job));
    } else {
      out.cancel_asked.push_back(id);
    }
  }
  if (ids.empty()) {
    out.outcome = "skipped";
    out.message = "no unfinished job";
  } else {
    out.outcome = out.cancel_asked.empty() ? "cancelled" : "cancel_requested";
  }
  return Ok();
}

Result<void> SetMode(store::WriteTx& tx, const store::Host& host, const std::string& mode, HostOutcome& out) {
  const bool always_on = mode == "always_on";
  if (host.always_on == always_on) {
    out.outcome = "unchanged";
    return Ok();
  }
  if (auto set = tx.SetHostAlwaysOn(host.id, always_on); !set) return set.error();
  out.outcome = "changed";
  return Ok();
}

boost::json::object OutcomeJson(const HostOutcome& host) {
  boost::json::array job_ids;
  for (const auto& job : host.jobs) job_ids.emplace_back(job.id);
  for (const auto& id : host.cancel_asked) job_ids.emplace_back(id);
  boost::json::object out{{"host_id", host.host_id},
                          {"host_name", host.host_name},
                          {"outcome", host.outcome},
                          {"job_ids", std::move(job_ids)}};
  if (!host.message.empty()) out["message"] = host.message;
  return out;
}

// POST /fleet/actions: one action on every host the selector matches, in one
// transaction with one audit entry that lists every host's outcome.
http::Response FleetAction(ApiRequest& req, ApiDeps& deps) {
  auto body = req.Body<FleetActionBody>();
  if (!body) return ApiError(body.error());
  static const std::set<std::string> kActions = {"run_now", "cancel", "set_mode"};
  if (!kActions.contains(body->action)) {
    return ApiError(
        MakeError(ErrorCode::kInvalidArgument, "action must be run_now, cancel or set_mode", "action"));
  }
  auto selector = labels::Selector::Parse(body->selector.value_or(std::string{}));
  if (!selector) return ApiError(selector.error());
  if (selector->empty() && !body->all_hosts.value_or(false)) {
    return ApiError(
        MakeError(ErrorCode::kInvalidArgument,
                  "the selector is empty: give one (role=laptop,site!=lab), or all_hosts: true to act "
                  "on every host",
                  "selector"));
  }
  if (!selector->empty() && body->all_hosts.value_or(false)) {
    return ApiError(
        MakeError(ErrorCode::kInvalidArgument, "all_hosts cannot go with a selector", "all_hosts"));
  }
  if (body->action == "set_mode" && !body->mode) {
    return ApiError(MakeError(ErrorCode::kMissingField, "set_mode needs a mode", "mode"));
  }
  if (body->action != "set_mode" && body->mode) {
    return ApiError(MakeError(ErrorCode::kInvalidArgument, "mode goes only with set_mode", "mode"));
  }
  if (body->action != "run_now" && body->kind) {
    return ApiError(MakeError(ErrorCode::kInvalidArgument, "kind goes only with run_now", "kind"));
  }
  auto kind = JobKindOf(body->kind.value_or("backup"), "kind");
  if (!kind) return ApiError(kind.error());

  auto done = deps.store.Write([&](store::WriteTx& tx) -> Result<FleetOutcome> {
    auto hosts = MatchingHosts(tx, *selector);
    if (!hosts) return hosts.error();
    FleetOutcome outcome;
    boost::json::array audited;
    for (const auto& host : *hosts) {
      HostOutcome out;
      out.host_id = host.id;
      out.host_name = host.name;
      Result<void> acted = Ok();
      if (body->action == "run_now") {
        acted = RunNow(tx, req.caller(), *kind, out);
      } else if (body->action == "cancel") {
        acted = CancelAll(tx, deps.now(), out);
      } else {
        acted = SetMode(tx, host, *body->mode, out);
      }
      if (!acted) return acted.error();
      audited.emplace_back(OutcomeJson(out));
      outcome.hosts.push_back(std::move(out));
    }
    boost::json::object detail{{"selector", selector->ToString()},
                               {"matched", static_cast<std::int64_t>(hosts->size())},
                               {"hosts", std::move(audited)}};
    if (body->action == "run_now") detail["kind"] = ToString(*kind);
    if (body->mode) detail["mode"] = *body->mode;
    auto logged =
        AppendAudit(tx, req.Audit("fleet." + body->action, "fleet", selector->ToString(), std::move(detail)));
    if (!logged) return logged.error();
    return outcome;
  });
  if (!done) return ApiError(done.error());

  boost::json::array results;
  results.reserve(done->hosts.size());
  for (const auto& host : done->hosts) {
    if (body->action == "run_now" && !host.jobs.empty()) deps.agents->JobsQueued(host.host_id);
    for (const auto& id : host.cancel_asked) deps.agents->CancelRequested(host.host_id, id);
    for (const auto& job : host.jobs) deps.events->Publish(events::Event{"job", views::JobJson(job)});
    results.emplace_back(OutcomeJson(host));
  }
  return Json(http::Status::ok,
              boost::json::object{{"action", body->action},
                                  {"selector", selector->ToString()},
                                  {"matched", static_cast<std::int64_t>(done->hosts.size())},
                                  {"results", std::move(results)}});
}

}  // namespace

void RegisterFleetRoutes(ApiRoutes& routes, ApiDeps& deps) {
  routes.Add(beast_http::verb::post, "/fleet/actions", Role::kOperator,
             "Run now, cancel or change the mode of every host a label selector matches (one audited action, "
             "a result per host)",
             [&deps](ApiRequest& req) { return FleetAction(req, deps); });
}

}  // namespace rmgr::server::api

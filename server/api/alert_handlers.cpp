#include "server/api/alert_handlers.h"

#include <boost/algorithm/string/split.hpp>

#include "common/schema/document.h"
#include "server/alerts/alert_lifecycle.h"
#include "server/alerts/alert_rules.h"
#include "server/api/api_support.h"
#include "server/views/json_views.h"

namespace rmgr::server::api {

using namespace views;  // NOLINT(google-build-using-namespace): the JSON views of store records
namespace {

namespace beast_http = http::beast_http;
namespace json = boost::json;
using store::AlertKind;
using store::AlertState;

struct SilenceBody {
  std::optional<TimePoint> until;           ///< When the silence ends, or
  std::optional<int64_t> duration_minutes;  ///< how long it lasts.
};

template <class F>
void Fields(F& f, schema::Is<SilenceBody> auto& b) {
  f("until", b.until, schema::Plain{});
  f("duration_minutes", b.duration_minutes, schema::Int{.min = 1, .max = 60 * 24 * 90});
}

Result<store::AlertFilter> AlertFilterOf(const ApiRequest& req) {
  store::AlertFilter filter;
  if (auto states = req.Query("state"); states && !states->empty()) {
    std::vector<std::string> names;
    boost::algorithm::split(names, *states, [](char c) { return c == ','; });
    for (const auto& name : names) {
      AlertState state{};
      if (!protocol::FromString(name, state)) {
        return MakeError(ErrorCode::kInvalidArgument,
                         "state must be a comma-separated list of firing, acknowledged, silenced, resolved",
                         "state");
      }
      filter.states.push_back(state);
    }
  }
  auto kind = EnumParam<AlertKind>(req, "kind");
  if (!kind) return kind.error();
  filter.kind = *kind;
  for (auto [name, slot] :
       {std::pair{"host_id", &filter.host_id}, std::pair{"schedule_id", &filter.schedule_id}}) {
    auto text = TextParam(req, name);
    if (!text) return text.error();
    *slot = std::move(*text);
  }
  return filter;
}

alerts::Actor ActorOf(const ApiRequest& req) {
  return alerts::Actor{req.caller().actor_kind, req.caller().actor_id, req.http.remote_address};
}

http::Response Answer(ApiDeps& deps, const Result<store::Alert>& alert) {
  if (!alert) return ApiError(alert.error());
  json::object body = AlertJson(*alert);
  deps.events->Publish(events::Event{"alert", body});
  return Json(http::Status::ok, std::move(body));
}

http::Response ListAlerts(ApiRequest& req, ApiDeps& deps) {
  auto page = PageParams(req);
  if (!page) return ApiError(page.error());
  auto filter = AlertFilterOf(req);
  if (!filter) return ApiError(filter.error());
  auto alerts = deps.store.Read([&](store::ReadTx& tx) { return tx.ListAlerts(*filter, *page); });
  if (!alerts) return ApiError(alerts.error());
  json::array items;
  items.reserve(alerts->items.size());
  for (const auto& alert : alerts->items) items.emplace_back(AlertJson(alert));
  return ListResponse(std::move(items), alerts->next_cursor);
}

http::Response CountAlerts(ApiRequest&, ApiDeps& deps) {
  auto counts = deps.store.Read([](store::ReadTx& tx) { return tx.CountOpenAlerts(); });
  if (!counts) return ApiError(counts.error());
  json::object by_state{{"firing", 0}, {"acknowledged", 0}, {"silenced", 0}};
  json::object by_kind;
  int64_t critical_firing = 0;
  for (const auto& count : *counts) {
    auto& total = by_state[ToString(count.state)];
    total = total.as_int64() + count.count;
    auto& kind = by_kind[ToString(count.kind)];
    if (!kind.is_object()) kind = json::object{};
    auto& in_state = kind.as_object()[ToString(count.state)];
    in_state = (in_state.is_int64() ? in_state.as_int64() : 0) + count.count;
    if (count.state == AlertState::kFiring && count.severity == store::AlertSeverity::kCritical) {
      critical_firing += count.count;
    }
  }
  json::object body = std::move(by_state);
  body["critical_firing"] = critical_firing;
  body["by_kind"] = std::move(by_kind);
  return Json(http::Status::ok, std::move(body));
}

http::Response GetAlert(ApiRequest& req, ApiDeps& deps) {
  auto alert = deps.store.Read([&](store::ReadTx& tx) { return tx.GetAlert(req.Param("id")); });
  if (!alert) return ApiError(alert.error());
  return Json(http::Status::ok, AlertJson(*alert));
}

http::Response AcknowledgeAlert(ApiRequest& req, ApiDeps& deps) {
  const TimePoint now = deps.now();
  return Answer(deps, deps.store.Write([&](store::WriteTx& tx) {
    return alerts::Acknowledge(tx, req.Param("id"), ActorOf(req), now);
  }));
}

http::Response SilenceAlert(ApiRequest& req, ApiDeps& deps) {
  auto body = req.Body<SilenceBody>();
  if (!body) return ApiError(body.error());
  if (body->until.has_value() == body->duration_minutes.has_value()) {
    return ApiError(MakeError(ErrorCode::kInvalidArgument, "give either until or duration_minutes", "until"));
  }
  const TimePoint now = deps.now();
  // alerts::Silence checks the end: in the future, at most 90 days on.
  const TimePoint until = body->until ? *body->until : now + std::chrono::minutes(*body->duration_minutes);
  return Answer(deps, deps.store.Write([&](store::WriteTx& tx) {
    return alerts::Silence(tx, req.Param("id"), until, ActorOf(req), now);
  }));
}

http::Response UnsilenceAlert(ApiRequest& req, ApiDeps& deps) {
  const TimePoint now = deps.now();
  return Answer(deps, deps.store.Write([&](store::WriteTx& tx) {
    return alerts::Unsilence(tx, req.Param("id"), ActorOf(req), now);
  }));
}

json::object RuleJson(AlertKind kind, const alerts::RuleSettings& settings,
                      const std::optional<TimePoint>& updated) {
  return json::object{{"kind", ToString(kind)},
                      {"enabled", settings.enabled},
                      {"params", alerts::RuleParamsJson(kind, settings)},
                      {"defaults", alerts::RuleParamsJson(kind, alerts::RuleSet::DefaultsOf(kind))},
                      {"updated_at", TimeJson(updated)}};
}

http::Response ListRules(ApiRequest&, ApiDeps& deps) {
  auto stored = deps.store.Read([](store::ReadTx& tx) { return tx.ListAlertRules(); });
  if (!stored) return ApiError(stored.error());
  const alerts::RuleSet rules = alerts::RuleSet::FromStored(*stored, nullptr);
  std::map<AlertKind, TimePoint> updated;
  for (const auto& rule : *stored) updated[rule.kind] = rule.updated_at;
  json::array items;
  for (AlertKind kind : protocol::AllValues<AlertKind>()) {
    const auto when = updated.find(kind);
    items.emplace_back(RuleJson(
        kind, rules.Of(kind), when != updated.end() ? std::optional<TimePoint>(when->second) : std::nullopt));
  }
  return Json(http::Status::ok, json::object{{"items", std::move(items)}});
}

http::Response PutRule(ApiRequest& req, ApiDeps& deps) {
  AlertKind kind{};
  if (!protocol::FromString(req.Param("kind"), kind)) {
    return ApiError(MakeError(ErrorCode::kNotFound, "no alert rule \"" + req.Param("kind") + "\"", "kind"));
  }
  if (auto json = req.CheckJsonContentType(); !json) return ApiError(json.error());
  auto doc = schema::ParseJson(req.http.request.body(), schema::ParseLimits{});
  if (!doc) return ApiError(doc.error());
  if (!doc->is_object())
    return ApiError(MakeError(ErrorCode::kInvalidArgument, "body must be a JSON object", ""));
  bool enabled = true;
  std::string params = "{}";
  for (const auto& [key, value] : doc->as_object()) {
    if (key == "enabled") {
      if (!value.is_bool())
        return ApiError(MakeError(ErrorCode::kInvalidArgument, "enabled must be true or false", "enabled"));
      enabled = value.as_bool();
    } else if (key == "params") {
      if (!value.is_object())
        return ApiError(MakeError(ErrorCode::kInvalidArgument, "params must be an object", "params"));
      params = json::serialize(value);
    } else {
      return ApiError(MakeError(ErrorCode::kInvalidArgument, "unknown field \"" + std::string(key) + "\"",
                                std::string(key)));
    }
  }
  auto settings = alerts::ParseRuleParams(kind, enabled, params);
  if (!settings) return ApiError(settings.error());
  // Stored as the full effective params, so later default changes do not move an admin's choice.
  const std::string stored_params = json::serialize(alerts::RuleParamsJson(kind, *settings));
  auto rule = deps.store.Write([&](store::WriteTx& tx) -> Result<store::AlertRule> {
    auto put = tx.PutAlertRule(store::AlertRule{kind, enabled, stored_params, {}});
    if (!put) return put;
    auto logged = AppendAudit(tx, req.Audit("alert_rule.update", "alert_rule", std::string(ToString(kind)),
                                            {{"enabled", enabled}, {"params", json::parse(stored_params)}}));
    if (!logged) return logged.error();
    return put;
  });
  if (!rule) return ApiError(rule.error());
  if (deps.alert_rules_changed) deps.alert_rules_changed();
  return Json(http::Status::ok, RuleJson(kind, *settings, rule->updated_at));
}

}  // namespace

void RegisterAlertRoutes(ApiRoutes& routes, ApiDeps& deps) {
  routes.Add(beast_http::verb::get, "/alerts", Role::kViewer,
             "List alerts, newest first (state as a comma-separated list, kind, host_id, schedule_id filter)",
             [&deps](ApiRequest& req) { return ListAlerts(req, deps); });
  routes.Add(beast_http::verb::get, "/alerts/counts", Role::kViewer,
             "Unresolved alerts counted by state and kind (the navigation badge)",
             [&deps](ApiRequest& req) { return CountAlerts(req, deps); });
  routes.Add(beast_http::verb::get, "/alerts/{id}", Role::kViewer, "Get one alert",
             [&deps](ApiRequest& req) { return GetAlert(req, deps); });
  routes.Add(beast_http::verb::post, "/alerts/{id}/acknowledge", Role::kOperator,
             "Acknowledge an alert: no more reminders (audited)",
             [&deps](ApiRequest& req) { return AcknowledgeAlert(req, deps); });
  routes.Add(beast_http::verb::post, "/alerts/{id}/silence", Role::kOperator,
             "Silence an alert until a time or for a duration, at most 90 days (audited)",
             [&deps](ApiRequest& req) { return SilenceAlert(req, deps); });
  routes.Add(beast_http::verb::post, "/alerts/{id}/unsilence", Role::kOperator,
             "End an alert's silence (audited)",
             [&deps](ApiRequest& req) { return UnsilenceAlert(req, deps); });
  routes.Add(beast_http::verb::get, "/alert-rules", Role::kViewer,
             "Every alert rule with its effective settings and defaults",
             [&deps](ApiRequest& req) { return ListRules(req, deps); });
  routes.Add(beast_http::verb::put, "/alert-rules/{kind}", Role::kAdmin,
             "Change one alert rule: enabled and params over its defaults (audited)",
             [&deps](ApiRequest& req) { return PutRule(req, deps); });
}

}  // namespace rmgr::server::api

#include "server/api/notification_handlers.h"

#include "common/labels/labels.h"
#include "common/schema/secret.h"
#include "server/api/api_schema.h"
#include "server/api/api_support.h"
#include "server/notify/channel_fields.h"
#include "server/notify/notifier.h"
#include "server/views/json_views.h"

namespace rmgr::server::api {

namespace {

namespace beast_http = http::beast_http;
namespace json = boost::json;
using notify::ChannelFields;
using store::ChannelKind;

constexpr size_t kMaxRouting = 64;  // alert kinds, host globs, recipients, schedule ids

constexpr schema::Text kUrlRule{
    .min = 1, .max = lim::kMaxUrlBytes, .shape = &IsSingleLine, .shape_name = "a single line of text"};
constexpr schema::Text kShortRule{
    .min = 0, .max = lim::kMaxNameBytes, .shape = &IsSingleLine, .shape_name = "a single line of text"};
constexpr schema::Text kSecretRule{.min = 0, .max = lim::kMaxSecretBytes};
constexpr schema::Text kGlobRule{
    .min = 1, .max = lim::kMaxNameBytes, .shape = &IsSingleLine, .shape_name = "a single line of text"};

// One body for POST and PATCH: every field optional, each kind using its
// own (KindsOfField); secrets are schema::Secret so they never print.
struct ChannelBody {
  std::optional<std::string> name;
  std::optional<std::string> kind;
  std::optional<bool> enabled;
  std::optional<std::vector<std::string>> alert_kinds;
  std::optional<std::vector<std::string>> hosts;
  std::optional<std::string> host_selector;
  std::optional<std::string> min_severity;
  std::optional<schema::Secret> url;
  std::optional<std::string> format;
  std::optional<std::string> header_name;
  std::optional<schema::Secret> header_value;
  std::optional<std::string> server_url;
  std::optional<std::string> topic;
  std::optional<int64_t> priority;
  std::optional<schema::Secret> token;
  std::optional<std::string> smtp_url;
  std::optional<bool> require_tls;
  std::optional<std::string> username;
  std::optional<schema::Secret> password;
  std::optional<std::string> from;
  std::optional<std::vector<std::string>> to;
  std::optional<std::vector<std::string>> schedule_ids;
};
template <class F>
void Fields(F& f, schema::Is<ChannelBody> auto& b) {
  f("name", b.name, kNameRule);
  f("kind", b.kind, kShortRule);
  f("enabled", b.enabled);
  f("alert_kinds", b.alert_kinds, schema::List{kMaxRouting, kShortRule});
  f("hosts", b.hosts, schema::List{kMaxRouting, kGlobRule});
  f("host_selector", b.host_selector, schema::Text{.max = labels::kMaxSelectorBytes});
  f("min_severity", b.min_severity, kShortRule);
  f("url", b.url, schema::Text{.min = 1, .max = lim::kMaxUrlBytes});
  f("format", b.format, kShortRule);
  f("header_name", b.header_name, kShortRule);
  f("header_value", b.header_value, kSecretRule);
  f("server_url", b.server_url, kUrlRule);
  f("topic", b.topic, kShortRule);
  f("priority", b.priority, schema::Int{.min = 1, .max = 5});
  f("token", b.token, kSecretRule);
  f("smtp_url", b.smtp_url, kUrlRule);
  f("require_tls", b.require_tls);
  f("username", b.username, kShortRule);
  f("password", b.password, kSecretRule);
  f("from", b.from, kShortRule);
  f("to", b.to, schema::List{kMaxRouting, kShortRule});
  f("schedule_ids", b.schedule_ids, schema::List{kMaxRouting, kIdRule});
}

Error Invalid(std::string message, std::string field) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message), std::move(field));
}

// The kind fields present in `body`, by name, for the "does not apply" check and the audit.
std::vector<std::string> KindFieldsPresent(const ChannelBody& body) {
  std::vector<std::string> present;
  auto note = [&](const char* name, bool set) {
    if (set) present.emplace_back(name);
  };
  note("url", body.url.has_value());
  note("format", body.format.has_value());
  note("header_name", body.header_name.has_value());
  note("header_value", body.header_value.has_value());
  note("server_url", body.server_url.has_value());
  note("topic", body.topic.has_value());
  note("priority", body.priority.has_value());
  note("token", body.token.has_value());
  note("smtp_url", body.smtp_url.has_value());
  note("require_tls", body.require_tls.has_value());
  note("username", body.username.has_value());
  note("password", body.password.has_value());
  note("from", body.from.has_value());
  note("to", body.to.has_value());
  note("schedule_ids", body.schedule_ids.has_value());
  return present;
}

// Applies the body's kind fields onto `fields` after checking they belong to `kind`.
Result<void> ApplyKindFields(ChannelKind kind, const ChannelBody& body, ChannelFields& fields) {
  for (const auto& name : KindFieldsPresent(body)) {
    const auto kinds = notify::KindsOfField(name);
    if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
      return Invalid(name + " does not apply to a " + std::string(ToString(kind)) + " channel", name);
    }
  }
  if (body.url) fields.url = body.url->Reveal();
  if (body.format) {
    auto format = store::FromString<store::WebhookFormat>(*body.format);
    if (!format) return Invalid("format must be json, slack, mattermost or discord", "format");
    fields.format = *format;
  }
  if (body.header_name) fields.header_name = *body.header_name;
  if (body.header_value) fields.header_value = body.header_value->Reveal();
  if (body.server_url) fields.server_url = *body.server_url;
  if (body.topic) fields.topic = *body.topic;
  if (body.priority) fields.priority = static_cast<int>(*body.priority);
  if (body.token) fields.token = body.token->Reveal();
  if (body.smtp_url) fields.smtp_url = *body.smtp_url;
  if (body.require_tls) fields.require_tls = *body.require_tls;
  if (body.username) fields.username = *body.username;
  if (body.password) fields.password = body.password->Reveal();
  if (body.from) fields.from = *body.from;
  if (body.to) fields.to = *body.to;
  if (body.schedule_ids) fields.schedule_ids = *body.schedule_ids;
  return notify::ValidateFields(kind, fields);
}

// Applies name, enabled and routing.
Result<void> ApplyCommon(const ChannelBody& body, store::NotificationChannel& channel) {
  if (body.name) channel.name = *body.name;
  if (body.enabled) channel.enabled = *body.enabled;
  if (body.alert_kinds) {
    for (size_t i = 0; i < body.alert_kinds->size(); ++i) {
      if (!store::FromString<store::AlertKind>((*body.alert_kinds)[i])) {
        return Invalid("unknown alert kind", "alert_kinds[" + std::to_string(i) + "]");
      }
    }
    channel.alert_kinds = *body.alert_kinds;
  }
  if (body.hosts) channel.host_globs = *body.hosts;
  if (body.host_selector) {
    auto selector = labels::Selector::Parse(*body.host_selector);
    if (!selector) return Invalid(selector.error().message, "host_selector");
    channel.host_selector = selector->ToString();
  }
  if (body.min_severity) {
    auto severity = store::FromString<store::AlertSeverity>(*body.min_severity);
    if (!severity) return Invalid("min_severity must be warning or critical", "min_severity");
    channel.min_severity = *severity;
  }
  return Ok();
}

json::array Strings(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& item : items) out.emplace_back(item);
  return out;
}

json::object ChannelJson(const store::NotificationChannel& channel) {
  json::object out{{"id", channel.id},
                   {"name", channel.name},
                   {"kind", ToString(channel.kind)},
                   {"enabled", channel.enabled},
                   {"alert_kinds", Strings(channel.alert_kinds)},
                   {"hosts", Strings(channel.host_globs)},
                   {"host_selector", channel.host_selector},
                   {"min_severity", ToString(channel.min_severity)},
                   {"has_secret", !channel.secret_ciphertext.empty()}};
  for (auto& [key, value] : notify::PublicConfig(channel)) out[key] = value;
  out["created_at"] = views::TimeJson(channel.created_at);
  out["updated_at"] = views::TimeJson(channel.updated_at);
  return out;
}

json::object DeliveryJson(const store::NotificationDelivery& delivery) {
  return json::object{
      {"id", delivery.id},
      {"channel_id", delivery.channel_id},
      {"alert_id", delivery.alert_id ? json::value(*delivery.alert_id) : json::value(nullptr)},
      {"event", ToString(delivery.event)},
      {"state", ToString(delivery.state)},
      {"attempts", delivery.attempts},
      {"next_attempt_at", delivery.state == store::DeliveryState::kQueued
                              ? views::TimeJson(delivery.next_attempt_at)
                              : json::value(nullptr)},
      {"last_error", delivery.last_error},
      {"payload", delivery.payload},
      {"created_at", views::TimeJson(delivery.created_at)},
      {"sent_at", views::TimeJson(delivery.sent_at)},
  };
}

json::array ChangedNames(const ChannelBody& body) {
  json::array changed;
  const std::pair<const char*, bool> common[] = {{"name", body.name.has_value()},
                                                 {"enabled", body.enabled.has_value()},
                                                 {"alert_kinds", body.alert_kinds.has_value()},
                                                 {"hosts", body.hosts.has_value()},
                                                 {"host_selector", body.host_selector.has_value()},
                                                 {"min_severity", body.min_severity.has_value()}};
  for (const auto& [name, set] : common) {
    if (set) changed.emplace_back(name);
  }
  for (const auto& name : KindFieldsPresent(body)) changed.emplace_back(name);
  return changed;
}

http::Response ListChannels(ApiRequest& req, ApiDeps& deps) {
  auto page = PageParams(req);
  if (!page) return ApiError(page.error());
  auto channels = deps.store.Read([&](store::ReadTx& tx) { return tx.ListNotificationChannels(*page); });
  if (!channels) return ApiError(channels.error());
  json::array items;
  items.reserve(channels->items.size());
  for (const auto& channel : channels->items) items.emplace_back(ChannelJson(channel));
  return ListResponse(std::move(items), channels->next_cursor);
}

http::Response GetChannel(ApiRequest& req, ApiDeps& deps) {
  auto channel =
      deps.store.Read([&](store::ReadTx& tx) { return tx.GetNotificationChannel(req.Param("id")); });
  if (!channel) return ApiError(channel.error());
  return Json(http::Status::ok, ChannelJson(*channel));
}

http::Response CreateChannel(ApiRequest& req, ApiDeps& deps) {
  auto body = req.Body<ChannelBody>();
  if (!body) return ApiError(body.error());
  if (!body->name) return ApiError(Invalid("name is required", "name"));
  if (!body->kind) return ApiError(Invalid("kind is required", "kind"));
  auto kind = store::FromString<ChannelKind>(*body->kind);
  if (!kind) return ApiError(Invalid("kind must be webhook, ntfy, email or healthchecks", "kind"));
  store::NotificationChannel channel;
  channel.kind = *kind;
  if (auto ok = ApplyCommon(*body, channel); !ok) return ApiError(ok.error());
  ChannelFields fields;
  if (auto ok = ApplyKindFields(*kind, *body, fields); !ok) return ApiError(ok.error());
  notify::StoreFields(deps.secrets, fields, channel);
  auto made = deps.store.Write([&](store::WriteTx& tx) -> Result<store::NotificationChannel> {
    auto created = tx.CreateNotificationChannel(channel);
    if (!created) return created;
    auto logged =
        AppendAudit(tx, req.Audit("notification_channel.create", "notification_channel", created->id,
                                  {{"name", created->name}, {"kind", ToString(created->kind)}}));
    if (!logged) return logged.error();
    return created;
  });
  if (!made) return ApiError(made.error());
  return Json(http::Status::created, ChannelJson(*made));
}

http::Response PatchChannel(ApiRequest& req, ApiDeps& deps) {
  auto body = req.Body<ChannelBody>();
  if (!body) return ApiError(body.error());
  const std::string& id = req.Param("id");
  auto current = deps.store.Read([&](store::ReadTx& tx) { return tx.GetNotificationChannel(id); });
  if (!current) return ApiError(current.error());
  if (body->kind && *body->kind != ToString(current->kind)) {
    return ApiError(Invalid("a channel's kind cannot change (create another channel)", "kind"));
  }
  store::NotificationChannel channel = *current;
  if (auto ok = ApplyCommon(*body, channel); !ok) return ApiError(ok.error());
  // Sealing happens before the transaction; the secret is re-sealed only when fields change.
  if (!KindFieldsPresent(*body).empty()) {
    auto fields = notify::LoadFields(deps.secrets, *current);
    if (!fields) return ApiError(fields.error());
    if (auto ok = ApplyKindFields(channel.kind, *body, *fields); !ok) return ApiError(ok.error());
    notify::StoreFields(deps.secrets, *fields, channel);
  }
  auto updated = deps.store.Write([&](store::WriteTx& tx) -> Result<store::NotificationChannel> {
    auto stored = tx.UpdateNotificationChannel(channel);
    if (!stored) return stored;
    auto logged = AppendAudit(tx, req.Audit("notification_channel.update", "notification_channel", id,
                                            {{"name", stored->name}, {"changed", ChangedNames(*body)}}));
    if (!logged) return logged.error();
    return stored;
  });
  if (!updated) return ApiError(updated.error());
  return Json(http::Status::ok, ChannelJson(*updated));
}

http::Response DeleteChannel(ApiRequest& req, ApiDeps& deps) {
  const std::string& id = req.Param("id");
  auto deleted = deps.store.Write([&](store::WriteTx& tx) -> Result<void> {
    auto channel = tx.GetNotificationChannel(id);
    if (!channel) return channel.error();
    if (auto gone = tx.DeleteNotificationChannel(id); !gone) return gone;
    return AppendAudit(tx, req.Audit("notification_channel.delete", "notification_channel", id,
                                     {{"name", channel->name}, {"kind", ToString(channel->kind)}}));
  });
  if (!deleted) return ApiError(deleted.error());
  return NoContent();
}

http::Response TestChannel(ApiRequest& req, ApiDeps& deps) {
  const std::string& id = req.Param("id");
  auto queued = deps.store.Write([&](store::WriteTx& tx) -> Result<store::NotificationDelivery> {
    auto channel = tx.GetNotificationChannel(id);
    if (!channel) return channel.error();
    if (deps.notifier == nullptr)
      return MakeError(ErrorCode::kUnavailable, "notification delivery is not running");
    auto delivery = deps.notifier->QueueTest(tx, *channel);
    if (!delivery) return delivery;
    auto logged = AppendAudit(tx, req.Audit("notification_channel.test", "notification_channel", id,
                                            {{"name", channel->name}, {"delivery_id", delivery->id}}));
    if (!logged) return logged.error();
    return delivery;
  });
  if (!queued) return ApiError(queued.error());
  // Sent here, on the handler pool, so the answer says how it went.
  auto sent = deps.notifier->SendQueuedTest(*queued);
  if (!sent) return ApiError(sent.error());
  return Json(http::Status::ok, DeliveryJson(*sent));
}

http::Response ListDeliveries(ApiRequest& req, ApiDeps& deps) {
  auto page = PageParams(req);
  if (!page) return ApiError(page.error());
  const std::string& id = req.Param("id");
  auto deliveries =
      deps.store.Read([&](store::ReadTx& tx) -> Result<store::Page<store::NotificationDelivery>> {
        if (auto channel = tx.GetNotificationChannel(id); !channel) return channel.error();
        return tx.ListNotificationDeliveries(id, *page);
      });
  if (!deliveries) return ApiError(deliveries.error());
  json::array items;
  items.reserve(deliveries->items.size());
  for (const auto& delivery : deliveries->items) items.emplace_back(DeliveryJson(delivery));
  return ListResponse(std::move(items), deliveries->next_cursor);
}

}  // namespace

void RegisterNotificationRoutes(ApiRoutes& routes, ApiDeps& deps) {
  routes.Add(beast_http::verb::get, "/notification-channels", Role::kViewer, "List notification channels",
             [&deps](ApiRequest& req) { return ListChannels(req, deps); });
  routes.Add(beast_http::verb::post, "/notification-channels", Role::kAdmin,
             "Add a notification channel (secret fields are write-only)",
             [&deps](ApiRequest& req) { return CreateChannel(req, deps); });
  routes.Add(beast_http::verb::get, "/notification-channels/{id}", Role::kViewer,
             "Get a notification channel", [&deps](ApiRequest& req) { return GetChannel(req, deps); });
  routes.Add(beast_http::verb::patch, "/notification-channels/{id}", Role::kAdmin,
             "Change a notification channel's fields, routing or enabled flag",
             [&deps](ApiRequest& req) { return PatchChannel(req, deps); });
  routes.Add(beast_http::verb::delete_, "/notification-channels/{id}", Role::kAdmin,
             "Delete a notification channel with its delivery log",
             [&deps](ApiRequest& req) { return DeleteChannel(req, deps); });
  routes.Add(beast_http::verb::post, "/notification-channels/{id}/test", Role::kAdmin,
             "Send a test message through a channel now and report the outcome",
             [&deps](ApiRequest& req) { return TestChannel(req, deps); });
  routes.Add(beast_http::verb::get, "/notification-channels/{id}/deliveries", Role::kViewer,
             "A channel's delivery log, newest first",
             [&deps](ApiRequest& req) { return ListDeliveries(req, deps); });
}

}  // namespace rmgr::server::api

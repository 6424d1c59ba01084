#include "server/notify/render.h"

#include <fnmatch.h>

#include <algorithm>

#include "common/util/time_format.h"

namespace rmgr::server::notify {
namespace {

namespace json = boost::json;
using store::DeliveryEvent;

constexpr size_t kMaxChatText = 1900;  // Discord refuses content over 2000 characters

json::value OptText(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  return json::value(*text);
}

json::value OptTime(const std::optional<TimePoint>& time) {
  if (!time) return nullptr;
  return json::value(FormatRfc3339Utc(*time));
}

json::object AlertJson(const store::Alert& alert) {
  return json::object{
      {"id", alert.id},
      {"kind", ToString(alert.kind)},
      {"state", ToString(alert.state)},
      {"severity", ToString(alert.severity)},
      {"host_id", alert.host_id},
      {"host_name", alert.host_name},
      {"schedule_id", OptText(alert.schedule_id)},
      {"source_group_id", OptText(alert.source_group_id)},
      {"repository_id", OptText(alert.repository_id)},
      {"job_id", OptText(alert.job_id)},
      {"subject", alert.subject},
      {"reason", alert.reason},
      {"started_at", FormatRfc3339Utc(alert.started_at)},
      {"resolved_at", OptTime(alert.resolved_at)},
  };
}

std::string Label(DeliveryEvent event) {
  switch (event) {
    case DeliveryEvent::kFiring:
      return "FIRING";
    case DeliveryEvent::kReminder:
      return "STILL FIRING";
    case DeliveryEvent::kResolved:
      return "RESOLVED";
    case DeliveryEvent::kTest:
      return "TEST";
    case DeliveryEvent::kStart:
      return "START";
    case DeliveryEvent::kSuccess:
      return "SUCCESS";
    case DeliveryEvent::kFail:
      return "FAIL";
  }
  return "";
}

std::string Cut(std::string text, size_t max) {
  if (text.size() <= max) return text;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;  // keep UTF-8 whole
  text.resize(end);
  return text + "...";
}

std::string WithLink(std::string line, const RenderContext& context) {
  if (!context.server_url.empty()) line += "\n" + context.server_url;
  return line;
}

std::string ChatBody(store::WebhookFormat format, const std::string& text) {
  switch (format) {
    case store::WebhookFormat::kSlack:
    case store::WebhookFormat::kMattermost:
      return json::serialize(json::object{{"text", Cut(text, kMaxChatText)}});
    case store::WebhookFormat::kDiscord:
      return json::serialize(json::object{{"content", Cut(text, kMaxChatText)}});
    case store::WebhookFormat::kJson:
      break;
  }
  return {};
}

int NtfyPriority(DeliveryEvent event, const store::Alert& alert, int configured) {
  if (event == DeliveryEvent::kResolved) return 3;
  if (alert.severity == store::AlertSeverity::kCritical) return 5;
  return std::clamp(configured, 1, 5);
}

std::string NtfyTag(DeliveryEvent event, const store::Alert& alert) {
  if (event == DeliveryEvent::kResolved) return "white_check_mark";
  return alert.severity == store::AlertSeverity::kCritical ? "rotating_light" : "warning";
}

std::string MailText(DeliveryEvent event, const store::Alert& alert, const RenderContext& context) {
  std::string text = SummaryLine(event, alert) + "\n\n";
  text +=
      "Alert:    " + std::string(ToString(alert.kind)) + " (" + std::string(ToString(alert.severity)) + ")\n";
  text += "State:    " + std::string(ToString(alert.state)) + "\n";
  text += "Host:     " + alert.host_name + "\n";
  text += "Subject:  " + alert.subject + "\n";
  text += "Reason:   " + alert.reason + "\n";
  text += "Started:  " + FormatRfc3339Utc(alert.started_at) + "\n";
  if (alert.resolved_at) text += "Resolved: " + FormatRfc3339Utc(*alert.resolved_at) + "\n";
  text += "Alert id: " + alert.id + "\n";
  if (!context.server_url.empty()) text += "\n" + context.server_url + "\n";
  text += "\n-- \nrestic-manager\n";
  return text;
}

}  // namespace

DeliveryEvent EventOf(alerts::NoticeEvent event) {
  switch (event) {
    case alerts::NoticeEvent::kFiring:
      return DeliveryEvent::kFiring;
    case alerts::NoticeEvent::kReminder:
      return DeliveryEvent::kReminder;
    case alerts::NoticeEvent::kResolved:
      return DeliveryEvent::kResolved;
  }
  return DeliveryEvent::kFiring;
}

std::string SummaryLine(DeliveryEvent event, const store::Alert& alert) {
  std::string line = "[" + Label(event) + "] " + std::string(ToString(alert.kind)) + " (" +
                     std::string(ToString(alert.severity)) + ") on " + alert.host_name + ": " + alert.subject;
  if (!alert.reason.empty()) line += " - " + alert.reason;
  return line;
}

std::string RenderAlert(const store::NotificationChannel& channel, const alerts::AlertNotice& notice,
                        const RenderContext& context) {
  const DeliveryEvent event = EventOf(notice.event);
  const ChannelFields fields = PlainFields(channel);
  const store::Alert& alert = notice.alert;
  switch (channel.kind) {
    case store::ChannelKind::kWebhook: {
      if (fields.format != store::WebhookFormat::kJson) {
        return ChatBody(fields.format, WithLink(SummaryLine(event, alert), context));
      }
      json::object body{{"event", ToString(event)}, {"alert", AlertJson(alert)}};
      if (!context.server_url.empty()) body["server_url"] = context.server_url;
      body["sent_at"] = FormatRfc3339Utc(context.now);
      return json::serialize(body);
    }
    case store::ChannelKind::kNtfy:
      return json::serialize(json::object{
          {"title", Label(event) + ": " + std::string(ToString(alert.kind)) + " on " + alert.host_name},
          {"tags", json::array{NtfyTag(event, alert), std::string(ToString(alert.kind))}},
          {"priority", NtfyPriority(event, alert, fields.priority)},
          {"message", WithLink(alert.subject + (alert.reason.empty() ? "" : "\n" + alert.reason), context)},
      });
    case store::ChannelKind::kEmail:
      return json::serialize(json::object{
          {"subject", "[restic-manager] " + Label(event) + ": " + std::string(ToString(alert.kind)) + " on " +
                          alert.host_name + " - " + alert.subject},
          {"text", MailText(event, alert, context)},
      });
    case store::ChannelKind::kHealthchecks:
      break;  // not routed alerts (RoutesAlert)
  }
  return {};
}

std::string RenderTest(const store::NotificationChannel& channel, const RenderContext& context) {
  const ChannelFields fields = PlainFields(channel);
  const std::string line = "[TEST] restic-manager test notification for channel \"" + channel.name + "\"";
  switch (channel.kind) {
    case store::ChannelKind::kWebhook: {
      if (fields.format != store::WebhookFormat::kJson)
        return ChatBody(fields.format, WithLink(line, context));
      json::object body{{"event", "test"}, {"alert", nullptr}, {"message", line}};
      if (!context.server_url.empty()) body["server_url"] = context.server_url;
      body["sent_at"] = FormatRfc3339Utc(context.now);
      return json::serialize(body);
    }
    case store::ChannelKind::kNtfy:
      return json::serialize(json::object{{"title", "TEST: restic-manager"},
                                          {"tags", json::array{"test_tube"}},
                                          {"priority", 3},
                                          {"message", WithLink(line, context)}});
    case store::ChannelKind::kEmail:
      return json::serialize(json::object{
          {"subject", "[restic-manager] TEST: channel " + channel.name},
          {"text", line + "\n\nSent at " + FormatRfc3339Utc(context.now) + ".\n\n-- \nrestic-manager\n"}});
    case store::ChannelKind::kHealthchecks:
      // A test is a success ping of a schedule named "test".
      return json::serialize(json::object{{"path", ""},
                                          {"schedule_id", "test"},
                                          {"schedule_name", "test"},
                                          {"host_name", "test"},
                                          {"text", line}});
  }
  return {};
}

std::optional<DeliveryEvent> PingEventOf(const store::Job& job) {
  if (job.kind != store::JobKind::kBackup || !job.schedule_id) return std::nullopt;
  switch (job.status) {
    case store::JobStatus::kRunning:
      return DeliveryEvent::kStart;
    case store::JobStatus::kSucceeded:
      return DeliveryEvent::kSuccess;
    case store::JobStatus::kFailed:
    case store::JobStatus::kPartial:
    case store::JobStatus::kLost:
    case store::JobStatus::kInterrupted:
      return DeliveryEvent::kFail;
    case store::JobStatus::kQueued:
    case store::JobStatus::kDispatched:
    case store::JobStatus::kCancelled:
      return std::nullopt;
  }
  return std::nullopt;
}

std::string RenderPing(DeliveryEvent event, const store::Job& job, const std::string& host_name,
                       const std::string& schedule_name) {
  std::string path;
  if (event == DeliveryEvent::kStart) path = "/start";
  if (event == DeliveryEvent::kFail) path = "/fail";
  std::string text = "restic-manager: backup job " + job.id + " of " + host_name + " / " + schedule_name +
                     ": " + std::string(ToString(job.status));
  if (!job.error.empty()) text += "\n" + Cut(job.error, 4000);
  return json::serialize(json::object{{"path", path},
                                      {"schedule_id", job.schedule_id.value_or("")},
                                      {"schedule_name", schedule_name},
                                      {"host_name", host_name},
                                      {"text", text}});
}

bool HostRouted(const store::NotificationChannel& channel, const std::string& host_name,
                const labels::Labels& host_labels) {
  const auto& globs = channel.host_globs;
  const bool named = globs.empty() || std::any_of(globs.begin(), globs.end(), [&](const std::string& glob) {
                       return fnmatch(glob.c_str(), host_name.c_str(), 0) == 0;
                     });
  if (!named) return false;
  if (channel.host_selector.empty()) return true;
  auto selector = labels::Selector::Parse(channel.host_selector);
  return selector.ok() && selector->Matches(host_labels);
}

bool RoutesAlert(const store::NotificationChannel& channel, const store::Alert& alert,
                 const labels::Labels& host_labels) {
  if (!channel.enabled || channel.kind == store::ChannelKind::kHealthchecks) return false;
  if (alert.severity < channel.min_severity) return false;
  if (!channel.alert_kinds.empty() && std::find(channel.alert_kinds.begin(), channel.alert_kinds.end(),
                                                ToString(alert.kind)) == channel.alert_kinds.end()) {
    return false;
  }
  return HostRouted(channel, alert.host_name, host_labels);
}

}  // namespace rmgr::server::notify

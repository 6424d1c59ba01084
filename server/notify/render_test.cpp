// Pure parts of notification delivery: routing, payloads, backoff, the ping
// URL, header encoding, the mail message, and channel fields (validation,
// sealing, what the API may show).
#include "server/notify/render.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "server/auth/secret_box.h"
#include "server/notify/channel_fields.h"
#include "server/notify/delivery_worker.h"
#include "server/notify/job_pings.h"
#include "server/notify/sender.h"

namespace rmgr::server::notify {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using store::AlertKind;
using store::AlertSeverity;
using store::ChannelKind;

store::Alert SomeAlert() {
  store::Alert alert;
  alert.id = "01ALERT";
  alert.kind = AlertKind::kJobFailed;
  alert.severity = AlertSeverity::kWarning;
  alert.state = store::AlertState::kFiring;
  alert.host_id = "01HOST";
  alert.host_name = "laptop";
  alert.schedule_id = "01SCHED";
  alert.subject = "laptop / nightly / home";
  alert.reason = "restic exited with 1";
  alert.started_at = Clock::time_point(std::chrono::milliseconds(1'767'225'600'000));
  return alert;
}

store::NotificationChannel Channel(ChannelKind kind, std::string config = "{}") {
  store::NotificationChannel channel;
  channel.id = "01CHAN";
  channel.name = "ops";
  channel.kind = kind;
  channel.config_json = std::move(config);
  return channel;
}

TEST(Routing, KindsSeverityHostGlobsAndEnabled) {
  auto channel = Channel(ChannelKind::kWebhook);
  const auto alert = SomeAlert();
  EXPECT_TRUE(RoutesAlert(channel, alert, {})) << "empty routing takes everything";
  channel.alert_kinds = {"host_offline"};
  EXPECT_FALSE(RoutesAlert(channel, alert, {}));
  channel.alert_kinds = {"host_offline", "job_failed"};
  EXPECT_TRUE(RoutesAlert(channel, alert, {}));
  channel.host_globs = {"web-*", "lap*"};
  EXPECT_TRUE(RoutesAlert(channel, alert, {}));
  channel.host_globs = {"web-*"};
  EXPECT_FALSE(RoutesAlert(channel, alert, {}));
  channel.host_globs = {};
  channel.min_severity = AlertSeverity::kCritical;
  EXPECT_FALSE(RoutesAlert(channel, alert, {}));
  auto critical = alert;
  critical.severity = AlertSeverity::kCritical;
  EXPECT_TRUE(RoutesAlert(channel, critical, {}));
  channel.enabled = false;
  EXPECT_FALSE(RoutesAlert(channel, critical, {}));
  EXPECT_FALSE(RoutesAlert(Channel(ChannelKind::kHealthchecks), alert, {})) << "pings are not alerts";
}

TEST(Routing, HostLabelSelectorAndGlobsBothHold) {
  auto channel = Channel(ChannelKind::kWebhook);
  const auto alert = SomeAlert();
  const labels::Labels laptop{{"role", "laptop"}, {"site", "berlin"}};
  const labels::Labels lab_laptop{{"role", "laptop"}, {"site", "lab"}};
  channel.host_selector = "role=laptop,site!=lab";
  EXPECT_TRUE(RoutesAlert(channel, alert, laptop));
  EXPECT_FALSE(RoutesAlert(channel, alert, lab_laptop));
  EXPECT_FALSE(RoutesAlert(channel, alert, {})) << "an unlabelled host is not role=laptop";
  channel.host_globs = {"web-*"};
  EXPECT_FALSE(RoutesAlert(channel, alert, laptop)) << "the name must match too";
  channel.host_globs = {};
  channel.host_selector = "role=";  // cannot come from the API; a channel never hears more than it asked for
  EXPECT_FALSE(RoutesAlert(channel, alert, laptop));
  EXPECT_TRUE(HostRouted(Channel(ChannelKind::kHealthchecks), "anything", {}));
}

TEST(Render, WebhookJsonBodyIsTheDocumentedShape) {
  const auto body = json::parse(RenderAlert(Channel(ChannelKind::kWebhook, R"({"format":"json"})"),
                                            {alerts::NoticeEvent::kResolved, SomeAlert()},
                                            {"https://backup.example", SomeAlert().started_at}));
  EXPECT_EQ(body.at("event"), "resolved");
  EXPECT_EQ(body.at("server_url"), "https://backup.example");
  EXPECT_EQ(body.at("sent_at"), "2026-01-01T00:00:00Z");
  const auto& alert = body.at("alert").as_object();
  for (const char* key : {"id", "kind", "state", "severity", "host_id", "host_name", "schedule_id", "subject",
                          "reason", "started_at", "resolved_at"}) {
    EXPECT_TRUE(alert.contains(key)) << key;
  }
  EXPECT_EQ(alert.at("kind"), "job_failed");
  EXPECT_EQ(alert.at("host_name"), "laptop");
  EXPECT_TRUE(alert.at("resolved_at").is_null());
}

TEST(Render, ChatPresets) {
  const alerts::AlertNotice notice{alerts::NoticeEvent::kFiring, SomeAlert()};
  const RenderContext context{"", SomeAlert().started_at};
  const auto slack =
      json::parse(RenderAlert(Channel(ChannelKind::kWebhook, R"({"format":"slack"})"), notice, context));
  EXPECT_EQ(slack.as_object().size(), 1u);
  EXPECT_EQ(std::string(slack.at("text").as_string()),
            "[FIRING] job_failed (warning) on laptop: laptop / nightly / home - restic exited with 1");
  const auto mattermost =
      json::parse(RenderAlert(Channel(ChannelKind::kWebhook, R"({"format":"mattermost"})"), notice, context));
  EXPECT_EQ(mattermost.at("text"), slack.at("text"));
  const auto discord =
      json::parse(RenderAlert(Channel(ChannelKind::kWebhook, R"({"format":"discord"})"), notice, context));
  EXPECT_EQ(discord.at("content"), slack.at("text"));
  auto long_alert = SomeAlert();
  long_alert.reason = std::string(5000, 'x');
  const auto cut = json::parse(RenderAlert(Channel(ChannelKind::kWebhook, R"({"format":"discord"})"),
                                           {alerts::NoticeEvent::kFiring, long_alert}, context));
  EXPECT_LE(cut.at("content").as_string().size(), 2000u);
}

TEST(Render, NtfyPriorityFollowsSeverityAndEvent) {
  const auto channel =
      Channel(ChannelKind::kNtfy, R"({"server_url":"https://ntfy.sh","topic":"t","priority":4})");
  const RenderContext context{"", SomeAlert().started_at};
  auto warning = json::parse(RenderAlert(channel, {alerts::NoticeEvent::kFiring, SomeAlert()}, context));
  EXPECT_EQ(warning.at("priority"), 4);
  EXPECT_EQ(warning.at("title"), "FIRING: job_failed on laptop");
  auto critical_alert = SomeAlert();
  critical_alert.severity = AlertSeverity::kCritical;
  EXPECT_EQ(json::parse(RenderAlert(channel, {alerts::NoticeEvent::kFiring, critical_alert}, context))
                .at("priority"),
            5);
  EXPECT_EQ(json::parse(RenderAlert(channel, {alerts::NoticeEvent::kResolved, critical_alert}, context))
                .at("priority"),
            3);
}

TEST(Render, PingEventsOfBackupJobs) {
  store::Job job;
  job.id = "01JOB";
  job.kind = store::JobKind::kBackup;
  job.schedule_id = "01SCHED";
  const std::pair<store::JobStatus, std::optional<store::DeliveryEvent>> cases[] = {
      {store::JobStatus::kQueued, std::nullopt},
      {store::JobStatus::kDispatched, std::nullopt},
      {store::JobStatus::kRunning, store::DeliveryEvent::kStart},
      {store::JobStatus::kSucceeded, store::DeliveryEvent::kSuccess},
      {store::JobStatus::kPartial, store::DeliveryEvent::kFail},
      {store::JobStatus::kFailed, store::DeliveryEvent::kFail},
      {store::JobStatus::kLost, store::DeliveryEvent::kFail},
      {store::JobStatus::kInterrupted, store::DeliveryEvent::kFail},
      {store::JobStatus::kCancelled, std::nullopt},
  };
  for (const auto& [status, event] : cases) {
    job.status = status;
    EXPECT_EQ(PingEventOf(job), event) << ToString(status);
  }
  job.status = store::JobStatus::kSucceeded;
  job.kind = store::JobKind::kCheck;
  EXPECT_EQ(PingEventOf(job), std::nullopt);
  job.kind = store::JobKind::kBackup;
  job.schedule_id.reset();
  EXPECT_EQ(PingEventOf(job), std::nullopt) << "run-now backups have no check";
}

TEST(Sender, PingUrlExpandsPlaceholdersAndAppendsThePath) {
  EXPECT_EQ(
      PingUrl("https://hc-ping.com/KEY/{host_name}-{schedule_name}", "01S", "night ly", "web/1", "/start"),
      "https://hc-ping.com/KEY/web%2F1-night%20ly/start");
  EXPECT_EQ(PingUrl("https://hc.example/ping/uuid/?create=1", "", "", "", "/fail"),
            "https://hc.example/ping/uuid/fail?create=1");
  EXPECT_EQ(PingUrl("https://hc.example/ping/{schedule_id}", "01S", "", "", ""),
            "https://hc.example/ping/01S");
}

TEST(Sender, HeaderTextIsOneLineAndEncodesNonAscii) {
  EXPECT_EQ(HeaderText("a\r\nBcc: x"), "a  Bcc: x");
  EXPECT_EQ(HeaderText("caf\xc3\xa9"), "=?UTF-8?B?Y2Fmw6k=?=");
}

TEST(Sender, MailHasHeadersAndCrlfBody) {
  ChannelFields fields;
  fields.from = "rm@example.com";
  fields.to = {"a@example.com", "b@example.com"};
  const std::string mail = BuildMail(fields, "Subject line", "one\ntwo\n", "01D@restic-manager",
                                     Clock::time_point(std::chrono::milliseconds(1'767'225'600'000)));
  EXPECT_NE(mail.find("Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n"), std::string::npos) << mail;
  EXPECT_NE(mail.find("From: restic-manager <rm@example.com>\r\n"), std::string::npos);
  EXPECT_NE(mail.find("To: a@example.com, b@example.com\r\n"), std::string::npos);
  EXPECT_NE(mail.find("Subject: Subject line\r\n"), std::string::npos);
  EXPECT_NE(mail.find("Message-ID: <01D@restic-manager>\r\n"), std::string::npos);
  EXPECT_NE(mail.find("\r\n\r\none\r\ntwo\r\n"), std::string::npos);
}

TEST(Backoff, DoublesFromInitialUpToMaxTimesJitter) {
  const milliseconds initial = seconds(30);
  const milliseconds max = std::chrono::hours(1);
  EXPECT_EQ(BackoffDelay(1, initial, max, 1.0), seconds(30));
  EXPECT_EQ(BackoffDelay(2, initial, max, 1.0), seconds(60));
  EXPECT_EQ(BackoffDelay(3, initial, max, 1.0), seconds(120));
  EXPECT_EQ(BackoffDelay(8, initial, max, 1.0), std::chrono::hours(1));
  EXPECT_EQ(BackoffDelay(1000, initial, max, 1.0), std::chrono::hours(1));
  EXPECT_EQ(BackoffDelay(1, initial, max, 0.8), seconds(24));
}

TEST(ChannelFields, ValidationNamesTheField) {
  ChannelFields webhook;
  webhook.url = "ftp://x";
  EXPECT_EQ(ValidateFields(ChannelKind::kWebhook, webhook).error().field, "url");
  webhook.url = "https://hooks.example/abc";
  EXPECT_TRUE(ValidateFields(ChannelKind::kWebhook, webhook).ok());
  webhook.header_name = "Authori zation";
  webhook.header_value = "x";
  EXPECT_EQ(ValidateFields(ChannelKind::kWebhook, webhook).error().field, "header_name");

  ChannelFields ntfy;
  ntfy.server_url = "https://ntfy.sh";
  ntfy.topic = "a/b";
  EXPECT_EQ(ValidateFields(ChannelKind::kNtfy, ntfy).error().field, "topic");
  ntfy.topic = "backups";
  ntfy.priority = 6;
  EXPECT_EQ(ValidateFields(ChannelKind::kNtfy, ntfy).error().field, "priority");

  ChannelFields email;
  email.smtp_url = "https://mail";
  EXPECT_EQ(ValidateFields(ChannelKind::kEmail, email).error().field, "smtp_url");
  email.smtp_url = "smtps://mail.example:465";
  email.from = "rm@example.com";
  email.to = {"ok@example.com", "bad\r\nRCPT TO:<x@y>"};
  EXPECT_EQ(ValidateFields(ChannelKind::kEmail, email).error().field, "to[1]");
  email.to = {"ok@example.com"};
  EXPECT_TRUE(ValidateFields(ChannelKind::kEmail, email).ok());
}

TEST(ChannelFields, SecretsAreSealedAndOnlyHintsAreShown) {
  const auto box = auth::SecretBox::FromKey(std::array<unsigned char, 32>{7});
  ChannelFields fields;
  fields.url = "https://hooks.slack.example/services/T0/B0/s3cr3t";
  fields.format = store::WebhookFormat::kSlack;
  fields.header_name = "Authorization";
  fields.header_value = "Bearer hdr-secret";
  auto channel = Channel(ChannelKind::kWebhook);
  StoreFields(box, fields, channel);
  EXPECT_EQ(channel.config_json.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(channel.config_json.find("hdr-secret"), std::string::npos);
  const std::string sealed(channel.secret_ciphertext.begin(), channel.secret_ciphertext.end());
  EXPECT_EQ(sealed.find("s3cr3t"), std::string::npos);
  const auto shown = PublicConfig(channel);
  EXPECT_EQ(shown.at("url_hint"), "https://hooks.slack.example/…");
  EXPECT_EQ(shown.at("format"), "slack");
  auto loaded = LoadFields(box, channel);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->url, fields.url);
  EXPECT_EQ(loaded->header_value, fields.header_value);
  EXPECT_EQ(loaded->format, store::WebhookFormat::kSlack);
  EXPECT_TRUE(PlainFields(channel).url.empty());
  const auto other = auth::SecretBox::FromKey(std::array<unsigned char, 32>{8});
  EXPECT_FALSE(LoadFields(other, channel).ok());
}

TEST(JobPings, QueuesOnlyPingableJobsUpToItsBoundAndWakes) {
  int wakes = 0;
  JobPings pings([&] { ++wakes; }, 2);
  store::Job job;
  job.kind = store::JobKind::kBackup;
  job.schedule_id = "01SCHED";
  job.status = store::JobStatus::kQueued;
  pings.JobChanged(job);  // nothing to ping yet
  job.status = store::JobStatus::kRunning;
  for (const char* id : {"a", "b", "c"}) {
    job.id = id;
    pings.JobChanged(job);
  }
  EXPECT_EQ(wakes, 2);
  EXPECT_EQ(pings.Dropped(), 1);
  const auto drained = pings.Drain();
  ASSERT_EQ(drained.size(), 2u);
  EXPECT_EQ(drained[0].id, "a");
  EXPECT_EQ(drained[1].id, "b");
  EXPECT_TRUE(pings.Drain().empty());
}

}  // namespace
}  // namespace rmgr::server::notify

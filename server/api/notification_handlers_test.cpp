// REST handlers: notification channels — create per kind, secrets sealed
// and never answered or audited, roles, validation, PATCH merging secrets,
// delete, the delivery log and "send test".
#include <gtest/gtest.h>

#include "server/api/resource_test_fixture.h"
#include "server/auth/secret_box.h"
#include "server/notify/channel_fields.h"
#include "server/notify/notifier.h"

namespace rmgr::server::api::testing {
namespace {

namespace json = boost::json;

using ChannelsApi = ResourceApiTest;

const std::string kTarget = "/api/v1/notification-channels";

json::object SlackHook() {
  return json::object{{"name", "chat"},
                      {"kind", "webhook"},
                      {"url", "https://hooks.slack.example/services/T0/B0/s3cr3t-url"},
                      {"format", "slack"},
                      {"header_name", "Authorization"},
                      {"header_value", "Bearer hdr-s3cr3t"},
                      {"alert_kinds", json::array{"job_failed", "host_unprotected"}},
                      {"hosts", json::array{"web-*"}},
                      {"min_severity", "critical"}};
}

void ExpectNoSecret(const std::string& text) {
  for (const char* secret : {"s3cr3t-url", "hdr-s3cr3t", "tk-s3cr3t", "pw-s3cr3t", "hc-s3cr3t"}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << secret << " in " << text;
  }
}

TEST_F(ChannelsApi, CreateSealsSecretsAndAnswersOnlyHints) {
  auto made = As("admin", "POST", kTarget, SlackHook());
  ASSERT_EQ(made.status, 201u) << made.body;
  ExpectNoSecret(made.body);
  const auto channel = made.Json().as_object();
  const std::string id(channel.at("id").as_string());
  EXPECT_EQ(channel.at("kind"), "webhook");
  EXPECT_EQ(channel.at("format"), "slack");
  EXPECT_EQ(channel.at("url_hint"), "https://hooks.slack.example/…");
  EXPECT_EQ(channel.at("header_name"), "Authorization");
  EXPECT_EQ(channel.at("has_secret"), true);
  EXPECT_EQ(channel.at("enabled"), true);
  EXPECT_EQ(channel.at("alert_kinds"), (json::array{"job_failed", "host_unprotected"}));
  EXPECT_EQ(channel.at("hosts"), (json::array{"web-*"}));
  EXPECT_EQ(channel.at("min_severity"), "critical");
  EXPECT_FALSE(channel.contains("url"));
  EXPECT_FALSE(channel.contains("header_value"));

  auto stored = Store().Read([&](store::ReadTx& tx) { return tx.GetNotificationChannel(id); });
  ASSERT_TRUE(stored.ok());
  const std::string ciphertext(stored->secret_ciphertext.begin(), stored->secret_ciphertext.end());
  ExpectNoSecret(ciphertext + stored->config_json);
  auto fields = notify::LoadFields(Deps().secrets, *stored);
  ASSERT_TRUE(fields.ok());
  EXPECT_EQ(fields->url, "https://hooks.slack.example/services/T0/B0/s3cr3t-url");
  EXPECT_EQ(fields->header_value, "Bearer hdr-s3cr3t");

  for (const char* role : {"viewer", "operator"}) {
    auto got = As(role, "GET", kTarget + "/" + id);
    ASSERT_EQ(got.status, 200u);
    EXPECT_EQ(got.Json(), made.Json());
    auto listed = As(role, "GET", kTarget);
    ASSERT_EQ(listed.Json().at("items").as_array().size(), 1u);
    ExpectNoSecret(listed.body);
  }
  auto audit = As("viewer", "GET", "/api/v1/audit?action=notification_channel.create");
  ASSERT_EQ(audit.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(audit.Json().at("items").at(0).at("target_id"), json::value(id));
  ExpectNoSecret(audit.body);
}

TEST_F(ChannelsApi, EveryKindCanBeCreated) {
  auto ntfy = As("admin", "POST", kTarget,
                 json::object{{"name", "phone"},
                              {"kind", "ntfy"},
                              {"server_url", "https://ntfy.sh"},
                              {"topic", "backups"},
                              {"priority", 3},
                              {"token", "tk-s3cr3t"}});
  ASSERT_EQ(ntfy.status, 201u) << ntfy.body;
  EXPECT_EQ(ntfy.Json().at("topic"), "backups");
  EXPECT_EQ(ntfy.Json().at("priority"), 3);
  EXPECT_EQ(ntfy.Json().at("has_secret"), true);
  auto email = As("admin", "POST", kTarget,
                  json::object{{"name", "mail"},
                               {"kind", "email"},
                               {"smtp_url", "smtps://mail.example:465"},
                               {"username", "rm"},
                               {"password", "pw-s3cr3t"},
                               {"from", "rm@example.com"},
                               {"to", json::array{"ops@example.com"}}});
  ASSERT_EQ(email.status, 201u) << email.body;
  EXPECT_EQ(email.Json().at("require_tls"), true);
  EXPECT_EQ(email.Json().at("to"), (json::array{"ops@example.com"}));
  auto hc = As("admin", "POST", kTarget,
               json::object{{"name", "hc"},
                            {"kind", "healthchecks"},
                            {"url", "https://hc-ping.com/hc-s3cr3t/{host_name}-{schedule_name}"}});
  ASSERT_EQ(hc.status, 201u) << hc.body;
  EXPECT_EQ(hc.Json().at("url_hint"), "https://hc-ping.com/…");
  auto plain = As(
      "admin", "POST", kTarget,
      json::object{{"name", "plain"}, {"kind", "ntfy"}, {"server_url", "http://ntfy.lan"}, {"topic", "t"}});
  ASSERT_EQ(plain.status, 201u) << plain.body;
  EXPECT_EQ(plain.Json().at("has_secret"), false);
  ExpectNoSecret(ntfy.body + email.body + hc.body + As("viewer", "GET", kTarget).body);
}

TEST_F(ChannelsApi, RejectsBadInputRolesAndUnknownIds) {
  auto made = As("admin", "POST", kTarget, SlackHook());
  ASSERT_EQ(made.status, 201u);
  const std::string id(made.Json().at("id").as_string());
  const std::string before = StoreState();
  const json::object hook{{"name", "x"}, {"kind", "webhook"}, {"url", "https://h.example/x"}};
  EXPECT_TRUE(IsError(As("admin", "POST", kTarget, json::object{{"kind", "webhook"}}), 400, "name"));
  EXPECT_TRUE(IsError(As("admin", "POST", kTarget, json::object{{"name", "x"}}), 400, "kind"));
  EXPECT_TRUE(IsError(As("admin", "POST", kTarget, With(hook, "kind", "pager")), 400, "kind"));
  EXPECT_TRUE(IsError(As("admin", "POST", kTarget, With(hook, "url", "file:///etc/passwd")), 400, "url"));
  EXPECT_TRUE(IsError(As("admin", "POST", kTarget, With(hook, "url", "javascript:alert(1)")), 400, "url"));
  EXPECT_TRUE(IsError(As("admin", "POST", kTarget, With(hook, "format", "teams")), 400, "format"));
  EXPECT_TRUE(IsError(As("admin", "POST", kTarget, With(hook, "topic", "t")), 400, "topic"));
  EXPECT_TRUE(IsError(As("admin", "POST", kTarget, With(hook, "alert_kinds", json::array{"nope"})), 400,
                      "alert_kinds[0]"));
  EXPECT_TRUE(IsError(As("admin", "POST", kTarget, With(hook, "min_severity", "info")), 400, "min_severity"));
  EXPECT_TRUE(IsError(As("admin", "POST", kTarget, With(hook, "url", std::string(5000, 'a'))), 400, "url"));
  EXPECT_TRUE(IsError(As("admin", "POST", kTarget, With(hook, "surprise", 1)), 400, "surprise"));
  EXPECT_TRUE(IsError(As("admin", "POST", kTarget,
                         json::object{{"name", "n"},
                                      {"kind", "ntfy"},
                                      {"server_url", "https://ntfy.sh"},
                                      {"topic", "t"},
                                      {"priority", 9}}),
                      400, "priority"));
  EXPECT_TRUE(IsError(As("admin", "POST", kTarget,
                         json::object{{"name", "m"},
                                      {"kind", "email"},
                                      {"smtp_url", "http://mail"},
                                      {"from", "a@b.c"},
                                      {"to", json::array{"d@e.f"}}}),
                      400, "smtp_url"));
  EXPECT_TRUE(IsError(As("admin", "POST", kTarget, With(SlackHook(), "name", "chat")), 409, "name"));
  EXPECT_TRUE(IsError(As("operator", "POST", kTarget, hook), 403));
  EXPECT_TRUE(IsError(As("viewer", "POST", kTarget, hook), 403));
  EXPECT_TRUE(IsError(As("operator", "PATCH", kTarget + "/" + id, json::object{{"enabled", false}}), 403));
  EXPECT_TRUE(IsError(As("operator", "DELETE", kTarget + "/" + id), 403));
  EXPECT_TRUE(IsError(As("operator", "POST", kTarget + "/" + id + "/test"), 403));
  EXPECT_TRUE(IsError(As("admin", "PATCH", kTarget + "/" + id, json::object{{"kind", "ntfy"}}), 400, "kind"));
  EXPECT_TRUE(IsError(As("admin", "PATCH", kTarget + "/" + id, json::object{{"token", "x"}}), 400, "token"));
  const std::string unknown = kTarget + "/01ARZ3NDEKTSV4RRFFQ69G5FAV";
  EXPECT_TRUE(IsError(As("viewer", "GET", unknown), 404));
  EXPECT_TRUE(IsError(As("admin", "PATCH", unknown, json::object{{"enabled", false}}), 404));
  EXPECT_TRUE(IsError(As("admin", "DELETE", unknown), 404));
  EXPECT_TRUE(IsError(As("viewer", "GET", unknown + "/deliveries"), 404));
  EXPECT_EQ(StoreState(), before);
  const auto count_before = AuditCount();
  EXPECT_TRUE(IsError(As("admin", "POST", unknown + "/test"), 404));
  EXPECT_EQ(AuditCount(), count_before);
}

TEST_F(ChannelsApi, PatchKeepsSecretsItIsNotGivenAndAuditsFieldNamesOnly) {
  auto made = As("admin", "POST", kTarget, SlackHook());
  const std::string id(made.Json().at("id").as_string());
  auto patched = As("admin", "PATCH", kTarget + "/" + id,
                    json::object{{"enabled", false}, {"format", "discord"}, {"hosts", json::array()}});
  ASSERT_EQ(patched.status, 200u) << patched.body;
  EXPECT_EQ(patched.Json().at("enabled"), false);
  EXPECT_EQ(patched.Json().at("format"), "discord");
  EXPECT_EQ(patched.Json().at("hosts"), json::array());
  auto stored = Store().Read([&](store::ReadTx& tx) { return tx.GetNotificationChannel(id); });
  auto fields = notify::LoadFields(Deps().secrets, *stored);
  ASSERT_TRUE(fields.ok());
  EXPECT_EQ(fields->url, "https://hooks.slack.example/services/T0/B0/s3cr3t-url") << "kept";
  EXPECT_EQ(fields->header_value, "Bearer hdr-s3cr3t") << "kept";

  auto reurl = As("admin", "PATCH", kTarget + "/" + id,
                  json::object{{"url", "https://discord.example/api/s3cr3t-url2"}});
  ASSERT_EQ(reurl.status, 200u) << reurl.body;
  EXPECT_EQ(reurl.Json().at("url_hint"), "https://discord.example/…");
  stored = Store().Read([&](store::ReadTx& tx) { return tx.GetNotificationChannel(id); });
  EXPECT_EQ(notify::LoadFields(Deps().secrets, *stored)->url, "https://discord.example/api/s3cr3t-url2");

  auto audit = As("viewer", "GET", "/api/v1/audit?action=notification_channel.update");
  ASSERT_EQ(audit.Json().at("items").as_array().size(), 2u);
  EXPECT_EQ(audit.Json().at("items").at(0).at("detail").at("changed"), (json::array{"url"}));
  EXPECT_EQ(audit.Json().at("items").at(1).at("detail").at("changed"),
            (json::array{"enabled", "hosts", "format"}));
  ExpectNoSecret(audit.body);
  EXPECT_EQ(audit.body.find("s3cr3t-url2"), std::string::npos);
}

TEST_F(ChannelsApi, HostSelectorIsCheckedKeptCanonicalAndAudited) {
  auto made = As("admin", "POST", kTarget, SlackHook());
  const std::string id(made.Json().at("id").as_string());
  EXPECT_EQ(made.Json().at("host_selector"), "") << "every host by default";
  auto patched = As("admin", "PATCH", kTarget + "/" + id,
                    json::object{{"host_selector", " role = laptop , site!=lab "}});
  ASSERT_EQ(patched.status, 200u) << patched.body;
  EXPECT_EQ(patched.Json().at("host_selector"), "role=laptop,site!=lab");
  const std::string before = StoreState();
  for (const char* bad : {"role=", "Role=x", "role,,site", "role=a b"}) {
    EXPECT_TRUE(IsError(As("admin", "PATCH", kTarget + "/" + id, json::object{{"host_selector", bad}}), 400,
                        "host_selector"))
        << bad;
  }
  EXPECT_TRUE(IsError(As("admin", "PATCH", kTarget + "/" + id, json::object{{"host_selector", 3}}), 400,
                      "host_selector"));
  EXPECT_TRUE(
      IsError(As("operator", "PATCH", kTarget + "/" + id, json::object{{"host_selector", "role=x"}}), 403));
  EXPECT_EQ(StoreState(), before);
  auto audit = As("viewer", "GET", "/api/v1/audit?action=notification_channel.update");
  ASSERT_EQ(audit.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(audit.Json().at("items").at(0).at("detail").at("changed"), (json::array{"host_selector"}));
}

TEST_F(ChannelsApi, DeleteGoesWithItsDeliveriesAndIsAudited) {
  auto made = As("admin", "POST", kTarget, SlackHook());
  const std::string id(made.Json().at("id").as_string());
  EXPECT_EQ(As("admin", "DELETE", kTarget + "/" + id).status, 204u);
  EXPECT_TRUE(IsError(As("viewer", "GET", kTarget + "/" + id), 404));
  auto audit = As("viewer", "GET", "/api/v1/audit?action=notification_channel.delete");
  ASSERT_EQ(audit.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(audit.Json().at("items").at(0).at("detail").at("name"), "chat");
}

TEST_F(ChannelsApi, SendTestReportsTheOutcomeAndLogsTheDelivery) {
  // This test server answers 401 to an unauthenticated POST: a refusing sink.
  auto made = As("admin", "POST", kTarget,
                 json::object{{"name", "self"},
                              {"kind", "webhook"},
                              {"url", "http://127.0.0.1:" + std::to_string(Port()) + "/api/v1/hosts"}});
  ASSERT_EQ(made.status, 201u) << made.body;
  const std::string id(made.Json().at("id").as_string());
  EXPECT_TRUE(IsError(As("admin", "POST", kTarget + "/" + id + "/test"), 503)) << "no notifier wired";

  notify::NotifierSettings settings;
  settings.worker.transport.total_timeout = std::chrono::seconds(10);
  notify::Notifier notifier(Store(), Deps().secrets, settings);
  Deps().notifier = &notifier;
  auto tested = As("admin", "POST", kTarget + "/" + id + "/test");
  Deps().notifier = nullptr;
  ASSERT_EQ(tested.status, 200u) << tested.body;
  EXPECT_EQ(tested.Json().at("event"), "test");
  EXPECT_EQ(tested.Json().at("state"), "failed");
  EXPECT_EQ(tested.Json().at("attempts"), 1);
  EXPECT_EQ(tested.Json().at("last_error"), "HTTP 401");

  auto log = As("viewer", "GET", kTarget + "/" + id + "/deliveries?limit=1");
  ASSERT_EQ(log.status, 200u) << log.body;
  ASSERT_EQ(log.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(log.Json().at("items").at(0).at("id"), tested.Json().at("id"));
  EXPECT_TRUE(log.Json().at("next_cursor").is_null());
  auto audit = As("viewer", "GET", "/api/v1/audit?action=notification_channel.test");
  ASSERT_EQ(audit.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(audit.Json().at("items").at(0).at("detail").at("delivery_id"), tested.Json().at("id"));
}

}  // namespace
}  // namespace rmgr::server::api::testing

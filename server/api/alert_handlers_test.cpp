// REST handlers: alerts and alert rules — listing with filters and paging,
// counts, acknowledge / silence / unsilence by role, every decision
// audited, rule changes validated and kept, bad input and unknown ids.
#include <gtest/gtest.h>

#include "server/alerts/alert_conditions.h"
#include "server/alerts/alert_lifecycle.h"
#include "server/api/resource_test_fixture.h"
#include "server/store/store.h"

namespace rmgr::server::api::testing {
namespace {

namespace json = boost::json;

class AlertsApi : public ResourceApiTest {
 protected:
  void SetUp() override {
    ResourceApiTest::SetUp();
    host_ = MakeHost("laptop");
    failed_ = Fire(store::AlertKind::kJobFailed, "s/g", store::AlertSeverity::kWarning);
    offline_ = Fire(store::AlertKind::kHostOffline, host_, store::AlertSeverity::kWarning);
    check_ = Fire(store::AlertKind::kCheckFailed, "c/", store::AlertSeverity::kCritical);
  }

  //! An alert fired the engine's way (through Reconcile).
  std::string Fire(store::AlertKind kind, const std::string& key, store::AlertSeverity severity) {
    alerts::Condition condition;
    condition.kind = kind;
    condition.severity = severity;
    condition.subject_key = key;
    condition.host_id = host_;
    condition.host_name = "laptop";
    condition.subject = "laptop / " + key;
    condition.reason = "because";
    auto fired = Store().Write(
        [&](store::WriteTx& tx) { return alerts::Reconcile(tx, nullptr, {condition}, {}, Clock::now()); });
    EXPECT_TRUE(fired.ok());
    return fired.ok() ? fired->changed.at(0).id : std::string();
  }

  std::string host_, failed_, offline_, check_;
};

TEST_F(AlertsApi, ListsNewestFirstWithFiltersAndCursorPagingForViewers) {
  auto all = As("viewer", "GET", "/api/v1/alerts");
  ASSERT_EQ(all.status, 200u) << all.body;
  const json::value doc = all.Json();
  const auto& items = doc.at("items").as_array();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].at("id"), json::value(check_));
  EXPECT_EQ(items[0].at("kind"), "check_failed");
  EXPECT_EQ(items[0].at("state"), "firing");
  EXPECT_EQ(items[0].at("severity"), "critical");
  EXPECT_EQ(items[0].at("host_id"), json::value(host_));
  EXPECT_EQ(items[0].at("host_name"), "laptop");
  EXPECT_TRUE(items[0].at("resolved_at").is_null());

  auto page = As("viewer", "GET", "/api/v1/alerts?limit=2");
  ASSERT_EQ(page.Json().at("items").as_array().size(), 2u);
  const std::string cursor(page.Json().at("next_cursor").as_string());
  auto rest = As("viewer", "GET", "/api/v1/alerts?limit=2&cursor=" + cursor);
  ASSERT_EQ(rest.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(rest.Json().at("items").at(0).at("id"), json::value(failed_));

  auto offline = As("viewer", "GET", "/api/v1/alerts?kind=host_offline&host_id=" + host_);
  ASSERT_EQ(offline.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(offline.Json().at("items").at(0).at("id"), json::value(offline_));
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/alerts?state=burning"), 400, "state"));
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/alerts?kind=meteor"), 400, "kind"));
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/alerts/01JUNKNOWN0000000000000000"), 404));
  EXPECT_EQ(Call("GET", "/api/v1/alerts").status, 401u);
}

TEST_F(AlertsApi, OperatorsAcknowledgeAndSilenceViewersCannotAndEachDecisionIsAudited) {
  EXPECT_TRUE(IsError(As("viewer", "POST", "/api/v1/alerts/" + failed_ + "/acknowledge"), 403));
  const int64_t audits = AuditCount();
  auto acked = As("operator", "POST", "/api/v1/alerts/" + failed_ + "/acknowledge");
  ASSERT_EQ(acked.status, 200u) << acked.body;
  EXPECT_EQ(acked.Json().at("state"), "acknowledged");
  EXPECT_FALSE(acked.Json().at("acknowledged_at").is_null());
  EXPECT_EQ(AuditCount(), audits + 1);

  auto silenced = As("operator", "POST", "/api/v1/alerts/" + offline_ + "/silence",
                     json::object{{"duration_minutes", 60}});
  ASSERT_EQ(silenced.status, 200u) << silenced.body;
  EXPECT_EQ(silenced.Json().at("state"), "silenced");
  EXPECT_FALSE(silenced.Json().at("silenced_until").is_null());
  auto firing = As("viewer", "GET", "/api/v1/alerts?state=firing,acknowledged");
  EXPECT_EQ(firing.Json().at("items").as_array().size(), 2u);
  auto unsilenced = As("operator", "POST", "/api/v1/alerts/" + offline_ + "/unsilence");
  ASSERT_EQ(unsilenced.status, 200u) << unsilenced.body;
  EXPECT_EQ(unsilenced.Json().at("state"), "firing");
  EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/alerts/" + offline_ + "/unsilence"), 409, "state"));
  EXPECT_EQ(AuditCount(), audits + 3);

  EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/alerts/" + offline_ + "/silence", json::object{}), 400,
                      "until"));
  EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/alerts/" + offline_ + "/silence",
                         json::object{{"duration_minutes", 60}, {"until", "2030-01-01T00:00:00Z"}}),
                      400, "until"));
  EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/alerts/" + offline_ + "/silence",
                         json::object{{"until", "2000-01-01T00:00:00Z"}}),
                      400, "until"));
  EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/alerts/" + offline_ + "/silence",
                         json::object{{"duration_minutes", "soon"}}),
                      400, "duration_minutes"));
  EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/alerts/01JUNKNOWN0000000000000000/acknowledge"), 404));
}

TEST_F(AlertsApi, CountsByStateAndKindForTheBadge) {
  ASSERT_EQ(As("operator", "POST", "/api/v1/alerts/" + failed_ + "/acknowledge").status, 200u);
  auto counts = As("viewer", "GET", "/api/v1/alerts/counts");
  ASSERT_EQ(counts.status, 200u) << counts.body;
  const auto body = counts.Json();
  EXPECT_EQ(body.at("firing"), 2);
  EXPECT_EQ(body.at("acknowledged"), 1);
  EXPECT_EQ(body.at("silenced"), 0);
  EXPECT_EQ(body.at("critical_firing"), 1);
  EXPECT_EQ(body.at("by_kind").at("job_failed").at("acknowledged"), 1);
}

TEST_F(AlertsApi, RulesShowEffectiveSettingsAndDefaultsAndOnlyAdminsChangeThem) {
  auto rules = As("viewer", "GET", "/api/v1/alert-rules");
  ASSERT_EQ(rules.status, 200u) << rules.body;
  const json::value doc = rules.Json();
  const auto& items = doc.at("items").as_array();
  ASSERT_EQ(items.size(), 9u);
  EXPECT_EQ(items[0].at("kind"), "host_unprotected");
  EXPECT_EQ(items[0].at("params").at("grace_factor"), 1.5);

  EXPECT_TRUE(IsError(
      As("operator", "PUT", "/api/v1/alert-rules/host_offline", json::object{{"enabled", false}}), 403));
  const int64_t audits = AuditCount();
  auto changed = As("admin", "PUT", "/api/v1/alert-rules/host_offline",
                    json::object{{"enabled", true}, {"params", json::object{{"after_minutes", 5}}}});
  ASSERT_EQ(changed.status, 200u) << changed.body;
  EXPECT_EQ(changed.Json().at("params").at("after_minutes"), 5);
  EXPECT_EQ(changed.Json().at("defaults").at("after_minutes"), 30);
  EXPECT_EQ(AuditCount(), audits + 1);
  auto again = As("viewer", "GET", "/api/v1/alert-rules");
  EXPECT_EQ(again.Json().at("items").at(1).at("params").at("after_minutes"), 5);
  EXPECT_FALSE(again.Json().at("items").at(1).at("updated_at").is_null());

  EXPECT_TRUE(IsError(As("admin", "PUT", "/api/v1/alert-rules/host_offline",
                         json::object{{"params", json::object{{"after_minutes", -3}}}}),
                      400, "params.after_minutes"));
  EXPECT_TRUE(IsError(As("admin", "PUT", "/api/v1/alert-rules/host_offline",
                         json::object{{"params", json::object{{"grace_factor", 2}}}}),
                      400, "params.grace_factor"));
  EXPECT_TRUE(IsError(As("admin", "PUT", "/api/v1/alert-rules/host_offline", json::object{{"colour", "red"}}),
                      400, "colour"));
  EXPECT_TRUE(IsError(As("admin", "PUT", "/api/v1/alert-rules/meteor_strike", json::object{}), 404));
  EXPECT_EQ(AuditCount(), audits + 1) << "refused changes are not stored or audited";
}

}  // namespace
}  // namespace rmgr::server::api::testing

// REST handlers: hosts and enrollment tokens.
#include <gtest/gtest.h>

#include "server/api/resource_test_fixture.h"
#include "server/auth/credentials.h"

namespace rmgr::server::api::testing {
namespace {

namespace json = boost::json;

using HostsApi = ResourceApiTest;

TEST_F(HostsApi, CreateGetListRenameDelete) {
  auto made = As("operator", "POST", "/api/v1/hosts", json::object{{"name", "web-1"}});
  ASSERT_EQ(made.status, 201u) << made.body;
  const auto host = made.Json().as_object();
  const std::string id(host.at("id").as_string());
  EXPECT_EQ(host.at("name"), "web-1");
  EXPECT_EQ(host.at("mode"), "always_on");
  EXPECT_EQ(host.at("connected"), false);
  EXPECT_TRUE(host.at("hostname").is_null());
  EXPECT_TRUE(host.at("last_seen_at").is_null());
  EXPECT_TRUE(host.at("current_job_id").is_null());
  EXPECT_EQ(host.at("schedule_version").at("canonical"), 0);
  EXPECT_EQ(host.at("schedule_version").at("applied"), 0);
  EXPECT_FALSE(host.contains("token_hash"));

  auto got = As("viewer", "GET", "/api/v1/hosts/" + id);
  ASSERT_EQ(got.status, 200u);
  EXPECT_EQ(got.Json(), made.Json());

  MakeHost("db-1");
  auto searched = As("viewer", "GET", "/api/v1/hosts?q=WEB");
  ASSERT_EQ(searched.status, 200u);
  ASSERT_EQ(searched.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(searched.Json().at("items").at(0).at("id"), json::value(id));
  EXPECT_TRUE(searched.Json().at("next_cursor").is_null());

  auto patched = As("operator", "PATCH", "/api/v1/hosts/" + id,
                    json::object{{"name", "web-01"}, {"mode", "intermittent"}});
  ASSERT_EQ(patched.status, 200u) << patched.body;
  EXPECT_EQ(patched.Json().at("name"), "web-01");
  EXPECT_EQ(patched.Json().at("mode"), "intermittent");

  EXPECT_EQ(As("admin", "DELETE", "/api/v1/hosts/" + id).status, 204u);
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/hosts/" + id), 404));

  auto audit = As("viewer", "GET", "/api/v1/audit?target_id=" + id);
  ASSERT_EQ(audit.status, 200u);
  const auto entries = audit.Json().at("items").as_array();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].at("action"), "host.delete");
  EXPECT_EQ(entries[0].at("actor_id"), "test-admin");
  EXPECT_EQ(entries[1].at("action"), "host.update");
  EXPECT_EQ(entries[1].at("detail").at("old_name"), "web-1");
  EXPECT_EQ(entries[2].at("action"), "host.create");
  EXPECT_EQ(entries[2].at("source_addr"), "127.0.0.1");
}

TEST_F(HostsApi, LabelsAreSetAuditedAndSelectHosts) {
  auto made =
      As("operator", "POST", "/api/v1/hosts",
         json::object{{"name", "lap-1"}, {"labels", json::object{{"role", "laptop"}, {"site", "lab"}}}});
  ASSERT_EQ(made.status, 201u) << made.body;
  const std::string id(made.Json().at("id").as_string());
  EXPECT_EQ(made.Json().at("labels"), (json::object{{"role", "laptop"}, {"site", "lab"}}));
  EXPECT_EQ(As("viewer", "GET", "/api/v1/hosts/" + MakeHost("srv")).Json().at("labels"), json::object{});

  auto patched = As("operator", "PATCH", "/api/v1/hosts/" + id,
                    json::object{{"labels", json::object{{"role", "laptop"}, {"site", "berlin"}}}});
  ASSERT_EQ(patched.status, 200u) << patched.body;
  EXPECT_EQ(patched.Json().at("labels"), (json::object{{"role", "laptop"}, {"site", "berlin"}}));
  auto audit = As("viewer", "GET", "/api/v1/audit?target_id=" + id);
  ASSERT_EQ(audit.status, 200u);
  const json::value update = audit.Json().at("items").at(0);
  EXPECT_EQ(update.at("action"), "host.update");
  EXPECT_EQ(update.at("detail").at("old_labels").at("site"), "lab");
  EXPECT_EQ(update.at("detail").at("labels").at("site"), "berlin");

  auto selected = As("viewer", "GET", "/api/v1/hosts?selector=role%3Dlaptop%2Csite%21%3Dlab");
  ASSERT_EQ(selected.status, 200u) << selected.body;
  ASSERT_EQ(selected.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(selected.Json().at("items").at(0).at("name"), "lap-1");
  auto none = As("viewer", "GET", "/api/v1/hosts?selector=role%3Dserver");
  ASSERT_EQ(none.status, 200u);
  EXPECT_TRUE(none.Json().at("items").as_array().empty());
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/hosts?selector=role%3D"), 400, "selector"));

  // Bad labels are refused and change nothing; a viewer cannot set labels.
  const std::string before = StoreState();
  for (const auto& bad : {json::object{{"Role", "x"}}, json::object{{"role", "two words"}},
                          json::object{{"role", ""}}, json::object{{"role", 1}}}) {
    auto refused = As("operator", "PATCH", "/api/v1/hosts/" + id, json::object{{"labels", bad}});
    EXPECT_TRUE(IsError(refused, 400)) << json::serialize(bad);
    EXPECT_EQ(refused.ErrorField().rfind("labels", 0), 0u) << refused.body;
  }
  json::object many;
  for (int i = 0; i <= 32; ++i) many["k" + std::to_string(i)] = "v";
  EXPECT_TRUE(IsError(As("operator", "PATCH", "/api/v1/hosts/" + id, json::object{{"labels", many}}), 400));
  EXPECT_TRUE(IsError(As("operator", "PATCH", "/api/v1/hosts/" + id, json::object{{"labels", "role=x"}}), 400,
                      "labels"));
  EXPECT_TRUE(
      IsError(As("viewer", "PATCH", "/api/v1/hosts/" + id, json::object{{"labels", json::object{}}}), 403));
  EXPECT_EQ(StoreState(), before);
}

TEST_F(HostsApi, DeleteTakesTheHostsGroupsAndSchedules) {
  const std::string host = MakeHost("web");
  const std::string group = MakeGroup(host, "etc");
  const std::string schedule = MakeSchedule(host, MakeRepository("nas"), {group});
  EXPECT_EQ(As("admin", "DELETE", "/api/v1/hosts/" + host).status, 204u);
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/source-groups/" + group), 404));
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/schedules/" + schedule), 404));
}

TEST_F(HostsApi, ValidationErrorsNameTheFieldAndChangeNothing) {
  const std::string id = MakeHost("web");
  const std::string before = StoreState();
  EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/hosts", json::object{}), 400, "name"));
  EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/hosts", json::object{{"name", ""}}), 400, "name"));
  EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/hosts", json::object{{"name", 7}}), 400, "name"));
  EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/hosts", json::object{{"name", std::string(256, 'a')}}),
                      400, "name"));
  EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/hosts", json::object{{"name", "a\nb"}}), 400, "name"));
  EXPECT_TRUE(
      IsError(As("operator", "POST", "/api/v1/hosts", json::object{{"name", "x"}, {"mode", "sometimes"}}),
              400, "mode"));
  EXPECT_TRUE(
      IsError(As("operator", "POST", "/api/v1/hosts", json::object{{"name", "x"}, {"id", "y"}}), 400, "id"));
  EXPECT_TRUE(
      IsError(As("operator", "PATCH", "/api/v1/hosts/" + id, json::object{{"mode", true}}), 400, "mode"));
  EXPECT_TRUE(IsError(As("operator", "PATCH", "/api/v1/hosts/" + id, json::object{{"hostname", "h"}}), 400,
                      "hostname"));
  EXPECT_EQ(StoreState(), before);
}

TEST_F(HostsApi, RolesAreEnforcedAndChangeNothing) {
  const std::string id = MakeHost("web");
  const std::string before = StoreState();
  EXPECT_TRUE(IsError(As("viewer", "POST", "/api/v1/hosts", json::object{{"name", "x"}}), 403));
  EXPECT_TRUE(IsError(As("viewer", "PATCH", "/api/v1/hosts/" + id, json::object{{"name", "x"}}), 403));
  EXPECT_TRUE(IsError(As("operator", "DELETE", "/api/v1/hosts/" + id), 403));
  EXPECT_TRUE(IsError(Call("GET", "/api/v1/hosts"), 401));
  EXPECT_TRUE(IsError(Call("POST", "/api/v1/hosts", R"({"name":"x"})"), 401));
  EXPECT_EQ(StoreState(), before);
}

TEST_F(HostsApi, UnknownIdsAre404AndDuplicatesAre409) {
  MakeHost("web");
  const std::string other = MakeHost("db");
  const std::string before = StoreState();
  const std::string unknown = "/api/v1/hosts/01ARZ3NDEKTSV4RRFFQ69G5FAV";
  EXPECT_TRUE(IsError(As("viewer", "GET", unknown), 404));
  EXPECT_TRUE(IsError(As("operator", "PATCH", unknown, json::object{{"name", "x"}}), 404));
  EXPECT_TRUE(IsError(As("admin", "DELETE", unknown), 404));
  EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/hosts", json::object{{"name", "web"}}), 409, "name"));
  EXPECT_TRUE(
      IsError(As("operator", "PATCH", "/api/v1/hosts/" + other, json::object{{"name", "web"}}), 409, "name"));
  EXPECT_EQ(StoreState(), before);
}

TEST_F(HostsApi, ListPagesWithCursorAndRejectsBadPaging) {
  for (const char* name : {"e", "a", "d", "b", "c"}) MakeHost(name);
  std::vector<std::string> seen;
  std::string target = "/api/v1/hosts?limit=2";
  for (int guard = 0; guard < 10; ++guard) {
    auto page = As("viewer", "GET", target);
    ASSERT_EQ(page.status, 200u) << page.body;
    const json::value body = page.Json();
    for (const auto& item : body.at("items").as_array()) seen.emplace_back(item.at("name").as_string());
    const auto next = page.Json().at("next_cursor");
    if (next.is_null()) break;
    target = "/api/v1/hosts?limit=2&cursor=" + std::string(next.as_string());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  for (const char* bad : {"0", "-1", "501", "1e3", "abc", "99999999999999999999"}) {
    EXPECT_TRUE(IsError(As("viewer", "GET", std::string("/api/v1/hosts?limit=") + bad), 400, "limit")) << bad;
  }
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/hosts?cursor=garbage"), 400, "cursor"));
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/hosts?q=" + std::string(300, 'a')), 400, "q"));
}

using EnrollmentApi = ResourceApiTest;

TEST_F(EnrollmentApi, CreateShowsTheTokenOnceListRevoke) {
  const TimePoint now = std::chrono::sys_days{std::chrono::year{2026} / 3 / 1} + std::chrono::hours{9};
  PinClock(now);
  const std::string host = MakeHost("laptop");
  auto made = As("operator", "POST", "/api/v1/enrollment-tokens",
                 json::object{{"name", "laptop enrollment"}, {"host_id", host}, {"ttl_seconds", 3600}});
  ASSERT_EQ(made.status, 201u) << made.body;
  const auto token = made.Json().as_object();
  const std::string secret(token.at("token").as_string());
  const std::string id(token.at("id").as_string());
  EXPECT_EQ(secret.rfind("rme_", 0), 0u) << secret;
  EXPECT_EQ(token.at("status"), "active");
  EXPECT_EQ(token.at("host_id"), json::value(host));
  EXPECT_EQ(token.at("expires_at"), "2026-03-01T10:00:00Z");
  EXPECT_TRUE(token.at("used_at").is_null());
  // Only the hash is stored.
  auto stored = Store().Read([&](store::ReadTx& tx) { return tx.GetEnrollmentToken(id); });
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->token_hash, auth::HashToken(secret));

  auto listed = As("operator", "GET", "/api/v1/enrollment-tokens");
  ASSERT_EQ(listed.status, 200u);
  ASSERT_EQ(listed.Json().at("items").as_array().size(), 1u);
  EXPECT_FALSE(listed.Json().at("items").at(0).as_object().contains("token"));
  EXPECT_EQ(listed.body.find(secret), std::string::npos);

  EXPECT_EQ(As("operator", "DELETE", "/api/v1/enrollment-tokens/" + id).status, 204u);
  auto after = As("operator", "GET", "/api/v1/enrollment-tokens");
  EXPECT_EQ(after.Json().at("items").at(0).at("status"), "revoked");
  // Revoking again is harmless.
  EXPECT_EQ(As("operator", "DELETE", "/api/v1/enrollment-tokens/" + id).status, 204u);

  auto audit = As("viewer", "GET", "/api/v1/audit?target_kind=enrollment_token");
  ASSERT_EQ(audit.status, 200u);
  EXPECT_EQ(audit.Json().at("items").as_array().size(), 3u);
  EXPECT_EQ(audit.body.find(secret), std::string::npos);
}

TEST_F(EnrollmentApi, StatusTurnsExpiredWithTheClock) {
  const TimePoint now = std::chrono::sys_days{std::chrono::year{2026} / 3 / 1};
  PinClock(now);
  const std::string id = Created("/api/v1/enrollment-tokens", {{"name", "t"}, {"ttl_seconds", 60}});
  PinClock(now + std::chrono::seconds(61));
  auto listed = As("operator", "GET", "/api/v1/enrollment-tokens");
  EXPECT_EQ(listed.Json().at("items").at(0).at("status"), "expired");
  EXPECT_EQ(listed.Json().at("items").at(0).at("id"), json::value(id));
}

TEST_F(EnrollmentApi, RejectsBadInputRolesAndUnknownIds) {
  Created("/api/v1/enrollment-tokens", {{"name", "kept"}});
  const std::string before = StoreState();
  const std::string target = "/api/v1/enrollment-tokens";
  EXPECT_TRUE(IsError(As("operator", "POST", target, json::object{}), 400, "name"));
  EXPECT_TRUE(IsError(As("operator", "POST", target, json::object{{"name", "t"}, {"ttl_seconds", 59}}), 400,
                      "ttl_seconds"));
  EXPECT_TRUE(IsError(As("operator", "POST", target, json::object{{"name", "t"}, {"ttl_seconds", 2592001}}),
                      400, "ttl_seconds"));
  EXPECT_TRUE(IsError(As("operator", "POST", target, json::object{{"name", "t"}, {"ttl_seconds", "60"}}), 400,
                      "ttl_seconds"));
  EXPECT_TRUE(IsError(As("operator", "POST", target, json::object{{"name", "t"}, {"host_id", "not-an-id"}}),
                      400, "host_id"));
  EXPECT_TRUE(IsError(
      As("operator", "POST", target, json::object{{"name", "t"}, {"host_id", "01ARZ3NDEKTSV4RRFFQ69G5FAV"}}),
      400, "host_id"));
  EXPECT_TRUE(IsError(As("viewer", "POST", target, json::object{{"name", "t"}}), 403));
  EXPECT_TRUE(IsError(As("viewer", "GET", target), 403));
  EXPECT_TRUE(IsError(As("viewer", "DELETE", target + "/01ARZ3NDEKTSV4RRFFQ69G5FAV"), 403));
  EXPECT_TRUE(IsError(As("operator", "DELETE", target + "/01ARZ3NDEKTSV4RRFFQ69G5FAV"), 404));
  EXPECT_EQ(StoreState(), before);
}

}  // namespace
}  // namespace rmgr::server::api::testing

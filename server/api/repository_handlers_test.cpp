// REST handlers: repositories (write-only password) and their snapshots.
#include <gtest/gtest.h>

#include "server/api/resource_test_fixture.h"
#include "server/auth/secret_box.h"

namespace rmgr::server::api::testing {
namespace {

namespace json = boost::json;

using RepositoriesApi = ResourceApiTest;

TEST_F(RepositoriesApi, CreateSealsThePasswordAndNeverAnswersIt) {
  auto made = As("operator", "POST", "/api/v1/repositories",
                 json::object{{"name", "nas"}, {"url", "sftp:b@nas:/r"}, {"password", "s3cr3t-pw"}});
  ASSERT_EQ(made.status, 201u) << made.body;
  const auto repo = made.Json().as_object();
  const std::string id(repo.at("id").as_string());
  EXPECT_EQ(repo.at("name"), "nas");
  EXPECT_EQ(repo.at("url"), "sftp:b@nas:/r");
  EXPECT_EQ(repo.at("has_password"), true);
  EXPECT_FALSE(repo.contains("password"));
  EXPECT_EQ(made.body.find("s3cr3t-pw"), std::string::npos);

  auto stored = Store().Read([&](store::ReadTx& tx) { return tx.GetRepository(id); });
  ASSERT_TRUE(stored.ok());
  const std::string ciphertext(stored->secret_ciphertext.begin(), stored->secret_ciphertext.end());
  EXPECT_EQ(ciphertext.find("s3cr3t-pw"), std::string::npos);
  auto opened = Deps().secrets.Open(auth::SealedSecret{stored->secret_nonce, stored->secret_ciphertext});
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, "s3cr3t-pw");

  auto got = As("viewer", "GET", "/api/v1/repositories/" + id);
  ASSERT_EQ(got.status, 200u);
  EXPECT_EQ(got.Json(), made.Json());
  auto listed = As("viewer", "GET", "/api/v1/repositories");
  ASSERT_EQ(listed.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(listed.body.find("s3cr3t-pw"), std::string::npos);
}

// How hosts share the repository (server/scheduling/repository_leases.h):
// the backup limit and the maintenance window, validated and audited.
TEST_F(RepositoriesApi, SharingSettingsAreValidatedStoredAndAudited) {
  const json::object base{{"name", "nas"}, {"url", "/r"}, {"password", "pw"}};
  auto with = [&](json::object extra) {
    json::object body = base;
    for (auto& [key, value] : extra) body[key] = value;
    return body;
  };
  auto made = As(
      "operator", "POST", "/api/v1/repositories",
      with({{"max_concurrent_backups", 2}, {"maintenance_cron", "0 2 * * *"}, {"maintenance_minutes", 120}}));
  ASSERT_EQ(made.status, 201u) << made.body;
  EXPECT_EQ(made.Json().at("max_concurrent_backups"), 2);
  EXPECT_EQ(made.Json().at("maintenance_cron"), "0 2 * * *");
  EXPECT_EQ(made.Json().at("maintenance_minutes"), 120);
  const std::string id(made.Json().at("id").as_string());
  auto audit = As("viewer", "GET", "/api/v1/audit?action=repository.create");
  EXPECT_EQ(audit.Json().at("items").at(0).at("detail").at("maintenance_cron"), "0 2 * * *");

  const std::string path = "/api/v1/repositories/" + id;
  EXPECT_TRUE(IsError(As("operator", "PATCH", path, json::object{{"maintenance_cron", "0 25 * * *"}}), 400,
                      "maintenance_cron"));
  EXPECT_TRUE(IsError(As("operator", "PATCH", path, json::object{{"maintenance_cron", "@every 1h"}}), 400,
                      "maintenance_cron"));
  EXPECT_TRUE(IsError(As("operator", "PATCH", path, json::object{{"maintenance_minutes", 0}}), 400,
                      "maintenance_minutes"));
  EXPECT_TRUE(IsError(As("operator", "PATCH", path, json::object{{"max_concurrent_backups", -1}}), 400,
                      "max_concurrent_backups"));
  EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/repositories", with({{"maintenance_minutes", 30}})),
                      400, "maintenance_minutes"));
  EXPECT_TRUE(IsError(As("viewer", "PATCH", path, json::object{{"max_concurrent_backups", 1}}), 403, ""));

  // Clearing the window clears its duration.
  auto cleared =
      As("operator", "PATCH", path, json::object{{"maintenance_cron", ""}, {"max_concurrent_backups", 0}});
  ASSERT_EQ(cleared.status, 200u) << cleared.body;
  EXPECT_EQ(cleared.Json().at("maintenance_cron"), "");
  EXPECT_EQ(cleared.Json().at("maintenance_minutes"), 0);
  EXPECT_EQ(cleared.Json().at("max_concurrent_backups"), 0);
  auto updates = As("viewer", "GET", "/api/v1/audit?action=repository.update");
  ASSERT_EQ(updates.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(updates.Json().at("items").at(0).at("detail").at("changed"),
            (json::array{"max_concurrent_backups", "maintenance_cron"}));
}

TEST_F(RepositoriesApi, PatchChangesFieldsResealsAndBumpsHostsUsingIt) {
  const std::string host = MakeHost("web");
  const std::string repo = MakeRepository("nas", "old-password");
  MakeSchedule(host, repo, {MakeGroup(host, "etc")});
  const int64_t version = HostVersion(host);
  auto patched = As("operator", "PATCH", "/api/v1/repositories/" + repo,
                    json::object{{"url", "rest:http://nas:8000/"}, {"password", "new-password"}});
  ASSERT_EQ(patched.status, 200u) << patched.body;
  EXPECT_EQ(patched.Json().at("url"), "rest:http://nas:8000/");
  EXPECT_EQ(patched.Json().at("name"), "nas");
  EXPECT_EQ(HostVersion(host), version + 1);
  auto stored = Store().Read([&](store::ReadTx& tx) { return tx.GetRepository(repo); });
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(*Deps().secrets.Open(auth::SealedSecret{stored->secret_nonce, stored->secret_ciphertext}),
            "new-password");
  auto audit = As("viewer", "GET", "/api/v1/audit?action=repository.update");
  ASSERT_EQ(audit.Json().at("items").as_array().size(), 1u);
  const auto detail = audit.Json().at("items").at(0).at("detail");
  EXPECT_EQ(detail.at("changed"), (json::array{"url", "password"}));
  EXPECT_EQ(audit.body.find("new-password"), std::string::npos);
}

TEST_F(RepositoriesApi, DeleteIs422WhileUsedAnd204Otherwise) {
  const std::string host = MakeHost("web");
  const std::string used = MakeRepository("used");
  const std::string unused = MakeRepository("unused");
  MakeSchedule(host, used, {MakeGroup(host, "etc")});
  const std::string before = StoreState();
  auto refused = As("operator", "DELETE", "/api/v1/repositories/" + used);
  EXPECT_TRUE(IsError(refused, 422));
  EXPECT_EQ(refused.ErrorCode(), "constraint");
  EXPECT_EQ(StoreState(), before);
  EXPECT_EQ(As("operator", "DELETE", "/api/v1/repositories/" + unused).status, 204u);
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/repositories/" + unused), 404));
}

TEST_F(RepositoriesApi, RejectsBadInputDuplicatesRolesAndUnknownIds) {
  const std::string repo = MakeRepository("nas");
  const std::string before = StoreState();
  const std::string target = "/api/v1/repositories";
  EXPECT_TRUE(
      IsError(As("operator", "POST", target, json::object{{"name", "x"}, {"url", "u"}}), 400, "password"));
  EXPECT_TRUE(
      IsError(As("operator", "POST", target, json::object{{"name", "x"}, {"url", "u"}, {"password", ""}}),
              400, "password"));
  EXPECT_TRUE(
      IsError(As("operator", "POST", target, json::object{{"name", "x"}, {"url", ""}, {"password", "p"}}),
              400, "url"));
  EXPECT_TRUE(
      IsError(As("operator", "POST", target, json::object{{"name", "x"}, {"url", "a\nb"}, {"password", "p"}}),
              400, "url"));
  EXPECT_TRUE(
      IsError(As("operator", "POST", target, json::object{{"name", "x"}, {"url", "u"}, {"password", 42}}),
              400, "password"));
  EXPECT_TRUE(
      IsError(As("operator", "POST", target, json::object{{"name", "nas"}, {"url", "u"}, {"password", "p"}}),
              409, "name"));
  EXPECT_TRUE(IsError(
      As("viewer", "POST", target, json::object{{"name", "y"}, {"url", "u"}, {"password", "p"}}), 403));
  EXPECT_TRUE(IsError(As("viewer", "PATCH", target + "/" + repo, json::object{{"name", "y"}}), 403));
  EXPECT_TRUE(IsError(As("viewer", "DELETE", target + "/" + repo), 403));
  EXPECT_TRUE(
      IsError(As("operator", "PATCH", target + "/" + repo, json::object{{"secret", "y"}}), 400, "secret"));
  const std::string unknown = target + "/01ARZ3NDEKTSV4RRFFQ69G5FAV";
  EXPECT_TRUE(IsError(As("viewer", "GET", unknown), 404));
  EXPECT_TRUE(IsError(As("operator", "PATCH", unknown, json::object{{"name", "z"}}), 404));
  EXPECT_TRUE(IsError(As("operator", "DELETE", unknown), 404));
  EXPECT_TRUE(IsError(As("viewer", "GET", unknown + "/snapshots"), 404));
  EXPECT_EQ(StoreState(), before);
}

TEST_F(RepositoriesApi, SnapshotsListNewestFirstFilteredByHost) {
  const std::string repo = MakeRepository("nas");
  const std::string web = MakeHost("web");
  const std::string db = MakeHost("db");
  const TimePoint t0 = std::chrono::sys_days{std::chrono::year{2026} / 5 / 1};
  std::vector<store::Snapshot> snapshots;
  for (int i = 0; i < 3; ++i) {
    store::Snapshot s;
    s.id = "abcdef0" + std::to_string(i) + "11223344";
    s.short_id = s.id.substr(0, 8);
    s.time = t0 + std::chrono::hours(i);
    s.hostname = i == 2 ? "db.lan" : "web.lan";
    s.paths = {"/etc"};
    s.tags = {"nightly"};
    s.host_id = i == 2 ? db : web;
    snapshots.push_back(s);
  }
  ASSERT_TRUE(Store().Write([&](store::WriteTx& tx) { return tx.UpsertSnapshots(repo, snapshots); }).ok());
  auto all = As("viewer", "GET", "/api/v1/repositories/" + repo + "/snapshots");
  ASSERT_EQ(all.status, 200u) << all.body;
  const auto items = all.Json().at("items").as_array();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].at("host_id"), json::value(db));
  EXPECT_EQ(items[0].at("time"), "2026-05-01T02:00:00Z");
  EXPECT_EQ(items[0].at("tags"), (json::array{"nightly"}));
  auto only_web =
      As("viewer", "GET", "/api/v1/repositories/" + repo + "/snapshots?host_id=" + web + "&limit=1");
  ASSERT_EQ(only_web.status, 200u);
  ASSERT_EQ(only_web.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(only_web.Json().at("items").at(0).at("short_id"), "abcdef01");
  EXPECT_FALSE(only_web.Json().at("next_cursor").is_null());
  EXPECT_TRUE(
      IsError(As("viewer", "GET", "/api/v1/repositories/" + repo + "/snapshots?cursor=zz"), 400, "cursor"));
}

}  // namespace
}  // namespace rmgr::server::api::testing

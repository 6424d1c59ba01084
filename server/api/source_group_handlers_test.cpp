// REST handlers: source groups (the path rule, version bumps, 422 while used).
#include <gtest/gtest.h>

#include "server/api/resource_test_fixture.h"

namespace rmgr::server::api::testing {
namespace {

namespace json = boost::json;

using GroupsApi = ResourceApiTest;

TEST_F(GroupsApi, CreateGetListPatchDeleteBumpingTheHostVersion) {
  const std::string host = MakeHost("web");
  const std::string other = MakeHost("db");
  auto made = As("operator", "POST", "/api/v1/source-groups",
                 json::object{{"host_id", host},
                              {"name", "system"},
                              {"paths", Strings({"/etc", "/var/lib/app"})},
                              {"excludes", Strings({"*.tmp", "/var/lib/app/cache"})},
                              {"tags", Strings({"system"})}});
  ASSERT_EQ(made.status, 201u) << made.body;
  const auto group = made.Json().as_object();
  const std::string id(group.at("id").as_string());
  EXPECT_EQ(group.at("host_id"), json::value(host));
  EXPECT_EQ(group.at("paths"), json::value(Strings({"/etc", "/var/lib/app"})));
  EXPECT_EQ(group.at("excludes"), json::value(Strings({"*.tmp", "/var/lib/app/cache"})));
  EXPECT_EQ(HostVersion(host), 1);

  MakeGroup(other, "db");
  EXPECT_EQ(As("viewer", "GET", "/api/v1/source-groups/" + id).Json(), made.Json());
  auto on_host = As("viewer", "GET", "/api/v1/source-groups?host_id=" + host);
  ASSERT_EQ(on_host.status, 200u);
  ASSERT_EQ(on_host.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(As("viewer", "GET", "/api/v1/source-groups").Json().at("items").as_array().size(), 2u);

  auto patched = As("operator", "PATCH", "/api/v1/source-groups/" + id,
                    json::object{{"paths", Strings({"/srv"})}, {"tags", json::array{}}});
  ASSERT_EQ(patched.status, 200u) << patched.body;
  EXPECT_EQ(patched.Json().at("paths"), json::value(Strings({"/srv"})));
  EXPECT_EQ(patched.Json().at("name"), "system");
  EXPECT_TRUE(patched.Json().at("tags").as_array().empty());
  EXPECT_EQ(HostVersion(host), 2);

  EXPECT_EQ(As("operator", "DELETE", "/api/v1/source-groups/" + id).status, 204u);
  EXPECT_EQ(HostVersion(host), 3);
  EXPECT_TRUE(IsError(As("viewer", "GET", "/api/v1/source-groups/" + id), 404));
  auto audit = As("viewer", "GET", "/api/v1/audit?target_kind=source_group&target_id=" + id);
  ASSERT_EQ(audit.Json().at("items").as_array().size(), 3u);
  EXPECT_EQ(audit.Json().at("items").at(0).at("detail").at("schedule_version"), 3);
}

TEST_F(GroupsApi, PathRuleRejectsTraversalRelativeAndControlCharacters) {
  const std::string host = MakeHost("web");
  const std::string id = MakeGroup(host, "etc");
  const std::string before = StoreState();
  const auto create = [&](json::array paths) {
    return As("operator", "POST", "/api/v1/source-groups",
              json::object{{"host_id", host}, {"name", "g"}, {"paths", std::move(paths)}});
  };
  EXPECT_TRUE(IsError(create(Strings({"/etc/../root"})), 400, "paths[0]"));
  EXPECT_TRUE(IsError(create(Strings({"/ok", "/.."})), 400, "paths[1]"));
  EXPECT_TRUE(IsError(create(Strings({"/ok", "/a/b/.."})), 400, "paths[1]"));
  EXPECT_TRUE(IsError(create(Strings({"../etc"})), 400, "paths[0]"));
  EXPECT_TRUE(IsError(create(Strings({"etc"})), 400, "paths[0]"));
  EXPECT_TRUE(IsError(create(Strings({"/etc\n/root"})), 400, "paths[0]"));
  EXPECT_TRUE(IsError(create(Strings({std::string("/etc\0x", 6)})), 400, "paths[0]"));
  EXPECT_TRUE(IsError(create(Strings({""})), 400, "paths[0]"));
  EXPECT_TRUE(IsError(create(json::array{}), 400, "paths"));
  EXPECT_TRUE(IsError(create(json::array{1}), 400, "paths[0]"));
  EXPECT_TRUE(IsError(create(Strings(std::vector<std::string>(1001, "/a"))), 400, "paths"));
  EXPECT_TRUE(IsError(As("operator", "PATCH", "/api/v1/source-groups/" + id,
                         json::object{{"excludes", Strings({"cache/../../etc"})}}),
                      400, "excludes[0]"));
  EXPECT_TRUE(IsError(
      As("operator", "PATCH", "/api/v1/source-groups/" + id, json::object{{"tags", Strings({"a,b"})}}), 400,
      "tags[0]"));
  EXPECT_TRUE(IsError(As("operator", "PATCH", "/api/v1/source-groups/" + id, json::object{{"host_id", host}}), 400,
                      "host_id"));
  // ".." inside a name is fine: only whole segments climb.
  EXPECT_EQ(create(Strings({"/srv/..hidden/x..y"})).status, 201u);
  EXPECT_NE(StoreState(), before);
}

TEST_F(GroupsApi, RejectsUnknownHostDuplicatesRolesAndUnknownIds) {
  const std::string host = MakeHost("web");
  const std::string id = MakeGroup(host, "etc");
  const std::string before = StoreState();
  const auto body = [&](std::string host_id, std::string name) {
    return json::object{{"host_id", std::move(host_id)}, {"name", std::move(name)}, {"paths", Strings({"/x"})}};
  };
  EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/source-groups", body("01ARZ3NDEKTSV4RRFFQ69G5FAV", "n")), 400,
                      "host_id"));
  EXPECT_TRUE(IsError(As("operator", "POST", "/api/v1/source-groups", body(host, "etc")), 409, "name"));
  EXPECT_TRUE(IsError(As("viewer", "POST", "/api/v1/source-groups", body(host, "other")), 403));
  EXPECT_TRUE(IsError(As("viewer", "DELETE", "/api/v1/source-groups/" + id), 403));
  const std::string unknown = "/api/v1/source-groups/01ARZ3NDEKTSV4RRFFQ69G5FAV";
  EXPECT_TRUE(IsError(As("viewer", "GET", unknown), 404));
  EXPECT_TRUE(IsError(As("operator", "PATCH", unknown, json::object{{"name", "x"}}), 404));
  EXPECT_TRUE(IsError(As("operator", "DELETE", unknown), 404));
  EXPECT_EQ(StoreState(), before);
}

TEST_F(GroupsApi, DeleteIs422WhileAScheduleUsesIt) {
  const std::string host = MakeHost("web");
  const std::string group = MakeGroup(host, "etc");
  MakeSchedule(host, MakeRepository("nas"), {group});
  const std::string before = StoreState();
  auto refused = As("operator", "DELETE", "/api/v1/source-groups/" + group);
  EXPECT_TRUE(IsError(refused, 422));
  EXPECT_EQ(refused.ErrorCode(), "constraint");
  EXPECT_EQ(StoreState(), before);
}

}  // namespace
}  // namespace rmgr::server::api::testing

#include "server/api/api_routes.h"

#include <gtest/gtest.h>

#include "server/api/api_test_fixture.h"

namespace rmgr::server::api {
namespace {

namespace beast_http = http::beast_http;

struct RenameRequest {
  std::string name;
};
template <class F>
void Fields(F& f, schema::Is<RenameRequest> auto& r) {
  f("name", r.name, schema::Text{.min = 1, .max = 8});
}

class ApiRoutesTest : public testing::ApiFixture {
 protected:
  void SetUp() override {
    Routes().Add(beast_http::verb::post, "/things/{id}", Role::kOperator, "Rename a thing", [](ApiRequest& req) {
      auto body = req.Body<RenameRequest>();
      if (!body) return http::ErrorResponse(body.error());
      auto limit = req.QueryInt("limit", 1, 500);
      if (!limit) return http::ErrorResponse(limit.error());
      return Json(http::Status::ok, boost::json::object{{"id", req.Param("id")},
                                                         {"name", body->name},
                                                         {"by", req.caller().username},
                                                         {"limit", limit->value_or(50)}});
    });
    Routes().AddPublic(beast_http::verb::get, "/open", "Public", [](ApiRequest&) { return NoContent(); });
    Start();
  }
};

TEST_F(ApiRoutesTest, NoCredentialsIs401WithChallenge) {
  auto r = Call("POST", "/api/v1/things/1", R"({"name":"a"})");
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(r.ErrorCode(), "unauthenticated");
  EXPECT_NE(r.headers["www-authenticate"].find("Bearer"), std::string::npos);
}

TEST_F(ApiRoutesTest, WeakerRoleIs403) {
  auto r = As("viewer", "POST", "/api/v1/things/1", boost::json::object{{"name", "a"}});
  EXPECT_EQ(r.status, 403u);
  EXPECT_EQ(r.ErrorCode(), "permission_denied");
}

TEST_F(ApiRoutesTest, StrongerRoleReachesTheHandler) {
  auto r = As("admin", "POST", "/api/v1/things/7?limit=20", boost::json::object{{"name", "new"}});
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Json().at("id"), "7");
  EXPECT_EQ(r.Json().at("limit"), 20);
  EXPECT_EQ(r.Json().at("by"), "test-admin");
}

TEST_F(ApiRoutesTest, BodyErrorsNameTheField) {
  EXPECT_EQ(As("operator", "POST", "/api/v1/things/1", boost::json::object{{"name", 5}}).ErrorField(), "name");
  auto unknown = As("operator", "POST", "/api/v1/things/1", boost::json::object{{"name", "a"}, {"nmae", "b"}});
  EXPECT_EQ(unknown.status, 400u);
  EXPECT_EQ(unknown.ErrorCode(), "unknown_field");
  auto not_json = Call("POST", "/api/v1/things/1", "name=a",
                       {{"X-Test-Role", "operator"}, {"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(not_json.status, 400u);
  EXPECT_EQ(not_json.ErrorField(), "Content-Type");
  auto broken = Call("POST", "/api/v1/things/1", "{\"name\":", {{"X-Test-Role", "operator"}});
  EXPECT_EQ(broken.ErrorCode(), "malformed");
}

TEST_F(ApiRoutesTest, QueryIntRejectsJunkAndOutOfRange) {
  const boost::json::object body{{"name", "a"}};
  for (const char* bad : {"-1", "0", "501", "99999999999999999999", "ten", "5x"}) {
    auto r = As("operator", "POST", std::string("/api/v1/things/1?limit=") + bad, body);
    EXPECT_EQ(r.status, 400u) << bad;
    EXPECT_EQ(r.ErrorField(), "limit") << bad;
  }
}

TEST_F(ApiRoutesTest, PublicRoutesNeedNoCredentialsAndAreDescribed) {
  EXPECT_EQ(Call("GET", "/api/v1/open").status, 204u);
  ASSERT_EQ(Routes().Descriptions().size(), 2u);
  EXPECT_EQ(Routes().Descriptions()[0].path, "/api/v1/things/{id}");
  EXPECT_FALSE(Routes().Descriptions()[1].min_role.has_value());
}

}  // namespace
}  // namespace rmgr::server::api

// The hand-kept OpenAPI document must describe exactly the routes the real
// server registers, with the same minimum roles; and it is served.
#include "server/api/openapi.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <filesystem>
#include <set>

#include "common/util/ulid.h"
#include "server/app/server_app.h"
#include "server/http/router.h"

namespace rmgr::server::api {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class OpenApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("rmgr-openapi-" + std::to_string(::getpid()) + "-" + NewUlid());
    ServerConfig config;
    config.listen = "127.0.0.1:0";
    config.data_dir = dir_;
    ::setenv("RESTIC_MANAGER_ADMIN_PASSWORD", "openapi-test-password", 1);
    app_ = std::make_unique<ServerApp>(config);
    auto ok = app_->Init();
    ASSERT_TRUE(ok.ok()) << ok.error().Describe();
  }
  void TearDown() override {
    app_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<ServerApp> app_;
};

TEST_F(OpenApiTest, DocumentListsExactlyTheRegisteredRoutesWithTheirRoles) {
  const auto doc = boost::json::parse(OpenApiDocument());
  ASSERT_EQ(std::string_view(doc.at("openapi").as_string()).substr(0, 2), "3.");
  std::set<std::string> documented;
  std::map<std::string, std::string> documented_roles;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      if (method == "parameters") continue;
      const std::string key = Lower(method) + " " + std::string(path);
      documented.insert(key);
      const auto* role = op.as_object().if_contains("x-min-role");
      documented_roles[key] = role != nullptr ? std::string(role->as_string()) : "public";
    }
  }
  std::set<std::string> registered;
  for (const auto& route : app_->Routes().Descriptions()) {
    const std::string key = Lower(http::beast_http::to_string(route.method)) + " " + route.path;
    registered.insert(key);
    ASSERT_TRUE(documented.count(key)) << "route not in openapi.json: " << key;
    EXPECT_EQ(documented_roles[key], route.min_role ? std::string(ToString(*route.min_role)) : "public") << key;
  }
  // A few documented routes live outside /api/v1 (GET /downloads/{file}): the router has them.
  std::set<std::string> outside_api;
  for (const auto& route : app_->HttpRouter().Routes()) {
    outside_api.insert(Lower(http::beast_http::to_string(route.method)) + " " + route.pattern);
  }
  for (const auto& key : documented) {
    EXPECT_TRUE(registered.count(key) || (key.find(" /api/") == std::string::npos && outside_api.count(key)))
        << "openapi.json lists a route the server lacks: " << key;
  }
  EXPECT_GT(registered.size(), 30u);
}

TEST_F(OpenApiTest, EveryReferencedSchemaExists) {
  const auto doc = boost::json::parse(OpenApiDocument());
  const auto& schemas = doc.at("components").at("schemas").as_object();
  const std::string text(OpenApiDocument());
  const std::string marker = "#/components/schemas/";
  for (size_t pos = text.find(marker); pos != std::string::npos; pos = text.find(marker, pos + 1)) {
    const auto end = text.find('"', pos);
    const auto name = text.substr(pos + marker.size(), end - pos - marker.size());
    EXPECT_TRUE(schemas.contains(name)) << "dangling $ref " << name;
  }
}

}  // namespace
}  // namespace rmgr::server::api

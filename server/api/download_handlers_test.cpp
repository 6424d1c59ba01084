// The agent package downloads: the .deb with its headers, the listing the
// web UI reads, and nothing else of the file system by any name.
#include "server/api/download_handlers.h"

#include <gtest/gtest.h>

#include <fstream>

#include "server/api/api_test_fixture.h"
#include "server/api/package_shelf.h"

namespace rmgr::server::api {
namespace {

namespace fs = std::filesystem;

constexpr const char* kAgentDeb = "restic-manager-agent_0.1.0_amd64.deb";

class DownloadRoutesTest : public testing::ApiFixture {
 protected:
  void SetUp() override {
    packages_ = Dir() / "packages";
    fs::create_directories(packages_);
    std::ofstream(packages_ / kAgentDeb, std::ios::binary) << std::string("!<arch>\ndebian-binary\0x", 23);
    // Things that must never be served: a secret beside the packages, a
    // link to it dressed as a package, a file that is not a package name.
    std::ofstream(Dir() / "secret.deb") << "top-secret-bytes";
    fs::create_symlink(Dir() / "secret.deb", packages_ / "restic-manager-agent_0.1.0_arm64.deb");
    std::ofstream(packages_ / "notes.txt") << "notes";
    RegisterDownloadRoutes(Router(), Routes(), packages_);
    Start();
  }
  fs::path packages_;
};

TEST_F(DownloadRoutesTest, ServesTheDebWithoutCredentials) {
  auto r = Call("GET", std::string("/downloads/") + kAgentDeb);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.body, std::string("!<arch>\ndebian-binary\0x", 23));
  EXPECT_EQ(r.headers["content-type"], "application/vnd.debian.binary-package");
  EXPECT_EQ(r.headers["content-disposition"], std::string("attachment; filename=\"") + kAgentDeb + "\"");
  EXPECT_EQ(r.headers["x-content-type-options"], "nosniff");
}

TEST_F(DownloadRoutesTest, TraversalLinksAndUnknownNamesAre404) {
  for (const std::string target :
       {"/downloads/restic-manager-agent_9.9_amd64.deb", "/downloads/notes.txt", "/downloads/..",
        "/downloads/../secret.deb", "/downloads/..%2fsecret.deb", "/downloads/%2e%2e%2fsecret.deb",
        "/downloads/restic-manager-agent_0.1.0_arm64.deb", "/downloads/", "/downloads",
        "/downloads/.restic-manager-agent_0.1.0_amd64.deb", "/downloads/a_b_c.deb%00"}) {
    SCOPED_TRACE(target);
    auto r = Call("GET", target);
    EXPECT_TRUE(r.status == 404u || r.status == 400u) << r.status;
    EXPECT_EQ(r.body.find("top-secret-bytes"), std::string::npos);
  }
}

TEST_F(DownloadRoutesTest, ListsOnlyServablePackagesForViewers) {
  EXPECT_EQ(Call("GET", "/api/v1/downloads").status, 401u);
  auto r = As("viewer", "GET", "/api/v1/downloads");
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto body = r.Json();
  const auto& items = body.at("items").as_array();
  ASSERT_EQ(items.size(), 1u) << r.body;
  EXPECT_EQ(items[0].at("file"), kAgentDeb);
  EXPECT_EQ(items[0].at("package"), "restic-manager-agent");
  EXPECT_EQ(items[0].at("version"), "0.1.0");
  EXPECT_EQ(items[0].at("architecture"), "amd64");
  EXPECT_EQ(items[0].at("size"), 23);
  EXPECT_EQ(items[0].at("url").as_string(), std::string("/downloads/") + kAgentDeb);
}

TEST(PackageShelf, ParsesOnlyDebianFileNames) {
  auto agent = PackageShelf::ParseName("restic-manager-agent_0.1.0-1~bpo12+1_amd64.deb");
  ASSERT_TRUE(agent.has_value());
  EXPECT_EQ(agent->package, "restic-manager-agent");
  EXPECT_EQ(agent->version, "0.1.0-1~bpo12+1");
  EXPECT_EQ(agent->architecture, "amd64");
  for (const char* bad : {"", ".deb", "x.deb", "a_1.deb", "a_1_b_c.deb", "../a_1_amd64.deb",
                          "a/b_1_amd64.deb", "ab_1_amd64.deb.txt", "ab_1_AMD64.deb", "ab_x1_amd64.deb",
                          "-ab_1_amd64.deb", "ab_1_amd 64.deb", "ab_1_amd64\".deb", "Ab_1_amd64.deb"}) {
    EXPECT_FALSE(PackageShelf::ParseName(bad).has_value()) << bad;
  }
}

TEST(PackageShelf, AMissingDirectoryOffersNothing) {
  PackageShelf shelf("/nonexistent/rmgr-packages");
  EXPECT_TRUE(shelf.List().empty());
  EXPECT_EQ(shelf.Read(kAgentDeb).error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace rmgr::server::api

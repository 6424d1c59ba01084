// The agent bundle download: streamed from its file (http::FileResponse),
// byte for byte with its Content-Length, to host-token bearers only.
#include "server/api/rollout_handlers.h"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "common/update/agent_bundle.h"
#include "common/update/bundle_signature.h"
#include "server/api/api_test_fixture.h"
#include "server/auth/credentials.h"
#include "server/releases/release_catalog.h"

namespace rmgr::server::api {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class BundleDownloadTest : public testing::ApiFixture {
 protected:
  void SetUp() override {
    // An "executable" of a few MiB of every byte value, larger than any one
    // write, so the response really goes out in pieces.
    std::string binary(3 * 1024 * 1024 + 12345, '\0');
    std::mt19937 random(42);
    for (char& byte : binary) byte = static_cast<char>(random() & 0xff);
    std::ofstream(Dir() / "agent", std::ios::binary) << binary;
    catalog_ = std::make_unique<releases::ReleaseCatalog>(Dir());
    const update::SigningKeyPair key = update::GenerateSigningKey();
    auto published =
        catalog_->Publish(key, Dir() / "agent", "9.5.0", "linux", "amd64", "2026-12-07T18:00:00Z");
    ASSERT_TRUE(published.ok()) << published.error().Describe();
    release_ = *published;

    token_ = auth::NewToken("rmh_");
    store::NewHost host;
    host.name = "laptop";
    host.always_on = true;
    host.token_hash = auth::HashToken(token_);
    auto made = Store().Write([&](store::WriteTx& tx) { return tx.CreateHost(host); });
    ASSERT_TRUE(made.ok()) << made.error().Describe();

    Deps().releases = catalog_.get();
    RegisterRolloutRoutes(Routes(), Deps());
    Start();
  }

  std::unique_ptr<releases::ReleaseCatalog> catalog_;
  releases::AgentRelease release_;
  std::string token_;
};

TEST_F(BundleDownloadTest, AHostDownloadsTheBundleByteForByteWithItsLength) {
  const std::string bundle = ReadFile(catalog_->BundlePath("9.5.0"));
  ASSERT_EQ(bundle.size(), release_.size);
  ASSERT_GT(bundle.size(), 3u * 1024 * 1024);
  const auto r = Call("GET", releases::ReleaseCatalog::DownloadPath("9.5.0"), {},
                      {{"Authorization", "Bearer " + token_}});
  ASSERT_EQ(r.status, 200u) << r.body.substr(0, 200);
  EXPECT_EQ(r.headers.at("content-length"), std::to_string(bundle.size()));
  EXPECT_EQ(r.headers.at("content-type"), "application/octet-stream");
  EXPECT_EQ(r.headers.at("cache-control"), "no-store");
  EXPECT_EQ(r.headers.at("x-content-type-options"), "nosniff");
  EXPECT_EQ(r.headers.count("transfer-encoding"), 0u);
  EXPECT_EQ(r.body.size(), bundle.size());
  EXPECT_TRUE(r.body == bundle) << "the bytes differ";
  EXPECT_EQ(update::Sha256Hex(r.body), release_.sha256);
}

TEST_F(BundleDownloadTest, OnlyAHostTokenGetsItAndAnUnknownVersionIs404) {
  const std::string path = releases::ReleaseCatalog::DownloadPath("9.5.0");
  EXPECT_EQ(Call("GET", path).status, 401u);
  EXPECT_EQ(Call("GET", path, {}, {{"Authorization", "Bearer rmh_not-a-host-token"}}).status, 401u);
  const auto unknown = Call("GET", releases::ReleaseCatalog::DownloadPath("9.6.0"), {},
                            {{"Authorization", "Bearer " + token_}});
  EXPECT_EQ(unknown.status, 404u) << unknown.body;
  EXPECT_FALSE(unknown.Json().is_null()) << "the error shape: " << unknown.body;
  // A bundle gone from disk since it was published: a clear error, not an empty 200.
  fs::remove(catalog_->BundlePath("9.5.0"));
  const auto gone = Call("GET", path, {}, {{"Authorization", "Bearer " + token_}});
  EXPECT_EQ(gone.status, 404u) << gone.body;
  EXPECT_NE(gone.body.find("the bundle of release 9.5.0 cannot be read on the server"), std::string::npos)
      << gone.body;
}

}  // namespace
}  // namespace rmgr::server::api

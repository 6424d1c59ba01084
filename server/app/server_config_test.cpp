#include "server/app/server_config.h"

#include <gtest/gtest.h>

#include <fstream>

namespace rmgr::server {
namespace {

class ServerConfigTest : public ::testing::Test {
 protected:
  std::filesystem::path Write(const std::string& text) {
    auto path = std::filesystem::temp_directory_path() /
                ("rmgr-config-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".toml");
    std::ofstream(path) << text;
    files_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (auto& f : files_) std::filesystem::remove(f);
  }
  std::vector<std::filesystem::path> files_;
};

TEST_F(ServerConfigTest, DefaultsServeOnLoopback) {
  auto config = ResolveConfig({});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->listen, "127.0.0.1:8080");
  EXPECT_EQ(config->DatabasePath(), std::filesystem::path("./data/restic-manager.db"));
}

TEST_F(ServerConfigTest, FlagsOverrideTheFile) {
  ServerFlags flags;
  flags.config_file =
      Write("listen = \"127.0.0.1:9000\"\ndata_dir = \"/var/lib/rm\"\nlog_level = \"debug\"\n").string();
  flags.listen = "127.0.0.1:9100";
  auto config = ResolveConfig(flags);
  ASSERT_TRUE(config.ok()) << config.error().Describe();
  EXPECT_EQ(config->listen, "127.0.0.1:9100");
  EXPECT_EQ(config->data_dir, "/var/lib/rm");
  EXPECT_EQ(config->log_level, "debug");
}

TEST_F(ServerConfigTest, AdminPasswordFileFromTheFileOrTheFlag) {
  EXPECT_FALSE(ResolveConfig({})->admin_password_file.has_value());
  ServerFlags flags;
  flags.config_file = Write("admin_password_file = \"/etc/rm/admin.pw\"\n").string();
  auto from_file = ResolveConfig(flags);
  ASSERT_TRUE(from_file.ok()) << from_file.error().Describe();
  EXPECT_EQ(from_file->admin_password_file, std::filesystem::path("/etc/rm/admin.pw"));
  flags.admin_password_file = "/run/secrets/admin";
  EXPECT_EQ(ResolveConfig(flags)->admin_password_file, std::filesystem::path("/run/secrets/admin"));
}

TEST_F(ServerConfigTest, TrustedProxiesFromTheFileOrTheFlagAndABadOneIsRefused) {
  EXPECT_EQ(ResolveConfig({})->trusted_proxies, "");
  ServerFlags flags;
  flags.config_file = Write("trusted_proxies = \"10.0.0.0/8, ::1\"\n").string();
  auto from_file = ResolveConfig(flags);
  ASSERT_TRUE(from_file.ok()) << from_file.error().Describe();
  EXPECT_EQ(from_file->trusted_proxies, "10.0.0.0/8, ::1");
  flags.trusted_proxies = "proxy.lan";
  auto bad = ResolveConfig(flags);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "trusted_proxies");
  EXPECT_NE(bad.error().message.find("proxy.lan"), std::string::npos) << bad.error().message;
}

TEST_F(ServerConfigTest, PackagesDirFromTheFileOrTheFlag) {
  EXPECT_EQ(ResolveConfig({})->packages_dir, std::filesystem::path("/usr/share/restic-manager/packages"));
  ServerFlags flags;
  flags.config_file = Write("packages_dir = \"/srv/rm/packages\"\n").string();
  EXPECT_EQ(ResolveConfig(flags)->packages_dir, std::filesystem::path("/srv/rm/packages"));
  flags.packages_dir = "/opt/packages";
  EXPECT_EQ(ResolveConfig(flags)->packages_dir, std::filesystem::path("/opt/packages"));
  flags.packages_dir = "";
  auto bad = ResolveConfig(flags);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "packages_dir");
}

TEST_F(ServerConfigTest, WebRootFromTheFileOrTheFlag) {
  EXPECT_FALSE(ResolveConfig({})->web_root.has_value());
  ServerFlags flags;
  flags.config_file = Write("web_root = \"/srv/rm/web\"\n").string();
  auto from_file = ResolveConfig(flags);
  ASSERT_TRUE(from_file.ok()) << from_file.error().Describe();
  EXPECT_EQ(from_file->web_root, std::filesystem::path("/srv/rm/web"));
  flags.web_root = "web/dist";
  EXPECT_EQ(ResolveConfig(flags)->web_root, std::filesystem::path("web/dist"));
}

TEST_F(ServerConfigTest, StatsIntervalFromTheFileOrTheFlagWithinItsRange) {
  EXPECT_EQ(ResolveConfig({})->stats_interval, std::chrono::seconds(86400));
  ServerFlags flags;
  flags.config_file = Write("stats_interval_seconds = 3600\n").string();
  auto from_file = ResolveConfig(flags);
  ASSERT_TRUE(from_file.ok()) << from_file.error().Describe();
  EXPECT_EQ(from_file->stats_interval, std::chrono::seconds(3600));
  flags.stats_interval_seconds = 7200;
  EXPECT_EQ(ResolveConfig(flags)->stats_interval, std::chrono::seconds(7200));
  flags.stats_interval_seconds = 0;
  auto zero = ResolveConfig(flags);
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().field, "stats_interval_seconds");
}

TEST_F(ServerConfigTest, WebRootFlagIsParsedAndMustNotBeEmpty) {
  CLI::App app;
  ServerFlags flags;
  AddServerFlags(app, flags);
  app.parse("--web-root /tmp/ui", false);
  auto config = ResolveConfig(flags);
  ASSERT_TRUE(config.ok()) << config.error().Describe();
  EXPECT_EQ(config->web_root, std::filesystem::path("/tmp/ui"));
  flags.web_root = "";
  EXPECT_EQ(ResolveConfig(flags).error().field, "web_root");
  flags = {};
  flags.config_file = Write("web_root = 3\n").string();
  EXPECT_EQ(ResolveConfig(flags).error().code, ErrorCode::kWrongType);
}

TEST_F(ServerConfigTest, MetricsTokenFileFromTheFileOrTheFlag) {
  EXPECT_FALSE(ResolveConfig({})->metrics_token_file.has_value());
  ServerFlags flags;
  flags.config_file = Write("metrics_token_file = \"/etc/restic-manager/metrics.token\"\n").string();
  auto from_file = ResolveConfig(flags);
  ASSERT_TRUE(from_file.ok()) << from_file.error().Describe();
  EXPECT_EQ(from_file->metrics_token_file, std::filesystem::path("/etc/restic-manager/metrics.token"));
  CLI::App app;
  AddServerFlags(app, flags);
  app.parse("--metrics-token-file /run/secrets/scrape", false);
  EXPECT_EQ(ResolveConfig(flags)->metrics_token_file, std::filesystem::path("/run/secrets/scrape"));
  flags.metrics_token_file = "";
  EXPECT_EQ(ResolveConfig(flags).error().field, "metrics_token_file");
}

TEST_F(ServerConfigTest, UnknownKeyIsRejected) {
  ServerFlags flags;
  flags.config_file = Write("listne = \"127.0.0.1:9000\"\n").string();
  auto config = ResolveConfig(flags);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().code, ErrorCode::kUnknownField);
  EXPECT_EQ(config.error().field, "listne");
}

TEST_F(ServerConfigTest, WrongTypeAndBadSyntaxAreRejected) {
  ServerFlags flags;
  flags.config_file = Write("listen = 8080\n").string();
  EXPECT_EQ(ResolveConfig(flags).error().code, ErrorCode::kWrongType);
  flags.config_file = Write("listen = \n").string();
  EXPECT_EQ(ResolveConfig(flags).error().code, ErrorCode::kMalformed);
}

TEST_F(ServerConfigTest, BadListenAndLevelAreRejected) {
  ServerFlags flags;
  flags.listen = "8080";
  EXPECT_EQ(ResolveConfig(flags).error().field, "listen");
  flags.listen = "127.0.0.1:99999";
  EXPECT_EQ(ResolveConfig(flags).error().field, "listen");
  flags.listen = "127.0.0.1:8080";
  flags.log_level = "loud";
  EXPECT_EQ(ResolveConfig(flags).error().field, "log_level");
}

}  // namespace
}  // namespace rmgr::server

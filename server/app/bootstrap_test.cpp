// First-admin bootstrap, directly and through ServerApp::Init.
#include "server/auth/bootstrap.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "common/util/ulid.h"
#include "server/api/api_test_fixture.h"
#include "server/app/server_app.h"
#include "server/auth/credentials.h"

namespace rmgr::server::auth {
namespace {

class BootstrapTest : public api::testing::ApiFixture {
 protected:
  std::filesystem::path WriteFile(const std::string& name, const std::string& text) {
    const auto path = Dir() / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  store::User Admin() {
    auto user = Store().Read([](store::ReadTx& tx) { return tx.GetUserByUsername("admin"); });
    if (!user) throw std::runtime_error(user.error().Describe());
    return *user;
  }

  int64_t Users() {
    auto count = Store().Read([](store::ReadTx& tx) { return tx.CountUsers(); });
    return count ? *count : -1;
  }
};

TEST_F(BootstrapTest, GeneratesAPasswordWhenNoSourceIsGivenAndOnlyOnce) {
  auto outcome = EnsureInitialAdmin(Store(), AdminPasswordSources{});
  ASSERT_TRUE(outcome.ok()) << outcome.error().Describe();
  EXPECT_TRUE(outcome->created);
  EXPECT_EQ(outcome->source, "generated");
  ASSERT_TRUE(outcome->generated_password.has_value());
  const std::string password = outcome->generated_password->Reveal();
  EXPECT_GE(password.size(), 32u);
  const store::User admin = Admin();
  EXPECT_EQ(admin.role, "admin");
  EXPECT_TRUE(VerifyPassword(password, admin.password_hash));

  auto audit = Store().Read([](store::ReadTx& tx) { return tx.ListAudit({}, {}); });
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->items.size(), 1u);
  EXPECT_EQ(audit->items[0].action, "user.create");
  EXPECT_EQ(audit->items[0].actor_kind, store::ActorKind::kSystem);
  EXPECT_EQ(audit->items[0].target_id, admin.id);
  EXPECT_EQ(audit->items[0].detail_json.find(password), std::string::npos);

  auto again = EnsureInitialAdmin(Store(), AdminPasswordSources{});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_FALSE(again->generated_password.has_value());
  EXPECT_EQ(Users(), 1);
  EXPECT_EQ(AuditCount(), 1);
}

TEST_F(BootstrapTest, EnvironmentWinsOverTheFile) {
  AdminPasswordSources sources;
  sources.env_password = schema::Secret("from-the-environment");
  sources.password_file = WriteFile("pw", "from-the-file\n");
  auto outcome = EnsureInitialAdmin(Store(), sources);
  ASSERT_TRUE(outcome.ok()) << outcome.error().Describe();
  EXPECT_EQ(outcome->source, "environment");
  EXPECT_FALSE(outcome->generated_password.has_value());
  EXPECT_TRUE(VerifyPassword("from-the-environment", Admin().password_hash));
}

TEST_F(BootstrapTest, FileDropsOneTrailingNewline) {
  AdminPasswordSources sources;
  sources.password_file = WriteFile("pw", "file password \r\n");
  auto outcome = EnsureInitialAdmin(Store(), sources);
  ASSERT_TRUE(outcome.ok()) << outcome.error().Describe();
  EXPECT_EQ(outcome->source, "file");
  EXPECT_TRUE(VerifyPassword("file password ", Admin().password_hash));
}

TEST_F(BootstrapTest, BadSourcesFailWithoutEchoingThePasswordAndCreateNothing) {
  AdminPasswordSources short_env;
  short_env.env_password = schema::Secret("tiny");
  auto env = EnsureInitialAdmin(Store(), short_env);
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.error().field, "RESTIC_MANAGER_ADMIN_PASSWORD");
  EXPECT_EQ(env.error().Describe().find("tiny"), std::string::npos);

  AdminPasswordSources short_file;
  short_file.password_file = WriteFile("pw", "shorty\n");
  auto file = EnsureInitialAdmin(Store(), short_file);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().field, "admin_password_file");
  EXPECT_EQ(file.error().Describe().find("shorty"), std::string::npos);

  AdminPasswordSources huge_file;
  huge_file.password_file = WriteFile("huge", std::string(100000, 'x'));
  EXPECT_FALSE(EnsureInitialAdmin(Store(), huge_file).ok());

  AdminPasswordSources missing;
  missing.password_file = Dir() / "does-not-exist";
  auto gone = EnsureInitialAdmin(Store(), missing);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(Users(), 0);
  EXPECT_EQ(AuditCount(), 0);
}

TEST_F(BootstrapTest, WithUsersPresentNothingIsRead) {
  ASSERT_TRUE(EnsureInitialAdmin(Store(), AdminPasswordSources{}).ok());
  AdminPasswordSources missing;
  missing.password_file = Dir() / "does-not-exist";
  auto outcome = EnsureInitialAdmin(Store(), missing);
  ASSERT_TRUE(outcome.ok()) << outcome.error().Describe();
  EXPECT_FALSE(outcome->created);
}

TEST_F(BootstrapTest, ReadsTheEnvironmentVariable) {
  ::setenv("RESTIC_MANAGER_ADMIN_PASSWORD", "env-var-password", 1);
  auto sources = AdminPasswordSourcesFromEnvironment(Dir() / "pw");
  ::unsetenv("RESTIC_MANAGER_ADMIN_PASSWORD");
  ASSERT_TRUE(sources.env_password.has_value());
  EXPECT_EQ(sources.env_password->Reveal(), "env-var-password");
  EXPECT_EQ(sources.password_file, Dir() / "pw");
  ::setenv("RESTIC_MANAGER_ADMIN_PASSWORD", "", 1);
  EXPECT_FALSE(AdminPasswordSourcesFromEnvironment(std::nullopt).env_password.has_value());
  ::unsetenv("RESTIC_MANAGER_ADMIN_PASSWORD");
}

TEST(ServerAppBootstrap, ASecondServerOnTheSameDataDirIsRefusedUntilTheFirstEnds) {
  const auto dir = std::filesystem::temp_directory_path() / ("rmgr-app-" + NewUlid());
  ::setenv("RESTIC_MANAGER_ADMIN_PASSWORD", "a-long-enough-admin-password", 1);
  ServerConfig config;
  config.listen = "127.0.0.1:0";
  config.data_dir = dir;
  {
    ServerApp first(config);
    ASSERT_TRUE(first.Init().ok());
    ServerApp second(config);
    auto refused = second.Init();
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
    EXPECT_NE(refused.error().message.find("another restic-manager-server"), std::string::npos)
        << refused.error().message;
  }
  ServerApp again(config);
  EXPECT_TRUE(again.Init().ok()) << "the first server's lock ends with it";
  ::unsetenv("RESTIC_MANAGER_ADMIN_PASSWORD");
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST(ServerAppBootstrap, PrintsAGeneratedPasswordOnceOnStdoutAndNeverLogsIt) {
  const auto dir = std::filesystem::temp_directory_path() / ("rmgr-app-" + NewUlid());
  ::unsetenv("RESTIC_MANAGER_ADMIN_PASSWORD");
  ServerConfig config;
  config.listen = "127.0.0.1:0";
  config.data_dir = dir;
  std::string out;
  std::string err;
  {
    ServerApp app(config);
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    auto ok = app.Init();
    out = ::testing::internal::GetCapturedStdout();
    err = ::testing::internal::GetCapturedStderr();
    ASSERT_TRUE(ok.ok()) << ok.error().Describe();
  }
  const std::string prefix = "initial admin password: ";
  ASSERT_EQ(out.rfind(prefix, 0), 0u) << out;
  const std::string password = out.substr(prefix.size(), out.find('\n') - prefix.size());
  EXPECT_GE(password.size(), 32u);
  EXPECT_EQ(out.find(prefix, 1), std::string::npos) << "printed more than once";
  EXPECT_EQ(err.find(password), std::string::npos) << "the password reached the log";
  EXPECT_NE(err.find("initial admin"), std::string::npos) << err;
  EXPECT_EQ(std::filesystem::status(dir / "server.key").permissions() & std::filesystem::perms::others_all,
            std::filesystem::perms::none);

  {  // A second start finds the admin and prints nothing.
    ServerApp app(config);
    ::testing::internal::CaptureStdout();
    auto ok = app.Init();
    out = ::testing::internal::GetCapturedStdout();
    ASSERT_TRUE(ok.ok()) << ok.error().Describe();
  }
  EXPECT_EQ(out.find(prefix), std::string::npos);
  {
    auto store = store::OpenSqliteStore(config.DatabasePath());
    ASSERT_TRUE(store.ok());
    auto admin = (*store)->Read([](store::ReadTx& tx) { return tx.GetUserByUsername("admin"); });
    ASSERT_TRUE(admin.ok());
    EXPECT_TRUE(VerifyPassword(password, admin->password_hash));
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace
}  // namespace rmgr::server::auth

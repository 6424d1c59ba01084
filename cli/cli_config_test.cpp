// Config precedence (flag > environment > file) and the config file itself.
#include "cli/cli_config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>

namespace rmgr::cli {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "rmgr-cli-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

unsigned Mode(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777U;
}

const ConfigFile kFile{"https://file.example:8443", "rmt_file"};

TEST(CliConnection, FlagsBeatEnvironmentBeatFile) {
  const auto env = Env({{"RESTIC_MANAGER_URL", "https://env.example"}, {"RESTIC_MANAGER_TOKEN", "rmt_env"}});
  const auto c = ResolveConnection(std::string("https://flag.example"), std::string("rmt_flag"), env, kFile);
  EXPECT_EQ(c.server, "https://flag.example");
  EXPECT_EQ(c.token, "rmt_flag");
  EXPECT_EQ(c.server_source, ValueSource::kFlag);
  EXPECT_EQ(c.token_source, ValueSource::kFlag);

  const auto e = ResolveConnection(std::nullopt, std::nullopt, env, kFile);
  EXPECT_EQ(e.server, "https://env.example");
  EXPECT_EQ(e.token, "rmt_env");
  EXPECT_EQ(e.token_source, ValueSource::kEnvironment);

  const auto f = ResolveConnection(std::nullopt, std::nullopt, Env({}), kFile);
  EXPECT_EQ(f.server, kFile.server);
  EXPECT_EQ(f.token, kFile.token);
  EXPECT_EQ(f.server_source, ValueSource::kConfigFile);
  EXPECT_EQ(f.token_source, ValueSource::kConfigFile);
}

TEST(CliConnection, EachValueResolvesOnItsOwn) {
  const auto env = Env({{"RESTIC_MANAGER_TOKEN", "rmt_env"}});
  const auto c = ResolveConnection(std::nullopt, std::nullopt, env, kFile);
  EXPECT_EQ(c.server, kFile.server);
  EXPECT_EQ(c.token, "rmt_env");
}

TEST(CliConnection, EmptyValuesDoNotCount) {
  const auto env = Env({{"RESTIC_MANAGER_URL", ""}, {"RESTIC_MANAGER_TOKEN", ""}});
  const auto c = ResolveConnection(std::string(), std::string(), env, kFile);
  EXPECT_EQ(c.server, kFile.server);
  EXPECT_EQ(c.token, kFile.token);
}

TEST(CliConnection, SavedTokenIsNotSentToAnotherServer) {
  const auto c = ResolveConnection(std::string("https://other.example"), std::nullopt, Env({}), kFile);
  EXPECT_EQ(c.server, "https://other.example");
  EXPECT_EQ(c.token, "");
  EXPECT_EQ(c.token_source, ValueSource::kNone);
  const auto same = ResolveConnection(kFile.server, std::nullopt, Env({}), kFile);
  EXPECT_EQ(same.token, kFile.token);
}

TEST(CliConnection, NothingConfiguredLeavesBothEmpty) {
  const auto c = ResolveConnection(std::nullopt, std::nullopt, Env({}), ConfigFile{});
  EXPECT_EQ(c.server, "");
  EXPECT_EQ(c.token, "");
  EXPECT_EQ(c.server_source, ValueSource::kNone);
}

TEST(CliConfigPath, XdgConfigHomeBeatsHome) {
  EXPECT_EQ(DefaultConfigPath(Env({{"XDG_CONFIG_HOME", "/x"}, {"HOME", "/h"}})),
            std::filesystem::path("/x/restic-manager/cli.toml"));
  EXPECT_EQ(DefaultConfigPath(Env({{"HOME", "/h"}})),
            std::filesystem::path("/h/.config/restic-manager/cli.toml"));
  EXPECT_EQ(DefaultConfigPath(Env({{"XDG_CONFIG_HOME", ""}, {"HOME", "/h"}})),
            std::filesystem::path("/h/.config/restic-manager/cli.toml"));
  EXPECT_EQ(DefaultConfigPath(Env({})), std::nullopt);
}

TEST(CliConfigFile, SaveThenLoadRoundTripsWithPrivateModes) {
  TempDir dir;
  const auto path = dir.path() / "a" / "restic-manager" / "cli.toml";
  const mode_t old_umask = ::umask(0);  // modes must not depend on a lax umask
  const auto saved = SaveConfigFile(path, kFile);
  ::umask(old_umask);
  ASSERT_TRUE(saved.ok()) << saved.error().message;
  EXPECT_EQ(Mode(path), 0600U);
  EXPECT_EQ(Mode(path.parent_path()), 0700U);
  EXPECT_EQ(Mode(path.parent_path().parent_path()), 0700U);
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".tmp"));

  const auto loaded = LoadConfigFile(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->server, kFile.server);
  EXPECT_EQ(loaded->token, kFile.token);

  // Saving again replaces the file and keeps it private.
  ASSERT_TRUE(SaveConfigFile(path, ConfigFile{"http://127.0.0.1:1", "rmt_2"}).ok());
  EXPECT_EQ(LoadConfigFile(path)->token, "rmt_2");
  EXPECT_EQ(Mode(path), 0600U);
}

TEST(CliConfigFile, MissingFileIsEmpty) {
  TempDir dir;
  const auto loaded = LoadConfigFile(dir.path() / "none.toml");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->server, "");
  EXPECT_EQ(loaded->token, "");
}

TEST(CliConfigFile, RejectsUnknownKeysWrongTypesAndBadSyntax) {
  TempDir dir;
  const auto path = dir.path() / "cli.toml";
  const auto load_text = [&](const char* text) {
    std::ofstream(path) << text;
    return LoadConfigFile(path);
  };
  auto unknown = load_text("server = \"http://x\"\npassword = \"p\"\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().field, "password");
  auto wrong = load_text("token = 5\n");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().field, "token");
  auto broken = load_text("server = \n");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message.find("cli.toml:1"), std::string::npos) << broken.error().message;
}

}  // namespace
}  // namespace rmgr::cli

// The `restic-manager` CLI against a live `restic-manager-server`: both real
// executables from the build tree, on 127.0.0.1 with a free port and a temp
// data dir. One server serves the whole suite; every test makes its own
// resources with unique names so the tests do not depend on each other.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "common/testing/files.h"
#include "tests/cli/child_process.h"

namespace rmgr::testing {
namespace {

namespace json = boost::json;

constexpr const char* kAdminPassword = "live-test-admin-password";
constexpr std::chrono::seconds kCommandTimeout{60};

bool PortAccepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

using test_support::ReadFile;

std::string Unique(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

std::string Describe(const ProcessResult& r) {
  return "exit " + std::to_string(r.code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

class CliLiveTest : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    std::string pattern = (std::filesystem::temp_directory_path() / "rmgr-cli-live-XXXXXX").string();
    dir_ = new std::filesystem::path(::mkdtemp(pattern.data()));
    port_ = FreePort();
    ASSERT_NE(port_, 0);
    url_ = new std::string("http://127.0.0.1:" + std::to_string(port_));
    server_ = new BackgroundProcess(
        RMGR_SERVER_EXE,
        {"--listen", "127.0.0.1:" + std::to_string(port_), "--data-dir", (*dir_ / "data").string()},
        {std::string("RESTIC_MANAGER_ADMIN_PASSWORD=") + kAdminPassword, "PATH=/usr/bin:/bin",
         "HOME=" + dir_->string()},
        *dir_ / "server.log");
    ASSERT_GT(server_->pid(), 0);
    // Poll the port: the server has no readiness signal a test could await.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!PortAccepts(port_)) {
      ASSERT_TRUE(server_->Running()) << "server exited:\n" << ReadFile(*dir_ / "server.log");
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "server did not listen";
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const auto login =
        Cli({"login", "--server", *url_, "--password-stdin"}, std::string(kAdminPassword) + "\n");
    ASSERT_EQ(login.code, 0) << Describe(login) << ReadFile(*dir_ / "server.log");
  }

  static void TearDownTestSuite() {
    if (server_ != nullptr) {
      const int code = server_->Stop();
      EXPECT_EQ(code, 0) << "graceful shutdown on SIGTERM\n" << ReadFile(*dir_ / "server.log");
      delete server_;
      server_ = nullptr;
    }
    if (dir_ != nullptr) {
      std::error_code ec;
      std::filesystem::remove_all(*dir_, ec);
      delete dir_;
      dir_ = nullptr;
    }
    delete url_;
    url_ = nullptr;
  }

 protected:
  // The CLI with only HOME/XDG_CONFIG_HOME set: it finds the server and token in the config `login` wrote.
  static ProcessResult Cli(const std::vector<std::string>& args, const std::string& stdin_text = "",
                           const std::vector<std::string>& extra_env = {}) {
    // Later entries replace earlier ones with the same name (getenv would see the first).
    std::map<std::string, std::string> vars{{"HOME", dir_->string()},
                                            {"XDG_CONFIG_HOME", (*dir_ / "config").string()},
                                            {"PATH", "/usr/bin:/bin"}};
    for (const auto& entry : extra_env) {
      const auto eq = entry.find('=');
      vars[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    std::vector<std::string> env;
    for (const auto& [name, value] : vars) env.push_back(name + "=" + value);
    return RunProcess(RMGR_CLI_EXE, args, env, stdin_text, kCommandTimeout);
  }

  // Runs a command that must succeed with --json and returns its JSON.
  static json::value CliJson(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.emplace_back("--json");
    const auto r = Cli(args, stdin_text);
    EXPECT_EQ(r.code, 0) << Describe(r);
    if (r.code != 0) return nullptr;
    return json::parse(r.out);
  }

  static std::string NewHost() {
    const auto host = CliJson({"host", "add", "--name", Unique("host")});
    return host.is_object() ? std::string(host.at("id").as_string()) : std::string();
  }

  static std::string NewRepo() {
    const auto repo = CliJson(
        {"repo", "add", "--name", Unique("repo"), "--url", "/srv/restic/" + Unique("r"), "--password-stdin"},
        "repo-secret-password\n");
    return repo.is_object() ? std::string(repo.at("id").as_string()) : std::string();
  }

  static std::string NewGroup(const std::string& host_id) {
    const auto group = CliJson(
        {"group", "add", "--host", host_id, "--name", Unique("group"), "--path", "/etc", "--path", "/home"});
    return group.is_object() ? std::string(group.at("id").as_string()) : std::string();
  }

  static std::string ServerLog() { return ReadFile(*dir_ / "server.log"); }

  static std::filesystem::path* dir_;
  static std::string* url_;
  static std::uint16_t port_;
  static BackgroundProcess* server_;
};

std::filesystem::path* CliLiveTest::dir_ = nullptr;
std::string* CliLiveTest::url_ = nullptr;
std::uint16_t CliLiveTest::port_ = 0;
BackgroundProcess* CliLiveTest::server_ = nullptr;

// --- login, tokens, auth ----------------------------------------------------------

TEST_F(CliLiveTest, LoginSavedAPrivateConfigWithAWorkingToken) {
  const auto path = *dir_ / "config" / "restic-manager" / "cli.toml";
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777U, 0600U);
  EXPECT_EQ(::stat(path.parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777U, 0700U);
  const std::string text = ReadFile(path);
  EXPECT_NE(text.find(*url_), std::string::npos) << text;
  EXPECT_NE(text.find("rmt_"), std::string::npos);
  EXPECT_EQ(text.find(kAdminPassword), std::string::npos);

  const auto tokens = Cli({"token", "list"});
  ASSERT_EQ(tokens.code, 0) << Describe(tokens);
  EXPECT_NE(tokens.out.find("cli@"), std::string::npos) << tokens.out;
}

TEST_F(CliLiveTest, LoginWithAWrongPasswordExitsThreeAndKeepsNoFile) {
  const auto other = *dir_ / "wrong.toml";
  const auto r =
      Cli({"--config", other.string(), "login", "--server", *url_, "--password-stdin"}, "not-the-password\n");
  EXPECT_EQ(r.code, 3) << Describe(r);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.find("not-the-password"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(other));
}

TEST_F(CliLiveTest, BadOrMissingTokenExitsThree) {
  auto r = Cli({"--server", *url_, "--token", "rmt_bogus", "host", "list"});
  EXPECT_EQ(r.code, 3) << Describe(r);
  r = Cli({"host", "list"}, "",
          {"XDG_CONFIG_HOME=" + (*dir_ / "empty").string(), "RESTIC_MANAGER_URL=" + *url_});
  EXPECT_EQ(r.code, 3) << Describe(r);
}

TEST_F(CliLiveTest, TokenCreateUseListRevoke) {
  const auto name = Unique("ci");
  const auto created = Cli({"token", "create", "--name", name});
  ASSERT_EQ(created.code, 0) << Describe(created);
  const std::string token = created.out.substr(0, created.out.find('\n'));
  EXPECT_EQ(token.rfind("rmt_", 0), 0U) << token;
  EXPECT_EQ(created.out, token + "\n");

  // The new token works from the environment, with no config file.
  const std::vector<std::string> env{"XDG_CONFIG_HOME=" + (*dir_ / "none").string(),
                                     "RESTIC_MANAGER_URL=" + *url_, "RESTIC_MANAGER_TOKEN=" + token};
  auto r = Cli({"host", "list"}, "", env);
  EXPECT_EQ(r.code, 0) << Describe(r);

  const auto list = CliJson({"token", "list", "--all"});
  std::string id;
  for (const auto& t : list.at("items").as_array()) {
    if (t.at("name") == json::value(name)) id = std::string(t.at("id").as_string());
    EXPECT_EQ(t.as_object().if_contains("token"), nullptr) << "token values are never listed";
  }
  ASSERT_FALSE(id.empty());
  r = Cli({"token", "revoke", id});
  EXPECT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(r.out, "token " + id + " revoked\n");
  r = Cli({"host", "list"}, "", env);
  EXPECT_EQ(r.code, 3) << Describe(r);
}

TEST_F(CliLiveTest, UserAddListSetRoleAndViewersCannotMutate) {
  const auto username = Unique("op");
  const auto added =
      CliJson({"user", "add", "--username", username, "--role", "operator", "--password-stdin"},
              "operator-password-1\n");
  ASSERT_TRUE(added.is_object());
  EXPECT_EQ(added.at("role"), "operator");
  EXPECT_EQ(added.as_object().if_contains("password"), nullptr);
  const std::string id(added.at("id").as_string());

  auto r = Cli({"user", "list"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_NE(r.out.find(username), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ID"), std::string::npos);

  r = Cli({"user", "set-role", id, "viewer"});
  EXPECT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(r.out, "user " + id + " is now viewer\n");

  // Log in as the viewer with its own config file: reads work, mutations are 403 → exit 3.
  const auto viewer_config = (*dir_ / (username + ".toml")).string();
  r = Cli({"--config", viewer_config, "login", "--server", *url_, "--username", username, "--password-stdin"},
          "operator-password-1\n");
  ASSERT_EQ(r.code, 0) << Describe(r);
  r = Cli({"--config", viewer_config, "host", "list"});
  EXPECT_EQ(r.code, 0) << Describe(r);
  r = Cli({"--config", viewer_config, "host", "add", "--name", Unique("denied")});
  EXPECT_EQ(r.code, 3) << Describe(r);
  r = Cli({"--config", viewer_config, "user", "list"});
  EXPECT_EQ(r.code, 3) << Describe(r);
}

// --- hosts and enrollment -------------------------------------------------------------

TEST_F(CliLiveTest, HostAddListShowSetMode) {
  const auto name = Unique("web");
  const auto host = CliJson({"host", "add", "--name", name});
  ASSERT_TRUE(host.is_object());
  const std::string id(host.at("id").as_string());

  auto r = Cli({"host", "list", "--query", name});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(r.out.rfind("ID", 0), 0U) << r.out;
  EXPECT_NE(r.out.find(id), std::string::npos) << r.out;

  r = Cli({"host", "show", id});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_NE(r.out.find("Name:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(name), std::string::npos) << r.out;

  r = Cli({"host", "set-mode", id, "intermittent"});
  EXPECT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(CliJson({"host", "show", id}).at("mode"), "intermittent");
  r = Cli({"host", "set-mode", id, "always-on"});
  EXPECT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(CliJson({"host", "show", id}).at("mode"), "always_on");
}

TEST_F(CliLiveTest, NotFoundIsOneLineAndExitsOne) {
  const auto r = Cli({"host", "show", "no-such-host"});
  EXPECT_EQ(r.code, 1) << Describe(r);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("restic-manager: ", 0), 0U) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
}

TEST_F(CliLiveTest, PagingFollowsCursors) {
  const auto prefix = Unique("page");
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(Cli({"host", "add", "--name", prefix + "-" + std::to_string(i)}).code, 0);
  auto r = Cli({"host", "list", "--query", prefix, "--limit", "2"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_NE(r.err.find("more results"), std::string::npos) << r.err;
  const auto all = CliJson({"host", "list", "--query", prefix, "--limit", "2", "--all"});
  EXPECT_EQ(all.at("items").as_array().size(), 3U);
  EXPECT_TRUE(all.at("next_cursor").is_null());
}

TEST_F(CliLiveTest, EnrollCreateListRevoke) {
  const auto host_id = NewHost();
  const auto name = Unique("enroll");
  auto r = Cli({"enroll", "create", "--name", name, "--host", host_id, "--ttl", "3600"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(r.out.rfind("rme_", 0), 0U) << r.out;
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << "the token alone on one line";

  const auto created = CliJson({"enroll", "create", "--name", name + "-json"});
  ASSERT_TRUE(created.is_object());
  EXPECT_EQ(created.as_object().size(), 5U) << json::serialize(created);
  EXPECT_EQ(std::string(created.at("token").as_string()).rfind("rme_", 0), 0U);
  EXPECT_TRUE(created.at("expires_at").is_string());
  EXPECT_TRUE(created.at("id").is_string());
  EXPECT_EQ(created.at("max_uses"), 1) << "one use unless --max-uses says otherwise";
  EXPECT_EQ(created.at("labels"), json::object{});

  const auto list = CliJson({"enroll", "list", "--all"});
  std::string id;
  for (const auto& t : list.at("items").as_array()) {
    if (t.at("name") == json::value(name)) id = std::string(t.at("id").as_string());
  }
  ASSERT_FALSE(id.empty()) << json::serialize(list);
  r = Cli({"enroll", "revoke", id});
  EXPECT_EQ(r.code, 0) << Describe(r);
  const auto after = CliJson({"enroll", "list", "--all"});
  for (const auto& t : after.at("items").as_array()) {
    if (t.at("id") == json::value(id)) {
      EXPECT_EQ(t.at("status"), "revoked");
    }
  }
}

// --- repositories, groups, schedules ------------------------------------------------------

TEST_F(CliLiveTest, RepoAddListNeverShowsThePassword) {
  const auto name = Unique("repo");
  auto r = Cli({"repo", "add", "--name", name, "--url", "/srv/restic/" + name, "--password-stdin"},
               "very-secret-repo-pw\n");
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_NE(r.out.find("Has password:  yes"), std::string::npos) << r.out;
  r = Cli({"repo", "list", "--all"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_NE(r.out.find(name), std::string::npos) << r.out;
  const auto json_list = Cli({"repo", "list", "--all", "--json"});
  for (const std::string* text :
       std::initializer_list<const std::string*>{&r.out, &r.err, &json_list.out, &json_list.err}) {
    EXPECT_EQ(text->find("very-secret-repo-pw"), std::string::npos);
  }
  EXPECT_EQ(ServerLog().find("very-secret-repo-pw"), std::string::npos);

  std::string id;
  const auto repos = json::parse(json_list.out);
  for (const auto& repo : repos.at("items").as_array()) {
    if (repo.at("name") == json::value(name)) id = std::string(repo.at("id").as_string());
  }
  ASSERT_FALSE(id.empty()) << json_list.out;
  r = Cli({"repo", "show", id});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_NE(r.out.find("URL:           /srv/restic/" + name), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("very-secret-repo-pw"), std::string::npos);
}

TEST_F(CliLiveTest, GroupAddListAndServerValidation) {
  const auto host_id = NewHost();
  const auto name = Unique("grp");
  auto r = Cli({"group", "add", "--host", host_id, "--name", name, "--path", "/etc", "--path", "/var/www",
                "--exclude", "*.tmp", "--tag", "web"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_NE(r.out.find("/var/www"), std::string::npos) << r.out;
  const auto list = CliJson({"group", "list", "--host", host_id});
  ASSERT_EQ(list.at("items").as_array().size(), 1U);
  EXPECT_EQ(list.at("items").at(0).at("paths"), json::parse(R"(["/etc", "/var/www"])"));
  const std::string id(list.at("items").at(0).at("id").as_string());
  r = Cli({"group", "show", id});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_NE(r.out.find("Paths:     /etc\n           /var/www\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Excludes:  *.tmp"), std::string::npos) << r.out;

  r = Cli({"group", "add", "--host", host_id, "--name", Unique("bad"), "--path", "relative/path"});
  EXPECT_EQ(r.code, 1) << Describe(r);
  EXPECT_NE(r.err.find("(paths"), std::string::npos) << r.err;
}

TEST_F(CliLiveTest, ScheduleAddListShowEnableDisableDelete) {
  const auto host_id = NewHost();
  const auto repo_id = NewRepo();
  const auto group_id = NewGroup(host_id);
  const auto name = Unique("nightly");
  auto r = Cli({"schedule", "add", "--host", host_id, "--name", name, "--cron", "30 2 * * *", "--tz",
                "Europe/Berlin", "--repo", repo_id, "--group", group_id});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_NE(r.out.find("Next fires:"), std::string::npos) << r.out;

  // Retention belongs to forget schedules; the server says so for a backup, naming the field.
  r = Cli({"schedule", "add", "--host", host_id, "--name", Unique("keep"), "--cron", "@daily", "--repo",
           repo_id, "--group", group_id, "--keep-daily", "7"});
  EXPECT_EQ(r.code, 1) << Describe(r);
  EXPECT_NE(r.err.find("(retention)"), std::string::npos) << r.err;
  const auto forget =
      CliJson({"schedule", "add", "--host", host_id, "--name", Unique("forget"), "--kind", "forget", "--cron",
               "@weekly", "--repo", repo_id, "--keep-daily", "7", "--keep-weekly", "4", "--prune"});
  ASSERT_TRUE(forget.is_object());
  EXPECT_EQ(forget.at("retention").at("keep_daily"), 7);
  EXPECT_EQ(forget.at("retention").at("prune"), true);

  const auto list = CliJson({"schedule", "list", "--host", host_id});
  ASSERT_EQ(list.at("items").as_array().size(), 2U);
  std::string id;
  for (const auto& s : list.at("items").as_array()) {
    if (s.at("name") == json::value(name)) id = std::string(s.at("id").as_string());
  }
  ASSERT_FALSE(id.empty());
  const auto shown = CliJson({"schedule", "show", id});
  EXPECT_EQ(shown.at("next_fires").as_array().size(), 5U);
  EXPECT_EQ(shown.at("timezone"), "Europe/Berlin");

  r = Cli({"schedule", "disable", id});
  EXPECT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(CliJson({"schedule", "show", id}).at("enabled"), false);
  r = Cli({"schedule", "enable", id});
  EXPECT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(CliJson({"schedule", "show", id}).at("enabled"), true);

  r = Cli({"schedule", "add", "--host", host_id, "--name", Unique("badtz"), "--cron", "@daily", "--tz",
           "Mars/Base", "--repo", repo_id, "--group", group_id});
  EXPECT_EQ(r.code, 1) << Describe(r);
  EXPECT_NE(r.err.find("(timezone)"), std::string::npos) << r.err;

  r = Cli({"schedule", "delete", id});
  EXPECT_EQ(r.code, 0) << Describe(r);
  r = Cli({"schedule", "show", id});
  EXPECT_EQ(r.code, 1) << Describe(r);
}

// --- jobs, snapshots, audit ------------------------------------------------------------

TEST_F(CliLiveTest, JobRunListShowLogsCancel) {
  const auto host_id = NewHost();
  const auto repo_id = NewRepo();
  const auto group_id = NewGroup(host_id);
  const auto schedule = CliJson({"schedule", "add", "--host", host_id, "--name", Unique("s"), "--cron",
                                 "@daily", "--repo", repo_id, "--group", group_id});
  ASSERT_TRUE(schedule.is_object());
  const std::string schedule_id(schedule.at("id").as_string());

  // No agent is connected, so the jobs stay queued until cancelled.
  const auto run = CliJson({"job", "run", "--schedule", schedule_id});
  ASSERT_TRUE(run.is_object()) << json::serialize(run);
  ASSERT_EQ(run.at("jobs").as_array().size(), 1U);
  const std::string job_id(run.at("jobs").at(0).at("id").as_string());

  const auto direct = CliJson({"job", "run", "--host", host_id, "--kind", "check", "--repo", repo_id});
  ASSERT_TRUE(direct.is_object());
  EXPECT_EQ(direct.at("kind"), "check");

  auto r = Cli({"job", "list", "--host", host_id});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_NE(r.out.find(job_id), std::string::npos) << r.out;
  const auto queued = CliJson({"job", "list", "--host", host_id, "--status", "queued", "--kind", "backup"});
  ASSERT_EQ(queued.at("items").as_array().size(), 1U);
  EXPECT_EQ(queued.at("items").at(0).at("id"), json::value(job_id));

  r = Cli({"job", "show", job_id});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_NE(r.out.find("Status:"), std::string::npos) << r.out;

  r = Cli({"job", "logs", job_id});
  EXPECT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(r.out, "");

  r = Cli({"job", "cancel", job_id});
  EXPECT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(r.out, "job " + job_id + " cancelled\n");
  // --follow on a finished job returns at once.
  r = Cli({"job", "logs", job_id, "--follow"});
  EXPECT_EQ(r.code, 0) << Describe(r);
}

TEST_F(CliLiveTest, SnapshotListOfANewRepositoryIsEmpty) {
  const auto repo_id = NewRepo();
  const auto r = Cli({"snapshot", "list", "--repo", repo_id});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(r.out, "ID  TIME  HOSTNAME  HOST  PATHS  TAGS\n");
  const auto missing = Cli({"snapshot", "list", "--repo", "no-such-repo"});
  EXPECT_EQ(missing.code, 1) << Describe(missing);
}

TEST_F(CliLiveTest, AuditListShowsChangesWithFilters) {
  const auto host_id = NewHost();
  auto r = Cli({"audit", "list", "--target-kind", "host", "--target-id", host_id});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_NE(r.out.find("host.create"), std::string::npos) << r.out;
  const auto entries = CliJson({"audit", "list", "--action", "host.create", "--target-id", host_id});
  ASSERT_EQ(entries.at("items").as_array().size(), 1U);
  EXPECT_EQ(entries.at("items").at(0).at("actor_kind").as_string().empty(), false);
  const auto none = CliJson({"audit", "list", "--target-id", host_id, "--to", "2000-01-01T00:00:00Z"});
  EXPECT_TRUE(none.at("items").as_array().empty());
}

}  // namespace
}  // namespace rmgr::testing

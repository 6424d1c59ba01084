// The API commands driven in-process through RunCli against FakeApiServer:
// the exact requests each command sends, its output for humans and for
// --json, and its exit codes.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "cli/cli_app.h"
#include "cli/cli_config.h"
#include "cli/fake_api_server.h"
#include "cli/job_command.h"

namespace rmgr::cli {
namespace {

using testing::ErrorReply;
using testing::FakeApiServer;
using testing::JsonReply;
using testing::RecordedRequest;
using testing::Reply;

namespace json = boost::json;

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
};

class CliCommandsTest : public ::testing::Test {
 protected:
  CliCommandsTest() {
    std::string pattern = (std::filesystem::temp_directory_path() / "rmgr-cli-cmd-XXXXXX").string();
    config_home_ = ::mkdtemp(pattern.data());
    env_ = {{"RESTIC_MANAGER_URL", server_.url()},
            {"RESTIC_MANAGER_TOKEN", "rmt_test_token"},
            {"XDG_CONFIG_HOME", config_home_.string()}};
  }
  ~CliCommandsTest() override {
    std::error_code ec;
    std::filesystem::remove_all(config_home_, ec);
  }

  Outcome Run(const std::vector<std::string>& args, const std::string& stdin_text = "") {
    std::ostringstream out;
    std::ostringstream err;
    std::istringstream in(stdin_text);
    CliIo io{out,
             err,
             in,
             false,
             [this](const std::string& name) -> std::optional<std::string> {
               const auto it = env_.find(name);
               if (it == env_.end()) return std::nullopt;
               return it->second;
             },
             [this](std::chrono::milliseconds pause) {
               ++sleeps_;
               slept_ += pause;
             }};
    Outcome o;
    o.code = RunCli(args, io);
    o.out = out.str();
    o.err = err.str();
    return o;
  }

  // The body of the only request to `method path`.
  json::value OnlyBody(const std::string& method, const std::string& path) {
    std::vector<RecordedRequest> matching;
    for (const auto& r : server_.requests()) {
      if (r.method == method && r.path == path) matching.push_back(r);
    }
    EXPECT_EQ(matching.size(), 1U) << method << " " << path;
    if (matching.empty() || matching.front().body.empty()) return nullptr;
    return json::parse(matching.front().body);
  }

  FakeApiServer server_;
  std::map<std::string, std::string> env_;
  std::filesystem::path config_home_;
  int sleeps_ = 0;
  std::chrono::milliseconds slept_{0};
};

const char* kHosts = R"({"items": [
  {"id": "h1", "name": "web", "hostname": "web.lan", "mode": "always_on", "connected": true, "labels": {"role": "web"},
   "last_seen_at": "2026-05-01T12:00:00Z", "last_backup_at": null,
   "schedule_version": {"canonical": 3, "applied": 3, "applied_at": null}},
  {"id": "h2", "name": "laptop", "hostname": "lp", "mode": "intermittent", "connected": false,
   "last_seen_at": null, "last_backup_at": "2026-04-30T02:00:00Z",
   "schedule_version": {"canonical": 5, "applied": 4, "applied_at": null}}],
  "next_cursor": null})";

// --- output, auth header, JSON --------------------------------------------

TEST_F(CliCommandsTest, HostListPrintsATableAndSendsTheBearerToken) {
  server_.OnJson("GET", "/api/v1/hosts", 200, json::parse(kHosts));
  const auto o = Run({"host", "list"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.err, "");
  EXPECT_EQ(
      o.out,
      "ID  NAME    HOSTNAME  MODE          LABELS    CONNECTED  LAST SEEN             LAST BACKUP           "
      "SCHEDULE\n"
      "h1  web     web.lan   always_on     role=web  yes        2026-05-01T12:00:00Z  -                     "
      "3\n"
      "h2  laptop  lp        intermittent            no         -                     2026-04-30T02:00:00Z  "
      "5 (agent has 4)\n");
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].Header("authorization"), "Bearer rmt_test_token");
  EXPECT_EQ(requests[0].Header("accept"), "application/json");
  EXPECT_EQ(requests[0].query, "");
}

TEST_F(CliCommandsTest, JsonFlagPrintsTheApiJsonOnOneLine) {
  server_.OnJson("GET", "/api/v1/hosts", 200, json::parse(kHosts));
  const auto o = Run({"host", "list", "--json"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(json::parse(o.out), json::parse(kHosts));
  EXPECT_EQ(o.out.back(), '\n');
  EXPECT_EQ(o.out.find('\n'), o.out.size() - 1);
}

TEST_F(CliCommandsTest, GlobalFlagsWorkBeforeAndAfterTheCommandWords) {
  server_.OnJson("GET", "/api/v1/hosts", 200, json::parse(kHosts));
  env_.clear();
  EXPECT_EQ(Run({"--server", server_.url(), "--token", "rmt_a", "host", "list", "--json"}).code, kExitOk);
  EXPECT_EQ(Run({"host", "list", "--server", server_.url(), "--token", "rmt_b"}).code, kExitOk);
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[0].Header("authorization"), "Bearer rmt_a");
  EXPECT_EQ(requests[1].Header("authorization"), "Bearer rmt_b");
}

TEST_F(CliCommandsTest, HostShowEncodesTheIdAsOnePathSegment) {
  server_.OnJson("GET", "/api/v1/hosts/a%2Fb%20c", 200, json::parse(kHosts).at("items").at(0));
  const auto o = Run({"host", "show", "a/b c"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_NE(o.out.find("Name:              web\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("Schedule version:  3\n"), std::string::npos) << o.out;
}

// --- configuration precedence through RunCli --------------------------------

TEST_F(CliCommandsTest, TokenFlagBeatsEnvironmentBeatsConfigFile) {
  server_.OnJson("GET", "/api/v1/hosts", 200, json::parse(kHosts));
  ASSERT_TRUE(
      SaveConfigFile(config_home_ / "restic-manager" / "cli.toml", ConfigFile{server_.url(), "rmt_file"})
          .ok());
  env_.erase("RESTIC_MANAGER_URL");
  EXPECT_EQ(Run({"host", "list", "--token", "rmt_flag"}).code, kExitOk);
  EXPECT_EQ(Run({"host", "list"}).code, kExitOk);  // env token
  env_.erase("RESTIC_MANAGER_TOKEN");
  EXPECT_EQ(Run({"host", "list"}).code, kExitOk);  // file server + file token
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 3U);
  EXPECT_EQ(requests[0].Header("authorization"), "Bearer rmt_flag");
  EXPECT_EQ(requests[1].Header("authorization"), "Bearer rmt_test_token");
  EXPECT_EQ(requests[2].Header("authorization"), "Bearer rmt_file");
}

TEST_F(CliCommandsTest, ExplicitConfigFlagNamesTheFile) {
  server_.OnJson("GET", "/api/v1/hosts", 200, json::parse(kHosts));
  const auto path = config_home_ / "other.toml";
  ASSERT_TRUE(SaveConfigFile(path, ConfigFile{server_.url(), "rmt_other"}).ok());
  env_.clear();
  EXPECT_EQ(Run({"--config", path.string(), "host", "list"}).code, kExitOk);
  ASSERT_EQ(server_.requests().size(), 1U);
  EXPECT_EQ(server_.requests()[0].Header("authorization"), "Bearer rmt_other");
}

TEST_F(CliCommandsTest, NoServerIsAUsageErrorAndNoTokenAnAuthError) {
  env_.erase("RESTIC_MANAGER_URL");
  auto o = Run({"host", "list"});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_NE(o.err.find("no server"), std::string::npos) << o.err;
  env_["RESTIC_MANAGER_URL"] = server_.url();
  env_.erase("RESTIC_MANAGER_TOKEN");
  o = Run({"host", "list"});
  EXPECT_EQ(o.code, kExitAuth);
  EXPECT_NE(o.err.find("no API token"), std::string::npos) << o.err;
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(CliCommandsTest, BadServerUrlIsAUsageError) {
  for (const char* url :
       {"ftp://x", "127.0.0.1:8080", "http://user:pw@127.0.0.1:1", "http://127.0.0.1:1/?a=b"}) {
    const auto o = Run({"--server", url, "host", "list"});
    EXPECT_EQ(o.code, kExitUsage) << url;
    EXPECT_EQ(o.err.find("pw"), std::string::npos) << o.err;
  }
}

TEST_F(CliCommandsTest, BrokenConfigFileIsAUsageErrorOnlyWhenItIsNeeded) {
  const auto path = config_home_ / "restic-manager" / "cli.toml";
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << "server = [\n";
  server_.OnJson("GET", "/api/v1/hosts", 200, json::parse(kHosts));
  EXPECT_EQ(Run({"host", "list"}).code, kExitOk);  // env supplies both
  env_.erase("RESTIC_MANAGER_TOKEN");
  const auto o = Run({"host", "list"});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_NE(o.err.find("cli.toml"), std::string::npos) << o.err;
}

// --- errors and exit codes ------------------------------------------------

TEST_F(CliCommandsTest, ApiErrorIsOneLineWithTheFieldAndExitsOne) {
  server_.On("GET", "/api/v1/hosts/nope",
             [](const RecordedRequest&) { return ErrorReply(404, "not_found", "no such host", "id"); });
  const auto o = Run({"host", "show", "nope"});
  EXPECT_EQ(o.code, kExitFailure);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err, "restic-manager: no such host (id)\n");
}

TEST_F(CliCommandsTest, UnauthenticatedAndForbiddenExitThree) {
  server_.On("GET", "/api/v1/hosts", [](const RecordedRequest&) {
    return ErrorReply(401, "unauthenticated", "missing or invalid credentials");
  });
  server_.On("GET", "/api/v1/users",
             [](const RecordedRequest&) { return ErrorReply(403, "permission_denied", "admins only"); });
  auto o = Run({"host", "list"});
  EXPECT_EQ(o.code, kExitAuth);
  EXPECT_EQ(o.err, "restic-manager: missing or invalid credentials\n");
  o = Run({"user", "list"});
  EXPECT_EQ(o.code, kExitAuth);
  EXPECT_EQ(o.err, "restic-manager: admins only\n");
}

TEST_F(CliCommandsTest, RateLimitMessageCarriesRetryAfter) {
  server_.On("GET", "/api/v1/hosts", [](const RecordedRequest&) {
    Reply r = ErrorReply(429, "rate_limited", "too many requests");
    r.headers.emplace_back("Retry-After", "30");
    return r;
  });
  const auto o = Run({"host", "list"});
  EXPECT_EQ(o.code, kExitFailure);
  EXPECT_EQ(o.err, "restic-manager: too many requests; retry after 30 s\n");
}

TEST_F(CliCommandsTest, NonApiAnswersAreReportedNotTrusted) {
  server_.On("GET", "/api/v1/hosts", [](const RecordedRequest&) {
    return Reply{502, "<html>bad gateway</html>", {}};
  });
  server_.On("GET", "/api/v1/jobs", [](const RecordedRequest&) { return Reply{200, "<html>", {}}; });
  auto o = Run({"host", "list"});
  EXPECT_EQ(o.code, kExitFailure);
  EXPECT_EQ(o.err, "restic-manager: the server answered HTTP 502\n");
  o = Run({"job", "list"});
  EXPECT_EQ(o.code, kExitFailure);
  EXPECT_NE(o.err.find("not JSON"), std::string::npos) << o.err;
}

TEST_F(CliCommandsTest, UnreachableServerExitsOne) {
  std::string url;
  {
    FakeApiServer gone;
    url = gone.url();
  }
  const auto o = Run({"--server", url, "host", "list"});
  EXPECT_EQ(o.code, kExitFailure);
  EXPECT_NE(o.err.find("cannot reach " + url), std::string::npos) << o.err;
  EXPECT_EQ(o.err.find("rmt_test_token"), std::string::npos);
}

TEST_F(CliCommandsTest, VerboseLogsRequestsButNeverTheToken) {
  server_.OnJson("GET", "/api/v1/hosts", 200, json::parse(kHosts));
  env_["RESTIC_MANAGER_TOKEN"] = "rmt_very_secret_value";
  const auto o = Run({"-v", "host", "list", "--limit", "5"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_NE(o.err.find("> GET " + server_.url() + "/api/v1/hosts?limit=5\n"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("< 200 ("), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("* server " + server_.url() + " (from environment), token from environment\n"),
            std::string::npos)
      << o.err;
  EXPECT_EQ(o.err.find("rmt_very_secret_value"), std::string::npos) << o.err;
  EXPECT_EQ(o.out.find("rmt_very_secret_value"), std::string::npos);
}

TEST_F(CliCommandsTest, HelpForAVerbShowsItsFlags) {
  const auto o = Run({"schedule", "add", "--help"});
  EXPECT_EQ(o.code, kExitOk);
  EXPECT_NE(o.out.find("--keep-daily"), std::string::npos) << o.out;
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(CliCommandsTest, AGroupWithoutAVerbIsAUsageError) {
  EXPECT_EQ(Run({"host"}).code, kExitUsage);
  EXPECT_EQ(Run({"host", "frobnicate"}).code, kExitUsage);
  EXPECT_TRUE(server_.requests().empty());
}

// --- paging ---------------------------------------------------------------

void ServeTwoJobPages(FakeApiServer& server) {
  server.On("GET", "/api/v1/jobs", [](const RecordedRequest& r) {
    if (r.Param("cursor").empty()) {
      return JsonReply(200,
                       json::parse(R"({"items": [{"id": "j3", "status": "running"}], "next_cursor": "c2"})"));
    }
    return JsonReply(200,
                     json::parse(R"({"items": [{"id": "j1", "status": "failed"}], "next_cursor": null})"));
  });
}

TEST_F(CliCommandsTest, OnePageByDefaultWithAHintWhenMoreExist) {
  ServeTwoJobPages(server_);
  const auto o = Run({"job", "list", "--host", "h1", "--status", "running"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_NE(o.out.find("j3"), std::string::npos);
  EXPECT_EQ(o.out.find("j1"), std::string::npos);
  EXPECT_EQ(o.err, "(more results: add --all, or --cursor c2)\n");
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0].query, "host_id=h1&status=running");
}

TEST_F(CliCommandsTest, AllFollowsCursorsToTheEnd) {
  ServeTwoJobPages(server_);
  const auto o = Run({"job", "list", "--all", "--json"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(json::parse(o.out),
            json::parse(R"({"items": [{"id": "j3", "status": "running"}, {"id": "j1", "status": "failed"}],
                            "next_cursor": null})"));
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[0].query, "limit=500");
  EXPECT_EQ(requests[1].query, "limit=500&cursor=c2");
}

TEST_F(CliCommandsTest, CursorAndLimitArePassedThrough) {
  ServeTwoJobPages(server_);
  const auto o = Run({"job", "list", "--cursor", "c2", "--limit", "7"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_NE(o.out.find("j1"), std::string::npos);
  EXPECT_EQ(server_.requests().at(0).query, "limit=7&cursor=c2");
  EXPECT_EQ(Run({"job", "list", "--limit", "0"}).code, kExitUsage);
  EXPECT_EQ(Run({"job", "list", "--limit", "501"}).code, kExitUsage);
}

TEST_F(CliCommandsTest, AServerRepeatingACursorDoesNotLoopForever) {
  server_.OnJson("GET", "/api/v1/jobs", 200,
                 json::parse(R"({"items": [{"id": "j"}], "next_cursor": "same"})"));
  const auto o = Run({"job", "list", "--all", "--cursor", "same"});
  EXPECT_EQ(o.code, kExitFailure);
  EXPECT_NE(o.err.find("repeated a page cursor"), std::string::npos) << o.err;
}

// --- hosts, enrollment ---------------------------------------------------

TEST_F(CliCommandsTest, HostSetModeAndAdd) {
  server_.OnJson("PATCH", "/api/v1/hosts/h1", 200, json::object{{"id", "h1"}, {"mode", "always_on"}});
  server_.OnJson("POST", "/api/v1/hosts", 201, json::object{{"id", "h9"}, {"name", "new"}});
  auto o = Run({"host", "set-mode", "h1", "always-on"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "host h1 is now always_on\n");
  EXPECT_EQ(OnlyBody("PATCH", "/api/v1/hosts/h1"), json::parse(R"({"mode": "always_on"})"));
  EXPECT_EQ(Run({"host", "set-mode", "h1", "sometimes"}).code, kExitUsage);

  o = Run({"host", "add", "--name", "new", "--mode", "intermittent"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_NE(o.out.find("ID:"), std::string::npos);
  EXPECT_EQ(OnlyBody("POST", "/api/v1/hosts"), json::parse(R"({"name": "new", "mode": "intermittent"})"));
}

TEST_F(CliCommandsTest, HostLabelsAreSetListedAndSelected) {
  server_.OnJson("PATCH", "/api/v1/hosts/h1", 200, json::object{{"id", "h1"}});
  server_.OnJson("POST", "/api/v1/hosts", 201, json::object{{"id", "h9"}, {"name", "new"}});
  server_.OnJson(
      "GET", "/api/v1/hosts", 200,
      json::parse(R"({"items": [{"id": "h1", "name": "lap", "labels": {"role": "laptop", "site": "b"}}],
                                 "next_cursor": null})"));
  auto o = Run({"host", "set-labels", "h1", "role=laptop", "site=berlin"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "host h1 labels: role=laptop,site=berlin\n");
  EXPECT_EQ(OnlyBody("PATCH", "/api/v1/hosts/h1"),
            json::parse(R"({"labels": {"role": "laptop", "site": "berlin"}})"));

  const auto bad = Run({"host", "set-labels", "h1", "Role=x"});
  EXPECT_EQ(bad.code, kExitUsage);
  EXPECT_NE(bad.err.find("Role=x"), std::string::npos) << bad.err;
  EXPECT_EQ(Run({"host", "add", "--name", "new", "--label", "role"}).code, kExitUsage);

  o = Run({"host", "add", "--name", "new", "--label", "role=laptop"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(OnlyBody("POST", "/api/v1/hosts"),
            json::parse(R"({"name": "new", "labels": {"role": "laptop"}})"));

  o = Run({"host", "list", "--selector", "role=laptop"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_NE(o.out.find("role=laptop,site=b"), std::string::npos) << o.out;
  EXPECT_EQ(server_.requests().back().query, "selector=role%3Dlaptop");
}

TEST_F(CliCommandsTest, EnrollCreatePrintsTheTokenAloneOrTwoJsonFields) {
  server_.OnJson("POST", "/api/v1/enrollment-tokens", 201,
                 json::parse(R"({"id": "e1", "name": "web", "host_id": "h1", "token": "rme_secret",
                                 "expires_at": "2026-05-02T00:00:00Z", "status": "active"})"));
  auto o = Run({"enroll", "create", "--name", "web", "--host", "h1", "--ttl", "3600"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "rme_secret\n");
  EXPECT_EQ(OnlyBody("POST", "/api/v1/enrollment-tokens"),
            json::parse(R"({"name": "web", "host_id": "h1", "ttl_seconds": 3600})"));

  o = Run({"enroll", "create", "--name", "web", "--json"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(json::parse(o.out),
            json::parse(R"({"token": "rme_secret", "id": "e1", "expires_at": "2026-05-02T00:00:00Z",
                                                "max_uses": null, "labels": null})"));

  EXPECT_EQ(Run({"enroll", "create", "--name", "web", "--ttl", "59"}).code, kExitUsage);
  EXPECT_EQ(Run({"enroll", "create"}).code, kExitUsage);
}

TEST_F(CliCommandsTest, EnrollCreateReusableWithLabels) {
  server_.OnJson("POST", "/api/v1/enrollment-tokens", 201,
                 json::parse(R"({"id": "e2", "name": "fleet", "token": "rme_fleet", "expires_at": "x",
                                 "max_uses": 500, "use_count": 0, "labels": {"role": "web"}, "status": "active"})"));
  auto o = Run({"enroll", "create", "--name", "fleet", "--max-uses", "500", "--label", "role=web", "--label",
                "site=berlin", "--json"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(
      OnlyBody("POST", "/api/v1/enrollment-tokens"),
      json::parse(R"({"name": "fleet", "max_uses": 500, "labels": {"role": "web", "site": "berlin"}})"));
  EXPECT_EQ(json::parse(o.out), json::parse(R"({"token": "rme_fleet", "id": "e2", "expires_at": "x",
                                                "max_uses": 500, "labels": {"role": "web"}})"));
  EXPECT_EQ(Run({"enroll", "create", "--name", "f", "--max-uses", "0"}).code, kExitUsage);
  EXPECT_EQ(Run({"enroll", "create", "--name", "f", "--max-uses", "100001"}).code, kExitUsage);
  EXPECT_EQ(Run({"enroll", "create", "--name", "f", "--label", "role"}).code, kExitUsage);
}

TEST_F(CliCommandsTest, EnrollListAndRevoke) {
  server_.OnJson("GET", "/api/v1/enrollment-tokens", 200,
                 json::parse(R"({"items": [{"id": "e1", "name": "web", "host_id": null, "status": "exhausted",
                                 "max_uses": 3, "use_count": 3, "labels": {"role": "web"}, "created_at": "c",
                                 "expires_at": "x", "used_at": "u", "last_used_at": "l"}], "next_cursor": null})"));
  server_.On("DELETE", "/api/v1/enrollment-tokens/e1", [](const RecordedRequest&) {
    return Reply{204, "", {}};
  });
  auto o = Run({"enroll", "list"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out,
            "ID  NAME  HOST  STATUS     USES  LABELS    CREATED  EXPIRES  LAST USED\n"
            "e1  web   -     exhausted  3/3   role=web  c        x        l\n");
  o = Run({"enroll", "revoke", "e1"});
  EXPECT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "enrollment token e1 revoked\n");
  o = Run({"enroll", "revoke", "e1", "--json"});
  EXPECT_EQ(o.out, "");  // 204: nothing to print
}

// --- repositories and secrets -------------------------------------------------

TEST_F(CliCommandsTest, RepoAddReadsThePasswordFromStdinAndNeverPrintsIt) {
  server_.OnJson("POST", "/api/v1/repositories", 201,
                 json::parse(R"({"id": "r1", "name": "main", "url": "/srv/restic", "has_password": true})"));
  const auto o =
      Run({"repo", "add", "--name", "main", "--url", "/srv/restic", "--password-stdin"}, "hunter2\n");
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(OnlyBody("POST", "/api/v1/repositories"),
            json::parse(R"({"name": "main", "url": "/srv/restic", "password": "hunter2"})"));
  EXPECT_EQ(o.out.find("hunter2"), std::string::npos);
  EXPECT_EQ(o.err.find("hunter2"), std::string::npos);
  EXPECT_NE(o.out.find("Has password:  yes"), std::string::npos) << o.out;
}

TEST_F(CliCommandsTest, RepoAddReadsPipedStdinWithoutTheFlagAndRefusesAPasswordFlag) {
  server_.OnJson("POST", "/api/v1/repositories", 201, json::object{{"id", "r1"}});
  EXPECT_EQ(Run({"repo", "add", "--name", "m", "--url", "u"}, "pw\r\n").code, kExitOk);
  EXPECT_EQ(OnlyBody("POST", "/api/v1/repositories").at("password"), "pw");

  auto o = Run({"repo", "add", "--name", "m", "--url", "u", "--password", "pw"});
  EXPECT_EQ(o.code, kExitUsage);
  o = Run({"repo", "add", "--name", "m", "--url", "u", "--password-stdin"}, "");
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_EQ(o.err, "restic-manager: no password on standard input\n");
  o = Run({"repo", "add", "--name", "m", "--url", "u"}, "\n");
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_EQ(server_.requests().size(), 1U);
}

TEST_F(CliCommandsTest, RepoAddAndEditSetHowHostsShareTheRepository) {
  server_.OnJson("POST", "/api/v1/repositories", 201, json::object{{"id", "r1"}});
  ASSERT_EQ(Run({"repo", "add", "--name", "m", "--url", "u", "--max-concurrent-backups", "2",
                 "--maintenance-window", "0 2 * * *", "--maintenance-minutes", "120"},
                "pw\n")
                .code,
            kExitOk);
  EXPECT_EQ(OnlyBody("POST", "/api/v1/repositories"),
            json::parse(R"({"name": "m", "url": "u", "password": "pw", "max_concurrent_backups": 2,
                            "maintenance_cron": "0 2 * * *", "maintenance_minutes": 120})"));

  server_.OnJson("PATCH", "/api/v1/repositories/r1", 200,
                 json::parse(R"({"id": "r1", "max_concurrent_backups": 0, "maintenance_cron": ""})"));
  const auto o = Run({"repo", "edit", "r1", "--max-concurrent-backups", "0", "--maintenance-window", ""});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(OnlyBody("PATCH", "/api/v1/repositories/r1"),
            json::parse(R"({"max_concurrent_backups": 0, "maintenance_cron": ""})"));
  EXPECT_NE(o.out.find("Max backups:"), std::string::npos) << o.out;
  EXPECT_EQ(Run({"repo", "edit", "r1"}).code, kExitUsage);
}

TEST_F(CliCommandsTest, RepoList) {
  server_.OnJson("GET", "/api/v1/repositories", 200,
                 json::parse(R"({"items": [{"id": "r1", "name": "main", "url": "s3:x", "updated_at": "t"}],
                                 "next_cursor": null})"));
  const auto o = Run({"repo", "list"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "ID  NAME  URL   UPDATED\nr1  main  s3:x  t\n");
}

// --- groups and schedules ---------------------------------------------------

TEST_F(CliCommandsTest, GroupAddSendsPathsExcludesAndTags) {
  server_.OnJson("POST", "/api/v1/source-groups", 201,
                 json::parse(R"({"id": "g1", "host_id": "h1", "name": "etc", "paths": ["/etc", "/home"]})"));
  const auto o = Run({"group", "add", "--host", "h1", "--name", "etc", "--path", "/etc", "--path", "/home",
                      "--exclude", "*.tmp", "--tag", "daily"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(OnlyBody("POST", "/api/v1/source-groups"),
            json::parse(R"({"host_id": "h1", "name": "etc", "paths": ["/etc", "/home"],
                            "excludes": ["*.tmp"], "tags": ["daily"]})"));
  EXPECT_NE(o.out.find("Paths:     /etc\n           /home\n"), std::string::npos) << o.out;
  EXPECT_EQ(Run({"group", "add", "--host", "h1", "--name", "x"}).code, kExitUsage);  // --path required
}

TEST_F(CliCommandsTest, GroupListFiltersByHost) {
  server_.OnJson("GET", "/api/v1/source-groups", 200, json::parse(R"({"items": [], "next_cursor": null})"));
  const auto o = Run({"group", "list", "--host", "h1"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "ID  HOST  NAME  PATHS  EXCLUDES  TAGS\n");
  EXPECT_EQ(server_.requests().at(0).query, "host_id=h1");
}

TEST_F(CliCommandsTest, ScheduleAddBuildsTheBodyFromFlags) {
  server_.OnJson(
      "POST", "/api/v1/schedules", 201,
      json::parse(R"({"id": "s1", "name": "nightly", "next_fires": ["2026-05-02T02:30:00+02:00"]})"));
  const auto o = Run({"schedule",
                      "add",
                      "--host",
                      "h1",
                      "--name",
                      "nightly",
                      "--cron",
                      "30 2 * * *",
                      "--tz",
                      "Europe/Berlin",
                      "--repo",
                      "r1",
                      "--group",
                      "g1",
                      "--group",
                      "g2",
                      "--keep-daily",
                      "7",
                      "--keep-weekly",
                      "4",
                      "--keep-within",
                      "30d",
                      "--prune",
                      "--jitter",
                      "60",
                      "--max-runtime",
                      "7200"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(OnlyBody("POST", "/api/v1/schedules"),
            json::parse(R"({"host_id": "h1", "name": "nightly", "kind": "backup", "cron": "30 2 * * *",
                            "repository_id": "r1", "source_group_ids": ["g1", "g2"], "enabled": true,
                            "timezone": "Europe/Berlin", "jitter_seconds": 60, "max_runtime_seconds": 7200,
                            "retention": {"keep_daily": 7, "keep_weekly": 4, "keep_within": "30d", "prune": true}})"));
  EXPECT_NE(o.out.find("Next fires:        2026-05-02T02:30:00+02:00"), std::string::npos) << o.out;
}

TEST_F(CliCommandsTest, ScheduleAddRejectsBadCronAndKindBeforeAnyRequest) {
  auto o = Run({"schedule", "add", "--host", "h1", "--name", "n", "--cron", "61 * * * *", "--repo", "r1"});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_NE(o.err.find("invalid cron expression"), std::string::npos) << o.err;
  o = Run({"schedule", "add", "--host", "h1", "--name", "n", "--cron", "@daily", "--repo", "r1", "--kind",
           "nap"});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(CliCommandsTest, ScheduleListShowEnableDisableDelete) {
  server_.OnJson("GET", "/api/v1/schedules", 200,
                 json::parse(R"({"items": [{"id": "s1", "host_id": "h1", "name": "n", "kind": "backup",
                   "cron": "@daily", "timezone": "UTC", "enabled": true,
                   "next_fires": ["2026-05-02T00:00:00Z", "2026-05-03T00:00:00Z"]}], "next_cursor": null})"));
  server_.OnJson("GET", "/api/v1/schedules/s1", 200, json::object{{"id", "s1"}, {"enabled", true}});
  server_.OnJson("PATCH", "/api/v1/schedules/s1", 200, json::object{{"id", "s1"}});
  server_.On("DELETE", "/api/v1/schedules/s1", [](const RecordedRequest&) { return Reply{204, "", {}}; });

  auto o = Run({"schedule", "list", "--host", "h1"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out,
            "ID  HOST  NAME  KIND    CRON    TZ   ENABLED  NEXT\n"
            "s1  h1    n     backup  @daily  UTC  yes      2026-05-02T00:00:00Z\n");
  EXPECT_EQ(server_.requests().back().query, "host_id=h1");
  o = Run({"schedule", "show", "s1"});
  EXPECT_NE(o.out.find("Enabled:           yes"), std::string::npos) << o.out;
  EXPECT_EQ(Run({"schedule", "disable", "s1"}).out, "schedule s1 disabled\n");
  EXPECT_EQ(json::parse(server_.requests().back().body), json::parse(R"({"enabled": false})"));
  EXPECT_EQ(Run({"schedule", "enable", "s1"}).out, "schedule s1 enabled\n");
  EXPECT_EQ(json::parse(server_.requests().back().body), json::parse(R"({"enabled": true})"));
  EXPECT_EQ(Run({"schedule", "delete", "s1"}).out, "schedule s1 deleted\n");
}

TEST_F(CliCommandsTest, ScheduleWindowsListsEachWindowWithItsOutcomeAndReason) {
  server_.OnJson("GET", "/api/v1/schedules/s1/windows", 200, json::parse(R"({"items": [
                   {"schedule_id": "s1", "slot": "2026-05-02T03:00:00Z", "source_group_id": "g1",
                    "outcome": "succeeded", "job_id": "j1", "reason": null},
                   {"schedule_id": "s1", "slot": "2026-05-01T03:00:00Z", "source_group_id": "g1",
                    "outcome": "missed", "job_id": null, "reason": "host offline"}], "next_cursor": null})"));
  auto o = Run({"schedule", "windows", "s1", "--from", "2026-05-01T00:00:00Z", "--to", "2026-05-03T00:00:00Z",
                "--limit", "7"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out,
            "SLOT                  GROUP  OUTCOME    JOB  REASON\n"
            "2026-05-02T03:00:00Z  g1     succeeded  j1   -\n"
            "2026-05-01T03:00:00Z  g1     missed     -    host offline\n");
  EXPECT_EQ(server_.requests().back().query,
            "from=2026-05-01T00%3A00%3A00Z&to=2026-05-03T00%3A00%3A00Z&limit=7");
  o = Run({"schedule", "windows", "s1", "--json"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(json::parse(o.out).at("items").as_array().size(), 2u);
  o = Run({"schedule", "windows", "s1", "--from", "last week"});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_NE(o.err.find("--from:"), std::string::npos) << o.err;
  EXPECT_EQ(Run({"schedule", "windows"}).code, kExitUsage);
}

// --- jobs -----------------------------------------------------------------------

TEST_F(CliCommandsTest, JobLogsFollowPollsUntilTheJobEnds) {
  // Lines 1-2 exist at first, 3 arrives during the run, 4 just before it ends.
  std::atomic<int> status_polls{0};  // written on the server thread
  server_.On("GET", "/api/v1/jobs/j1", [&status_polls](const RecordedRequest&) {
    ++status_polls;
    return JsonReply(
        200, json::object{{"id", "j1"}, {"status", status_polls.load() < 3 ? "running" : "succeeded"}});
  });
  server_.On("GET", "/api/v1/jobs/j1/logs", [&status_polls](const RecordedRequest& r) {
    const int after = std::stoi(r.Param("after_seq"));
    const int polls = status_polls.load();
    const int available = polls == 0 ? 2 : (polls < 3 ? 3 : 4);
    json::array items;
    for (int seq = std::max(after + 1, 1); seq <= available; ++seq) {
      items.push_back(json::object{
          {"seq", seq}, {"stream", "stdout"}, {"at", "t"}, {"text", "line " + std::to_string(seq)}});
    }
    return JsonReply(200, json::object{{"items", items}, {"next_after_seq", std::max(after, available)}});
  });
  const auto o = Run({"job", "logs", "j1", "--follow"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "line 1\nline 2\nline 3\nline 4\n");
  EXPECT_EQ(status_polls, 3);
  EXPECT_EQ(server_.requests().at(0).query, "after_seq=-1&limit=500");
  EXPECT_EQ(sleeps_, 2);
  EXPECT_EQ(slept_, std::chrono::milliseconds(2000));
}

TEST_F(CliCommandsTest, JobLogsWithoutFollowDrainsOnceAndJsonIsOneObjectPerLine) {
  server_.On("GET", "/api/v1/jobs/j1/logs", [](const RecordedRequest& r) {
    if (r.Param("after_seq") != "5")
      return JsonReply(200, json::parse(R"({"items": [], "next_after_seq": 9})"));
    return JsonReply(200,
                     json::parse(R"({"items": [{"seq": 6, "stream": "stderr", "at": "t", "text": "a\u001b"},
                                                    {"seq": 7, "stream": "stdout", "at": "t", "text": "b"}],
                                          "next_after_seq": 7})"));
  });
  EXPECT_EQ(Run({"job", "logs", "j1", "--after-seq", "-2"}).code, kExitUsage);
  auto o = Run({"job", "logs", "j1", "--after-seq", "5"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "a?\nb\n");
  EXPECT_EQ(server_.requests().at(0).query, "after_seq=5&limit=500");
  EXPECT_EQ(server_.requests().at(1).query, "after_seq=7&limit=500");
  o = Run({"job", "logs", "j1", "--after-seq", "5", "--json"});
  std::istringstream lines(o.out);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    EXPECT_TRUE(json::parse(line).is_object()) << line;
    ++count;
  }
  EXPECT_EQ(count, 2);
  EXPECT_EQ(sleeps_, 0);
}

TEST_F(CliCommandsTest, JobLogsStopsOnAServerThatDoesNotAdvance) {
  server_.OnJson("GET", "/api/v1/jobs/j1/logs", 200,
                 json::parse(R"({"items": [{"seq": 1, "text": "x"}], "next_after_seq": 0})"));
  const auto o = Run({"job", "logs", "j1"});
  EXPECT_EQ(o.code, kExitFailure);
  EXPECT_NE(o.err.find("did not advance"), std::string::npos) << o.err;
}

TEST_F(CliCommandsTest, JobRunByScheduleOrByHostAndKind) {
  server_.OnJson("POST", "/api/v1/schedules/s1/run", 201,
                 json::parse(R"({"jobs": [{"id": "j1", "host_id": "h1", "kind": "backup", "status": "queued"},
                                          {"id": "j2", "host_id": "h1", "kind": "backup", "status": "queued"}]})"));
  server_.OnJson("POST", "/api/v1/jobs", 201,
                 json::parse(R"({"id": "j3", "host_id": "h1", "kind": "check", "status": "queued"})"));
  auto o = Run({"job", "run", "--schedule", "s1"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_NE(o.out.find("j1  h1    backup  queued"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("j2"), std::string::npos) << o.out;
  o = Run({"job", "run", "--host", "h1", "--kind", "check", "--repo", "r1", "--json"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(json::parse(o.out).at("id"), "j3");
  EXPECT_EQ(OnlyBody("POST", "/api/v1/jobs"),
            json::parse(R"({"host_id": "h1", "kind": "check", "repository_id": "r1"})"));

  EXPECT_EQ(Run({"job", "run"}).code, kExitUsage);
  EXPECT_EQ(Run({"job", "run", "--host", "h1"}).code, kExitUsage);
  EXPECT_EQ(Run({"job", "run", "--schedule", "s1", "--host", "h1", "--kind", "backup"}).code, kExitUsage);
  EXPECT_EQ(server_.requests().size(), 2U);
}

TEST_F(CliCommandsTest, JobRunAndCancelBySelectorAreOneFleetAction) {
  server_.OnJson("POST", "/api/v1/fleet/actions", 200, json::parse(R"({"action": "run_now",
      "selector": "role=laptop", "matched": 2, "results": [
        {"host_id": "h1", "host_name": "lap-1", "outcome": "queued", "job_ids": ["j1", "j2"]},
        {"host_id": "h2", "host_name": "lap-2", "outcome": "skipped", "job_ids": [],
         "message": "no enabled backup schedule with a source group"}]})"));
  auto o = Run({"job", "run", "--selector", "role=laptop"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_NE(o.out.find("lap-1"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("queued"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("no enabled backup schedule"), std::string::npos) << o.out;
  EXPECT_EQ(OnlyBody("POST", "/api/v1/fleet/actions"),
            json::parse(R"({"action": "run_now", "selector": "role=laptop"})"));

  o = Run({"job", "run", "--selector", "site=berlin", "--kind", "check", "--json"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(json::parse(o.out).at("matched"), 2);
  EXPECT_EQ(json::parse(server_.requests().back().body),
            json::parse(R"({"action": "run_now", "selector": "site=berlin", "kind": "check"})"));

  o = Run({"job", "cancel", "--selector", "role=laptop"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(json::parse(server_.requests().back().body),
            json::parse(R"({"action": "cancel", "selector": "role=laptop"})"));

  const auto sent = server_.requests().size();
  EXPECT_EQ(Run({"job", "cancel"}).code, kExitUsage);
  EXPECT_EQ(Run({"job", "cancel", "j1", "--selector", "role=laptop"}).code, kExitUsage);
  EXPECT_EQ(Run({"job", "run", "--selector", "role=laptop", "--host", "h1", "--kind", "backup"}).code, kExitUsage);
  EXPECT_EQ(Run({"job", "run", "--selector", "role=laptop", "--schedule", "s1"}).code, kExitUsage);
  EXPECT_EQ(server_.requests().size(), sent);
}

TEST_F(CliCommandsTest, JobShowAndCancel) {
  server_.OnJson("GET", "/api/v1/jobs/j1", 200,
                 json::parse(R"({"id": "j1", "status": "running", "progress": {"percent_done": 0.5}})"));
  server_.OnJson("POST", "/api/v1/jobs/j1/cancel", 200, json::object{{"id", "j1"}, {"status", "cancelled"}});
  server_.OnJson("POST", "/api/v1/jobs/j2/cancel", 202, json::object{{"id", "j2"}, {"status", "running"}});
  auto o = Run({"job", "show", "j1"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_NE(o.out.find("Progress:      {\"percent_done\":5E-1}"), std::string::npos) << o.out;
  o = Run({"job", "cancel", "j1"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "job j1 cancelled\n");
  EXPECT_EQ(server_.requests().back().body, "");
  o = Run({"job", "cancel", "j2"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "job j2: cancel sent to its agent (still running)\n");
}

TEST(CliJobStatus, OnlyQueuedDispatchedAndRunningAreActive) {
  for (const char* s : {"queued", "dispatched", "running"}) EXPECT_FALSE(IsTerminalJobStatus(s)) << s;
  for (const char* s : {"succeeded", "partial", "failed", "cancelled", "interrupted", "lost"}) {
    EXPECT_TRUE(IsTerminalJobStatus(s)) << s;
  }
}

// --- snapshots, audit, tokens, users --------------------------------------------------

TEST_F(CliCommandsTest, SnapshotListByRepositoryAndHost) {
  server_.OnJson("GET", "/api/v1/repositories/r1/snapshots", 200,
                 json::parse(R"({"items": [{"id": "abcdef0123", "short_id": "abcdef01", "time": "t",
                                            "hostname": "web", "paths": ["/etc", "/srv"], "tags": [],
                                            "host_id": "h1"}]})"));
  const auto o = Run({"snapshot", "list", "--repo", "r1", "--host", "h1"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(
      o.out,
      "ID        TIME  HOSTNAME  HOST  PATHS      TAGS\nabcdef01  t     web       h1    /etc,/srv  -\n");
  EXPECT_EQ(server_.requests().at(0).query, "host_id=h1");
  EXPECT_EQ(Run({"snapshot", "list"}).code, kExitUsage);
}

TEST_F(CliCommandsTest, AuditListPassesFiltersAndChecksTimes) {
  server_.OnJson("GET", "/api/v1/audit", 200,
                 json::parse(R"({"items": [{"id": "a1", "at": "t", "actor_kind": "user", "actor_id": "u1",
                   "action": "schedule.update", "target_kind": "schedule", "target_id": "s1",
                   "source_addr": "127.0.0.1", "detail": {"enabled": false}}], "next_cursor": null})"));
  auto o = Run({"audit", "list", "--action", "schedule.update", "--from", "2026-05-01T00:00:00+02:00",
                "--limit", "10"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out,
            "AT  ACTOR    ACTION           TARGET       SOURCE     DETAIL\n"
            "t   user:u1  schedule.update  schedule:s1  127.0.0.1  {\"enabled\":false}\n");
  EXPECT_EQ(server_.requests().at(0).query,
            "action=schedule.update&from=2026-05-01T00%3A00%3A00%2B02%3A00&limit=10");
  o = Run({"audit", "list", "--to", "yesterday"});
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_NE(o.err.find("--to:"), std::string::npos) << o.err;
}

TEST_F(CliCommandsTest, TokenCreateListRevoke) {
  server_.OnJson("POST", "/api/v1/tokens", 201,
                 json::parse(R"({"id": "t1", "name": "ci", "token": "rmt_new", "expires_at": null,
                                 "user_id": "u1"})"));
  server_.OnJson("GET", "/api/v1/tokens", 200, json::parse(R"({"items": [], "next_cursor": null})"));
  server_.On("DELETE", "/api/v1/tokens/t1", [](const RecordedRequest&) { return Reply{204, "", {}}; });
  auto o = Run({"token", "create", "--name", "ci", "--expires-in", "3600"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(o.out, "rmt_new\n");
  EXPECT_EQ(OnlyBody("POST", "/api/v1/tokens"), json::parse(R"({"name": "ci", "expires_in_seconds": 3600})"));
  o = Run({"token", "create", "--name", "ci", "--json"});
  EXPECT_EQ(json::parse(o.out), json::parse(R"({"token": "rmt_new", "id": "t1", "expires_at": null})"));
  EXPECT_EQ(Run({"token", "list", "--all-users"}).code, kExitOk);
  EXPECT_EQ(server_.requests().back().query, "all=true");
  EXPECT_EQ(Run({"token", "revoke", "t1"}).out, "token t1 revoked\n");
}

TEST_F(CliCommandsTest, UserListAddSetRole) {
  server_.OnJson(
      "GET", "/api/v1/users", 200,
      json::parse(R"({"items": [{"id": "u1", "username": "admin", "role": "admin", "disabled": false,
                                            "created_at": "t"}], "next_cursor": null})"));
  server_.OnJson("POST", "/api/v1/users", 201,
                 json::parse(R"({"id": "u2", "username": "op", "role": "operator"})"));
  server_.OnJson("PATCH", "/api/v1/users/u2", 200, json::parse(R"({"id": "u2", "role": "viewer"})"));
  auto o = Run({"user", "list"});
  EXPECT_EQ(o.out, "ID  USERNAME  ROLE   DISABLED  CREATED\nu1  admin     admin  no        t\n");
  o = Run({"user", "add", "--username", "op", "--role", "operator", "--password-stdin"}, "pa55word-long\n");
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(OnlyBody("POST", "/api/v1/users"),
            json::parse(R"({"username": "op", "password": "pa55word-long", "role": "operator"})"));
  EXPECT_EQ(o.out.find("pa55word"), std::string::npos);
  EXPECT_EQ(Run({"user", "set-role", "u2", "viewer"}).out, "user u2 is now viewer\n");
  EXPECT_EQ(Run({"user", "set-role", "u2", "root"}).code, kExitUsage);
}

// --- login ------------------------------------------------------------------------

void ServeLogin(FakeApiServer& server) {
  server.On("POST", "/api/v1/auth/login", [](const RecordedRequest& r) {
    const auto body = json::parse(r.body);
    if (body.at("password") != "correct horse")
      return ErrorReply(401, "unauthenticated", "invalid username or password");
    Reply reply = JsonReply(
        200, json::parse(R"({"csrf_token": "csrf123", "user": {"id": "u1", "username": "admin"}})"));
    reply.headers.emplace_back("Set-Cookie", "rm_session=rms_abc; HttpOnly; SameSite=Strict; Path=/");
    return reply;
  });
  server.On("POST", "/api/v1/tokens", [](const RecordedRequest& r) {
    if (r.Header("cookie") != "rm_session=rms_abc") return ErrorReply(401, "unauthenticated", "no session");
    if (r.Header("x-csrf-token") != "csrf123")
      return ErrorReply(403, "permission_denied", "missing CSRF token");
    return JsonReply(201, json::parse(R"({"id": "t1", "name": "x", "token": "rmt_from_login"})"));
  });
  server.On("POST", "/api/v1/auth/logout", [](const RecordedRequest&) { return Reply{204, "", {}}; });
}

TEST_F(CliCommandsTest, LoginAsksForTheTwoFactorCodeWhenTheServerWantsOne) {
  ServeLogin(server_);
  server_.On("POST", "/api/v1/auth/login", [](const RecordedRequest&) {
    return JsonReply(200, json::parse(R"({"totp_required": true, "challenge": "rmc_xyz"})"));
  });
  server_.On("POST", "/api/v1/auth/login/totp", [](const RecordedRequest& r) {
    const auto body = json::parse(r.body);
    if (body.at("code") != "123456") return ErrorReply(401, "unauthenticated", "wrong code");
    Reply reply = JsonReply(
        200, json::parse(R"({"csrf_token": "csrf123", "user": {"id": "u1", "username": "admin"}})"));
    reply.headers.emplace_back("Set-Cookie", "rm_session=rms_abc; HttpOnly; SameSite=Strict; Path=/");
    return reply;
  });
  env_.clear();
  env_["XDG_CONFIG_HOME"] = config_home_.string();
  const auto o = Run({"login", "--server", server_.url(), "--password-stdin"}, "correct horse\n123456\n");
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(OnlyBody("POST", "/api/v1/auth/login/totp"),
            json::parse(R"({"challenge": "rmc_xyz", "code": "123456"})"));
  EXPECT_EQ(o.out.find("123456"), std::string::npos);
  const auto wrong = Run({"login", "--server", server_.url(), "--password-stdin"}, "correct horse\n654321\n");
  EXPECT_NE(wrong.code, kExitOk);
  EXPECT_NE(wrong.err.find("wrong code"), std::string::npos) << wrong.err;
}

TEST_F(CliCommandsTest, LoginCreatesATokenWithTheSessionAndSavesAPrivateConfig) {
  ServeLogin(server_);
  env_.clear();
  env_["XDG_CONFIG_HOME"] = config_home_.string();
  const auto o = Run({"login", "--server", server_.url(), "--token-name", "cli@test"}, "correct horse\n");
  ASSERT_EQ(o.code, kExitOk) << o.err;
  const auto path = config_home_ / "restic-manager" / "cli.toml";
  EXPECT_NE(o.out.find("saved in " + path.string()), std::string::npos) << o.out;
  EXPECT_EQ(o.out.find("rmt_from_login"), std::string::npos);
  EXPECT_EQ(o.err.find("correct horse"), std::string::npos);

  EXPECT_EQ(OnlyBody("POST", "/api/v1/auth/login"),
            json::parse(R"({"username": "admin", "password": "correct horse"})"));
  EXPECT_EQ(OnlyBody("POST", "/api/v1/tokens"), json::parse(R"({"name": "cli@test"})"));
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 3U);
  EXPECT_EQ(requests[0].Header("authorization"), "");
  EXPECT_EQ(requests[2].path, "/api/v1/auth/logout");
  EXPECT_EQ(requests[2].Header("x-csrf-token"), "csrf123");

  const auto saved = LoadConfigFile(path);
  ASSERT_TRUE(saved.ok());
  EXPECT_EQ(saved->server, server_.url());
  EXPECT_EQ(saved->token, "rmt_from_login");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777U, 0600U);

  // The saved config now serves later commands.
  server_.OnJson("GET", "/api/v1/hosts", 200, json::parse(kHosts));
  EXPECT_EQ(Run({"host", "list"}).code, kExitOk);
  EXPECT_EQ(server_.requests().back().Header("authorization"), "Bearer rmt_from_login");
}

TEST_F(CliCommandsTest, LoginWithAWrongPasswordExitsThreeAndWritesNothing) {
  ServeLogin(server_);
  const auto o =
      Run({"login", "--server", server_.url(), "--username", "admin", "--password-stdin"}, "nope\n");
  EXPECT_EQ(o.code, kExitAuth);
  EXPECT_EQ(o.err, "restic-manager: invalid username or password\n");
  EXPECT_FALSE(std::filesystem::exists(config_home_ / "restic-manager" / "cli.toml"));
}

TEST_F(CliCommandsTest, LoginReplacesABrokenConfigFile) {
  ServeLogin(server_);
  const auto path = config_home_ / "restic-manager" / "cli.toml";
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << "this is not toml [\n";
  env_.erase("RESTIC_MANAGER_TOKEN");
  const auto o = Run({"login", "--server", server_.url()}, "correct horse\n");
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_EQ(LoadConfigFile(path)->token, "rmt_from_login");
}

TEST_F(CliCommandsTest, LoginRefusesAPasswordFlagAndNeedsAServer) {
  EXPECT_EQ(Run({"login", "--server", server_.url(), "--password", "x"}).code, kExitUsage);
  env_.erase("RESTIC_MANAGER_URL");
  const auto o = Run({"login"}, "pw\n");
  EXPECT_EQ(o.code, kExitUsage);
  EXPECT_NE(o.err.find("login needs --server"), std::string::npos) << o.err;
  EXPECT_TRUE(server_.requests().empty());
}

// --- rollouts -------------------------------------------------------------

TEST_F(CliCommandsTest, RolloutShowListsEveryHostsStateWithTheRollbackOfAFailedWave) {
  const char* rollout =
      R"({"id": "r1", "version": "9.0.0", "state": "failed", "error": "host a: rolled_back: exit 1",
    "wave_size": 2, "waves": 2, "selector": "", "created_at": "2026-12-07T18:00:00Z", "finished_at": null,
    "hosts": [
      {"host_id": "h1", "host_name": "a", "wave": 0, "state": "rolled_back", "error": "rolled_back: exit 1"},
      {"host_id": "h2", "host_name": "b", "wave": 0, "state": "rolling_back", "error": ""},
      {"host_id": "h3", "host_name": "c", "wave": 1, "state": "skipped", "error": ""}]})";
  server_.OnJson("GET", "/api/v1/rollouts/r1", 200, json::parse(rollout));
  const auto o = Run({"rollout", "show", "r1"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  EXPECT_NE(o.out.find("wave 0: a=rolled_back (rolled_back: exit 1) b=rolling_back; wave 1: c=skipped"),
            std::string::npos)
      << o.out;
  server_.OnJson("GET", "/api/v1/rollouts", 200,
                 json::object{{"items", json::array{json::parse(rollout)}}, {"next_cursor", nullptr}});
  const auto list = Run({"rollout", "list"});
  ASSERT_EQ(list.code, kExitOk) << list.err;
  EXPECT_NE(list.out.find("wave 0: a=rolled_back b=rolling_back; wave 1: c=skipped"), std::string::npos)
      << list.out;
}

}  // namespace
}  // namespace rmgr::cli

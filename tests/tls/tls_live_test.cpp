// TLS across processes, on 127.0.0.1 only: the real server with its
// self-signed certificate or an operator's (made here, signed by a test CA),
// real agents that pin or verify it, the real CLI, rotation with a connected
// agent, the listen-address rule, and the bytes on the wire.
#include <signal.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "common/tls/fingerprint.h"
#include "tests/loop/loop_fixture.h"
#include "tests/tls/tcp_relay.h"
#include "tests/tls/test_certificates.h"

namespace rmgr::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using std::chrono::hours;
using std::chrono::seconds;

constexpr seconds kCommandTimeout{120};

std::string Fingerprint(const fs::path& cert) {
  auto fingerprint = tls::FingerprintOfPemFile(cert);
  return fingerprint ? *fingerprint : std::string("(unreadable " + cert.string() + ")");
}

json::value AgentJson(const LoopAgent& agent) {
  boost::system::error_code ec;
  auto parsed = json::parse(ReadText(agent.state_dir / "agent.json"), ec);
  return ec ? json::value() : parsed;
}

void CopyOver(const fs::path& from, const fs::path& to) {
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

class TlsLiveTest : public LoopTest {
 protected:
  fs::path SelfSignedCert() const { return dir_ / "data" / "tls-self-signed.crt"; }
  fs::path SelfSignedKey() const { return dir_ / "data" / "tls-self-signed.key"; }

  // `restic-manager-agent enroll` with exactly `extra` as its trust flags.
  ProcessResult EnrollWith(const std::string& token, const fs::path& state_dir,
                           const std::vector<std::string>& extra) {
    std::vector<std::string> args{"enroll",      "--server",        url(), "--token", token,
                                  "--state-dir", state_dir.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<std::string> env{"PATH=/usr/bin:/bin", "HOME=" + dir_.string()};
    env.insert(env.end(), agent_env_extra_.begin(), agent_env_extra_.end());
    return RunProcess(RMGR_AGENT_EXE, args, env, "", kCommandTimeout);
  }

  // The CLI with exactly `trust` as its trust flags (not the fixture's --cacert).
  ProcessResult CliWith(const std::vector<std::string>& trust, const std::vector<std::string>& args) {
    std::vector<std::string> argv{"--server", url(), "--token", api().token()};
    argv.insert(argv.end(), trust.begin(), trust.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProcess(
        RMGR_CLI_EXE, argv,
        {"PATH=/usr/bin:/bin", "HOME=" + dir_.string(), "XDG_CONFIG_HOME=" + (dir_ / "cli").string()}, "",
        kCommandTimeout);
  }

  void Reload() {
    ASSERT_GT(ServerPid(), 0);
    ::kill(ServerPid(), SIGHUP);  // our own child
  }
};

TEST_F(TlsLiveTest, SelfSignedCertificatePinnedAtEnrollmentCarriesTheAgentConnection) {
  UseTls(SelfSignedCert(), SelfSignedCert());
  ASSERT_NO_FATAL_FAILURE(StartServer({"--tls-self-signed"}));
  const std::string fingerprint = Fingerprint(SelfSignedCert());
  EXPECT_NE(ReadText(dir_ / "server.log").find(fingerprint), std::string::npos)
      << "the server logs its fingerprint at start\n"
      << Logs();

  // Over TLS: HSTS on every response and the session cookie `Secure`.
  std::string password = ReadText(dir_ / "admin-password");
  password.erase(password.find_last_not_of('\n') + 1);
  const auto login =
      RunProcess("/usr/bin/curl",
                 {"-sS", "-D", "-", "-o", "/dev/null", "--cacert", SelfSignedCert().string(), "-H",
                  "Content-Type: application/json", "--data-binary",
                  "{\"username\":\"admin\",\"password\":\"" + password + "\"}", url() + "/api/v1/auth/login"},
                 {"PATH=/usr/bin:/bin"}, "", kCommandTimeout);
  EXPECT_NE(login.out.find("HTTP/1.1 200"), std::string::npos) << login.out << login.err;
  EXPECT_NE(login.out.find("Strict-Transport-Security: max-age="), std::string::npos) << login.out;
  const auto cookie = login.out.find("Set-Cookie: ");
  ASSERT_NE(cookie, std::string::npos) << login.out;
  EXPECT_NE(login.out.substr(cookie, login.out.find('\n', cookie) - cookie).find("; Secure"),
            std::string::npos)
      << login.out;

  LoopAgent* agent = EnrollAgent("pinned");
  ASSERT_NE(agent, nullptr) << Logs();
  EXPECT_EQ(Str(AgentJson(*agent), "tls_fingerprint"), fingerprint);
  ASSERT_NO_FATAL_FAILURE(StartAgent(*agent, {}));
  ASSERT_TRUE(WaitConnected(*agent)) << Logs();

  // Reused, not replaced, on the next start.
  KillServer();
  ASSERT_NO_FATAL_FAILURE(StartServer({"--tls-self-signed"}));
  EXPECT_EQ(Fingerprint(SelfSignedCert()), fingerprint);
  ASSERT_TRUE(WaitUntil([&] { return ConnectCount(*agent) >= 2; })) << Logs();
  ASSERT_TRUE(WaitConnected(*agent)) << Logs();
}

TEST_F(TlsLiveTest, WrongOrChangedFingerprintIsRefusedNamingBoth) {
  UseTls(SelfSignedCert(), SelfSignedCert());
  ASSERT_NO_FATAL_FAILURE(StartServer({"--tls-self-signed"}));
  const std::string real = Fingerprint(SelfSignedCert());
  const std::string wrong = "sha256:" + std::string(64, '0');

  const std::string token = NewEnrollmentToken("careful");
  ASSERT_FALSE(token.empty());
  auto refused = EnrollWith(token, dir_ / "agent-wrong", {"--fingerprint", wrong});
  EXPECT_NE(refused.code, 0);
  EXPECT_NE(refused.err.find(real), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find(wrong), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(dir_ / "agent-wrong" / "agent.json"));

  // No pin and no CA that knows it: refused, saying how to go on.
  auto untrusted = EnrollWith(token, dir_ / "agent-untrusted", {});
  EXPECT_NE(untrusted.code, 0);
  EXPECT_NE(untrusted.err.find(real), std::string::npos) << untrusted.err;
  EXPECT_NE(untrusted.err.find("--trust-on-first-use"), std::string::npos) << untrusted.err;

  // Trust on first use pins what it saw and says so (the token was not spent above).
  auto tofu = EnrollWith(token, dir_ / "agent-tofu", {"--trust-on-first-use"});
  ASSERT_EQ(tofu.code, 0) << tofu.out << tofu.err;
  EXPECT_NE(tofu.out.find(real), std::string::npos) << tofu.out;

  // The CLI: the right pin works without any CA, a wrong one is refused naming both.
  auto listed = CliWith({"--fingerprint", real}, {"host", "list"});
  EXPECT_EQ(listed.code, 0) << listed.out << listed.err;
  auto cli_refused = CliWith({"--fingerprint", wrong}, {"host", "list"});
  EXPECT_NE(cli_refused.code, 0);
  EXPECT_NE(cli_refused.err.find(real), std::string::npos) << cli_refused.err;
  EXPECT_NE(cli_refused.err.find(wrong), std::string::npos) << cli_refused.err;

  // A pinned, running agent whose server comes back with another certificate
  // refuses it, naming both, and never connects.
  LoopAgent* agent = EnrollAgent("steady");
  ASSERT_NE(agent, nullptr);
  ASSERT_NO_FATAL_FAILURE(StartAgent(*agent, {}));
  ASSERT_TRUE(WaitConnected(*agent)) << Logs();
  const std::size_t connects = ConnectCount(*agent);
  KillServer();
  fs::remove(SelfSignedCert());
  fs::remove(SelfSignedKey());
  ASSERT_NO_FATAL_FAILURE(StartServer({"--tls-self-signed"}));
  const std::string replaced = Fingerprint(SelfSignedCert());
  ASSERT_NE(replaced, real);
  ASSERT_TRUE(WaitUntil(
      [&] {
        const auto log = ReadText(agent->log);
        return log.find(replaced) != std::string::npos && log.find(real) != std::string::npos;
      },
      seconds(60)))
      << Logs();
  // Never connected again (the agent's own record: after a SIGKILL the server's
  // `connected` flag of a host that does not come back stays as the killed run left it).
  EXPECT_EQ(ConnectCount(*agent), connects) << Logs();
  EXPECT_NE(ReadText(agent->log).find("error"), std::string::npos) << "the refusal is logged as an error";
}

TEST_F(TlsLiveTest, ExpiredAndWrongNameOperatorCertificatesAreRefusedByAgentAndCli) {
  const auto ca = MakeCa(dir_, "test-ca");
  ASSERT_FALSE(ca.cert.empty());
  const auto good = MakeLeaf(dir_, "good", ca, {"127.0.0.1", "localhost"}, seconds(-3600), hours(24));
  const auto expired = MakeLeaf(dir_, "expired", ca, {"127.0.0.1"}, -hours(48), -hours(24));
  const auto other = MakeLeaf(dir_, "other", ca, {"backup.other.example"}, seconds(-3600), hours(24));
  ASSERT_FALSE(good.cert.empty() || expired.cert.empty() || other.cert.empty());
  const CertificateFiles serving{dir_ / "serving.crt", dir_ / "serving.key"};
  CopyOver(good.cert, serving.cert);
  CopyOver(good.key, serving.key);

  UseTls(ca.cert, "");  // no pin: the CAs decide
  agent_env_extra_ = {"SSL_CERT_FILE=" + ca.cert.string()};
  ASSERT_NO_FATAL_FAILURE(
      StartServer({"--tls-cert", serving.cert.string(), "--tls-key", serving.key.string()}));
  const std::string token = NewEnrollmentToken("operator-ca");
  ASSERT_FALSE(token.empty());

  struct Case {
    const char* name;
    CertificateFiles files;
    const char* agent_says;
  };
  for (const Case& bad : {Case{"expired", expired, "expired"}, Case{"wrong name", other, "mismatch"}}) {
    SCOPED_TRACE(bad.name);
    CopyOver(bad.files.cert, serving.cert);
    CopyOver(bad.files.key, serving.key);
    ASSERT_NO_FATAL_FAILURE(Reload());
    const std::string presented = Fingerprint(bad.files.cert);
    ASSERT_TRUE(WaitUntil([&] { return ReadText(dir_ / "server.log").find(presented) != std::string::npos; },
                          seconds(30)))
        << Logs();
    auto agent = EnrollWith(token, dir_ / (std::string("agent-") + bad.name), {});
    EXPECT_NE(agent.code, 0);
    EXPECT_NE(agent.err.find(bad.agent_says), std::string::npos) << agent.err;
    EXPECT_NE(agent.err.find(presented), std::string::npos) << agent.err;
    auto cli = CliWith({"--cacert", ca.cert.string()}, {"host", "list"});
    EXPECT_NE(cli.code, 0) << cli.out;
    EXPECT_NE(cli.err.find("certificate"), std::string::npos) << cli.err;
  }

  // The same flow with a good certificate passes: the refusals above were the certificates'.
  CopyOver(good.cert, serving.cert);
  CopyOver(good.key, serving.key);
  ASSERT_NO_FATAL_FAILURE(Reload());
  ASSERT_TRUE(WaitUntil(
      [&] {
        return CliWith({"--cacert", ca.cert.string()}, {"host", "list"}).code == 0;
      },
      seconds(30)))
      << Logs();
  auto enrolled = EnrollWith(token, dir_ / "agent-good", {});
  EXPECT_EQ(enrolled.code, 0) << enrolled.out << enrolled.err;
}

TEST_F(TlsLiveTest, RotationAnnouncedToAConnectedAgentNeverStrandsIt) {
  const auto ca = MakeCa(dir_, "test-ca");
  const auto first = MakeLeaf(dir_, "first", ca, {"127.0.0.1"}, seconds(-3600), hours(24));
  const auto second = MakeLeaf(dir_, "second", ca, {"127.0.0.1"}, seconds(-3600), hours(24));
  ASSERT_FALSE(first.cert.empty() || second.cert.empty());
  const CertificateFiles serving{dir_ / "serving.crt", dir_ / "serving.key"};
  const fs::path next = dir_ / "next.crt";  // placed by the "operator" later
  CopyOver(first.cert, serving.cert);
  CopyOver(first.key, serving.key);
  const std::vector<std::string> flags{"--tls-cert",         serving.cert.string(), "--tls-key",
                                       serving.key.string(), "--tls-next-cert",     next.string()};

  UseTls(ca.cert, first.cert);  // the agent pins the first certificate
  ASSERT_NO_FATAL_FAILURE(StartServer(flags));
  LoopAgent* agent = EnrollAgent("rotating");
  ASSERT_NE(agent, nullptr);
  ASSERT_EQ(Str(AgentJson(*agent), "tls_fingerprint"), Fingerprint(first.cert));
  ASSERT_NO_FATAL_FAILURE(StartAgent(*agent, {}));
  ASSERT_TRUE(WaitConnected(*agent)) << Logs();
  const std::size_t connects = ConnectCount(*agent);

  // 1. The next certificate is placed and announced over the trusted connection.
  CopyOver(second.cert, next);
  ASSERT_NO_FATAL_FAILURE(Reload());
  ASSERT_TRUE(
      WaitUntil([&] { return Str(AgentJson(*agent), "tls_next_fingerprint") == Fingerprint(second.cert); },
                seconds(60)))
      << Logs();

  // 2. The switch: the connected agent keeps its connection.
  CopyOver(second.cert, serving.cert);
  CopyOver(second.key, serving.key);
  ASSERT_NO_FATAL_FAILURE(Reload());
  ASSERT_TRUE(WaitUntil(
      [&] {
        return ReadText(dir_ / "server.log")
                   .find("SIGHUP: serving certificate " + Fingerprint(second.cert)) != std::string::npos;
      },
      seconds(30)))
      << Logs();
  EXPECT_EQ(ConnectCount(*agent), connects) << "a reload dropped the agent\n" << Logs();
  EXPECT_TRUE(WaitConnected(*agent)) << Logs();

  // 3. Its next connection meets the new certificate and takes it as the pin.
  KillServer();
  ASSERT_NO_FATAL_FAILURE(StartServer(flags));
  ASSERT_TRUE(WaitUntil([&] { return ConnectCount(*agent) > connects; })) << Logs();
  ASSERT_TRUE(WaitConnected(*agent)) << Logs();
  const auto state = AgentJson(*agent);
  EXPECT_EQ(Str(state, "tls_fingerprint"), Fingerprint(second.cert)) << json::serialize(state);
  EXPECT_EQ(Str(state, "tls_next_fingerprint"), "") << json::serialize(state);
}

// The listen-address rule, before anything binds: contradictory flags stop the
// start; a non-loopback address without flags serves only TLS.
TEST_F(TlsLiveTest, NonLoopbackListenServesOnlyTlsWithoutInsecureHttp) {
  const std::uint16_t port = FreePort();
  ASSERT_NE(port, 0);
  const std::string listen = "0.0.0.0:" + std::to_string(port);
  const std::vector<std::string> env{"PATH=/usr/bin:/bin", "HOME=" + dir_.string()};

  auto refused = RunProcess(
      RMGR_SERVER_EXE,
      {"--listen", listen, "--data-dir", (dir_ / "refused").string(), "--insecure-http", "--tls-self-signed"},
      env, "", kCommandTimeout);
  EXPECT_EQ(refused.code, 2);
  EXPECT_NE(refused.err.find("--insecure-http"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(dir_ / "refused")) << "it stopped before touching anything";

  BackgroundProcess server(RMGR_SERVER_EXE,
                           {"--listen", listen, "--data-dir", (dir_ / "data").string(),
                            "--admin-password-file", (dir_ / "admin-password").string()},
                           env, dir_ / "server.log");
  ASSERT_GT(server.pid(), 0);
  const std::string local = "127.0.0.1:" + std::to_string(port);
  ApiClient tls_client("https://" + local, SelfSignedCert().string());
  ASSERT_TRUE(WaitUntil(
      [&] { return !server.Running() || tls_client.Raw("GET", "/healthz", std::nullopt).status == 200; },
      seconds(60)))
      << ReadText(dir_ / "server.log");
  ASSERT_TRUE(server.Running());
  ApiClient plain_client("http://" + local);
  EXPECT_NE(plain_client.Raw("GET", "/healthz", std::nullopt).status, 200)
      << "plain HTTP answered on " << listen;
  EXPECT_EQ(server.Stop(seconds(30)), 0);
}

// What crosses the socket between agent and server (enrollment, the
// WebSocket, a backup's command.run with the repository password, and the
// API calls that registered it) through a relay on 127.0.0.1.
class TlsWireTest : public TlsLiveTest {
 protected:
  struct Secrets {
    std::string host_token;
    std::string repository_password;
    std::string wire;
  };

  Secrets RunBackupThroughRelay(bool tls, const std::vector<std::string>& server_flags) {
    Secrets out;
    relay_ = std::make_unique<TcpRelay>(port());
    EXPECT_NE(relay_->port(), 0);
    if (tls) UseTls(SelfSignedCert(), SelfSignedCert());
    UseUrlPort(relay_->port());
    StartServer(server_flags);
    if (HasFatalFailure()) return out;
    LoopAgent* agent = EnrollAgent("wire");
    if (agent == nullptr) return out;
    StartAgent(*agent, {});
    EXPECT_TRUE(WaitConnected(*agent)) << Logs();
    out.repository_password = "wire-secret-" + std::to_string(::getpid()) + "-repository-password";
    const auto repo_id = CreateRepository("wire", dir_ / "repo", out.repository_password);
    const auto group_id = CreateGroup(agent->host_id, "src", {SmallTree("src").string()});
    json::object base{{"host_id", agent->host_id}, {"repository_id", repo_id}};
    json::object init = base;
    init["kind"] = "init";
    EXPECT_EQ(Str(RunToEnd(init), "status"), "succeeded") << Logs();
    json::object backup = base;
    backup["kind"] = "backup";
    backup["source_group_id"] = group_id;
    EXPECT_EQ(Str(RunToEnd(backup), "status"), "succeeded") << Logs();
    out.host_token = Str(AgentJson(*agent), "host_token");
    out.wire = relay_->Recorded();
    return out;
  }

  void TearDown() override {
    LoopTest::TearDown();  // processes first, then the relay they talk through
    relay_.reset();
  }

  std::unique_ptr<TcpRelay> relay_;
};

TEST_F(TlsWireTest, NoRepositoryPasswordOrHostTokenCrossesTheSocketInClear) {
  const auto seen = RunBackupThroughRelay(true, {"--tls-self-signed"});
  ASSERT_FALSE(seen.host_token.empty());
  ASSERT_GT(seen.wire.size(), 10000u) << "the relay carried the whole exchange";
  EXPECT_EQ(seen.wire.find(seen.host_token), std::string::npos) << "host token in clear";
  EXPECT_EQ(seen.wire.find(seen.repository_password), std::string::npos) << "repository password in clear";
  EXPECT_EQ(seen.wire.find("command.run"), std::string::npos) << "frames in clear";
}

// The control: the same run over plain HTTP shows both secrets to the relay,
// so the assertions above can fail.
TEST_F(TlsWireTest, PlainHttpOnLoopbackShowsThemWhichIsWhyTlsExists) {
  const auto seen = RunBackupThroughRelay(false, {});
  ASSERT_FALSE(seen.host_token.empty());
  EXPECT_NE(seen.wire.find(seen.host_token), std::string::npos);
  EXPECT_NE(seen.wire.find(seen.repository_password), std::string::npos);
}

}  // namespace
}  // namespace rmgr::testing

#include "tests/loop/loop_fixture.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "common/testing/restic.h"
#include "common/tls/fingerprint.h"

namespace rmgr::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr const char* kAdminPassword = "loop-test-admin-password";
const std::string& kResticExe = test_support::ResticBinary();
constexpr std::chrono::seconds kCommandTimeout{120};
// What a big backup is slowed to, and how much it reads: ~20 s at 2 MiB/s.
constexpr int kUploadLimitKiB = 2048;
constexpr std::size_t kBigFileBytes = std::size_t{40} << 20;
// Log tails printed on failure (ASan builds log a lot).
constexpr std::size_t kLogTailBytes = 64 * 1024;

void WriteText(const fs::path& path, const std::string& text,
               fs::perms perms = fs::perms::owner_read | fs::perms::owner_write) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  fs::permissions(path, perms);
}

std::string Tail(const std::string& text) {
  if (text.size() <= kLogTailBytes) return text;
  return "[... " + std::to_string(text.size() - kLogTailBytes) + " bytes left out ...]\n" +
         text.substr(text.size() - kLogTailBytes);
}

// `flags` with `--name value` appended unless the caller gave `--name` already.
void WithDefault(std::vector<std::string>& flags, const std::string& name, const std::string& value) {
  if (std::find(flags.begin(), flags.end(), name) == flags.end()) {
    flags.push_back(name);
    flags.push_back(value);
  }
}

// The items of every page of a list endpoint, following next_cursor.
std::string ReadAllPages(const ApiClient& api, const std::string& path, json::array& out) {
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    const std::string sep = path.find('?') == std::string::npos ? "?" : "&";
    const auto answer = api.Get(path + sep + "limit=500" + (cursor.empty() ? "" : "&cursor=" + cursor));
    if (answer.status != 200 || !answer.json.is_object()) return answer.Describe();
    for (const auto& item : answer.json.at("items").as_array()) out.push_back(item);
    const auto& next = answer.json.at("next_cursor");
    if (!next.is_string()) return "";
    cursor = std::string(next.as_string());
  }
  return "too many pages at " + path;
}

}  // namespace

std::string Str(const json::value& object, const char* key) {
  if (!object.is_object()) return "";
  const auto* value = object.as_object().if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->as_string()) : std::string();
}

std::int64_t TimeMs(const json::value& object, const char* key) {
  const std::string text = Str(object, key);
  std::tm tm{};
  int millis = 0;
  char frac[8] = {};
  const int fields = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3[0-9]", &tm.tm_year, &tm.tm_mon,
                                 &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, frac);
  if (fields < 6) return -1;
  if (fields == 7) millis = std::atoi((std::string(frac) + "00").substr(0, 3).c_str());
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(::timegm(&tm)) * 1000 + millis;
}

std::int64_t Int(const json::value& object, const char* key) {
  if (!object.is_object()) return -1;
  const auto* value = object.as_object().if_contains(key);
  return value != nullptr && value->is_int64() ? value->as_int64() : -1;
}

bool IsFinal(const std::string& status) {
  return status != "queued" && status != "dispatched" && status != "running" && !status.empty();
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// ------------------------------------------------------------------ lifecycle

void LoopTest::SetUp() {
  std::string pattern = (fs::temp_directory_path() / "rmgr-loop-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  dir_ = pattern;
  port_ = FreePort();
  ASSERT_NE(port_, 0);
  api_ = ApiClient(url());
  WriteText(dir_ / "admin-password", std::string(kAdminPassword) + "\n");
}

void LoopTest::TearDown() {
  for (auto& agent : agents_) {
    if (!agent->process) continue;
    const int code = agent->process->Stop(std::chrono::seconds(60));
    EXPECT_EQ(code, 0) << "agent " << agent->name << " exit status after SIGTERM";
    agent->process.reset();
  }
  if (server_) {
    const int code = server_->Stop(std::chrono::seconds(30));
    EXPECT_EQ(code, 0) << "server exit status after SIGTERM";
    server_.reset();
  }
  if (HasFailure()) std::cout << Logs();
  BeforeCleanup();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string LoopTest::Logs() const {
  std::string out = "===== server.log =====\n" + Tail(ReadText(dir_ / "server.log"));
  for (const auto& agent : agents_) {
    out += "===== " + agent->log.filename().string() + " =====\n" + Tail(ReadText(agent->log));
  }
  return out;
}

// ------------------------------------------------------------------ server

std::string LoopTest::url() const {
  return std::string(tls_ ? "https" : "http") +
         "://127.0.0.1:" + std::to_string(url_port_ != 0 ? url_port_ : port_);
}

void LoopTest::UseTls(const fs::path& ca_file, const fs::path& pin_file) {
  tls_ = true;
  tls_ca_file_ = ca_file;
  tls_pin_file_ = pin_file;
  api_ = ApiClient(url(), ca_file.string());
}

void LoopTest::UseUrlPort(std::uint16_t port) {
  url_port_ = port;
  api_ = ApiClient(url(), tls_ca_file_.string());
}

std::vector<std::string> LoopTest::AgentEnv() const {
  std::vector<std::string> env{"PATH=/usr/bin:/bin", "HOME=" + dir_.string(), "TMPDIR=" + dir_.string()};
  env.insert(env.end(), agent_env_extra_.begin(), agent_env_extra_.end());
  return env;
}

void LoopTest::StartServer(const std::vector<std::string>& extra_flags) {
  ASSERT_FALSE(server_) << "the server already runs";
  std::vector<std::string> args{"--listen",
                                "127.0.0.1:" + std::to_string(port_),
                                "--data-dir",
                                (dir_ / "data").string(),
                                "--admin-password-file",
                                (dir_ / "admin-password").string()};
  args.insert(args.end(), extra_flags.begin(), extra_flags.end());
  server_ = std::make_unique<BackgroundProcess>(
      RMGR_SERVER_EXE, args, std::vector<std::string>{"PATH=/usr/bin:/bin", "HOME=" + dir_.string()},
      dir_ / "server.log");
  ASSERT_GT(server_->pid(), 0);
  // The server has no readiness signal a test could await: poll /healthz.
  const bool up = WaitUntil(
      [&] { return !server_->Running() || api_.Raw("GET", "/healthz", std::nullopt).status == 200; },
      std::chrono::seconds(60));
  ASSERT_TRUE(up && server_->Running()) << "the server did not come up\n" << Logs();
  if (api_.token().empty()) {
    const std::string failed = api_.Login("admin", kAdminPassword, "loop-test");
    ASSERT_EQ(failed, "") << Logs();
  }
}

pid_t LoopTest::ServerPid() const {
  return server_ ? server_->pid() : -1;
}

void LoopTest::KillServer() {
  ASSERT_TRUE(server_);
  ::kill(server_->pid(), SIGKILL);  // our own child
  const int code = server_->Stop(std::chrono::seconds(10));
  EXPECT_EQ(code, 128 + SIGKILL);
  server_.reset();
}

// ------------------------------------------------------------------ agents

std::string LoopTest::NewEnrollmentToken(const std::string& name) {
  const auto r = Cli({"enroll", "create", "--name", name});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  if (r.code != 0) return "";
  return r.out.substr(0, r.out.find('\n'));
}

ProcessResult LoopTest::AgentEnroll(const std::string& token, const fs::path& state_dir,
                                    const std::vector<std::string>& extra) {
  std::vector<std::string> args{"enroll",      "--server",        url(), "--token", token,
                                "--state-dir", state_dir.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  if (tls_ && !tls_pin_file_.empty()) {
    auto pin = tls::FingerprintOfPemFile(tls_pin_file_);
    EXPECT_TRUE(pin) << tls_pin_file_;
    if (pin) args.insert(args.end(), {"--fingerprint", *pin});
  }
  return RunProcess(RMGR_AGENT_EXE, args, AgentEnv(), "", kCommandTimeout);
}

LoopAgent* LoopTest::EnrollAgent(const std::string& name, std::string* token_out) {
  const std::string token = NewEnrollmentToken(name);
  if (token.empty()) return nullptr;
  if (token_out != nullptr) *token_out = token;
  return EnrollAgentWith(name, token);
}

LoopAgent* LoopTest::EnrollAgentWith(const std::string& name, const std::string& token,
                                     const std::vector<std::string>& extra) {
  auto agent = std::make_unique<LoopAgent>();
  agent->name = name;
  agent->state_dir = dir_ / ("agent-" + name);
  agent->log = dir_ / ("agent-" + name + ".log");
  const auto enrolled = AgentEnroll(token, agent->state_dir, extra);
  EXPECT_EQ(enrolled.code, 0) << enrolled.out << enrolled.err;
  if (enrolled.code != 0) return nullptr;
  boost::system::error_code ec;
  const json::value state = json::parse(ReadText(agent->state_dir / "agent.json"), ec);
  agent->host_id = Str(state, "host_id");
  agent->host_token = Str(state, "host_token");
  EXPECT_FALSE(agent->host_id.empty()) << "agent.json: " << ReadText(agent->state_dir / "agent.json");
  if (agent->host_id.empty()) return nullptr;
  agents_.push_back(std::move(agent));
  return agents_.back().get();
}

void LoopTest::StartAgent(LoopAgent& agent, const std::vector<std::string>& extra) {
  agent.run_flags = extra;
  RestartAgent(agent);
}

void LoopTest::RestartAgent(LoopAgent& agent) {
  ASSERT_FALSE(agent.process) << "agent " << agent.name << " already runs";
  std::vector<std::string> args{"run", "--state-dir", agent.state_dir.string()};
  args.insert(args.end(), agent.run_flags.begin(), agent.run_flags.end());
  WithDefault(args, "--restic", kResticExe);
  WithDefault(args, "--reconnect-max", "2");
  WithDefault(args, "--cancel-grace", "10");
  std::vector<std::string> env{"PATH=/usr/bin:/bin", "HOME=" + agent.state_dir.string(),
                               "TMPDIR=" + dir_.string()};
  env.insert(env.end(), agent_env_extra_.begin(), agent_env_extra_.end());
  agent.process = std::make_unique<BackgroundProcess>(RMGR_AGENT_EXE, args, env, agent.log);
  ASSERT_GT(agent.process->pid(), 0);
}

void LoopTest::KillAgent(LoopAgent& agent) {
  ASSERT_TRUE(agent.process);
  ::kill(agent.process->pid(), SIGKILL);  // our own child
  const int code = agent.process->Stop(std::chrono::seconds(10));
  EXPECT_EQ(code, 128 + SIGKILL);
  agent.process.reset();
}

bool LoopTest::WaitConnected(const LoopAgent& agent, bool connected) {
  return WaitUntil([&] {
    const auto host = api_.Get("/hosts/" + agent.host_id);
    return host.status == 200 && host.json.at("connected") == json::value(connected);
  });
}

std::size_t LoopTest::ConnectCount(const LoopAgent& agent) const {
  const std::string log = ReadText(agent.log);
  const std::string needle = "[agent] connected to ";
  std::size_t n = 0;
  for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + needle.size())) ++n;
  return n;
}

std::size_t LoopTest::OutboxSize(const LoopAgent& agent) const {
  std::size_t n = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(agent.state_dir / "outbox", ec)) {
    if (entry.is_regular_file() && entry.path().extension() != ".tmp") ++n;
  }
  return n;
}

// ------------------------------------------------------------------ CLI and restic

ProcessResult LoopTest::Cli(const std::vector<std::string>& args, const std::string& stdin_text) {
  std::vector<std::string> argv{"--server", url(), "--token", api_.token()};
  if (tls_) argv.insert(argv.end(), {"--cacert", tls_ca_file_.string()});
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(
      RMGR_CLI_EXE, argv,
      {"PATH=/usr/bin:/bin", "HOME=" + dir_.string(), "XDG_CONFIG_HOME=" + (dir_ / "cli").string()},
      stdin_text, kCommandTimeout);
}

ProcessResult LoopTest::Restic(const fs::path& repo, const std::string& password,
                               const std::vector<std::string>& args) {
  const fs::path password_file =
      dir_ / ("restic-password-" + std::to_string(std::hash<std::string>{}(password)));
  if (!fs::exists(password_file)) WriteText(password_file, password + "\n");
  std::vector<std::string> argv{"-r", repo.string(), "--password-file", password_file.string(), "--no-cache"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(kResticExe, argv,
                    {"PATH=/usr/bin:/bin", "HOME=" + dir_.string(), "TMPDIR=" + dir_.string()}, "",
                    kCommandTimeout);
}

json::array LoopTest::ResticSnapshots(const fs::path& repo, const std::string& password) {
  const auto r = Restic(repo, password, {"snapshots", "--json"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  boost::system::error_code ec;
  const json::value parsed = json::parse(r.out, ec);
  EXPECT_FALSE(ec) << "restic snapshots --json printed: " << r.out;
  return !ec && parsed.is_array() ? parsed.as_array() : json::array{};
}

void LoopTest::ResticInit(const fs::path& repo, const std::string& password) {
  const auto r = Restic(repo, password, {"init"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
}

fs::path LoopTest::ThrottledRestic() {
  const fs::path script = dir_ / "restic-throttled";
  if (!fs::exists(script)) {
    // exec keeps the pid, so the agent's SIGINT and parent-death signal reach restic itself.
    WriteText(script,
              "#!/bin/sh\nexec " + std::string(kResticExe) + " --limit-upload " +
                  std::to_string(kUploadLimitKiB) + " \"$@\"\n",
              fs::perms::owner_all);
  }
  return script;
}

fs::path LoopTest::BigTree() {
  const fs::path tree = dir_ / "big";
  const fs::path file = tree / "random.bin";
  if (fs::exists(file)) return tree;
  fs::create_directories(tree);
  // Random bytes: restic can neither deduplicate nor (0.14) compress them.
  std::ifstream random("/dev/urandom", std::ios::binary);
  std::ofstream out(file, std::ios::binary);
  std::vector<char> buffer(std::size_t{1} << 20);
  for (std::size_t written = 0; written < kBigFileBytes; written += buffer.size()) {
    random.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  }
  out.close();
  EXPECT_TRUE(random.good() && !out.fail()) << "cannot write " << file;
  return tree;
}

fs::path LoopTest::SmallTree(const std::string& name) {
  const fs::path tree = dir_ / name;
  WriteText(tree / "hello.txt", "hello from " + name + "\n");
  std::string lines;
  for (int i = 0; i < 2000; ++i) lines += name + " line " + std::to_string(i) + "\n";
  WriteText(tree / "nested" / "lines.txt", lines);
  return tree;
}

// ------------------------------------------------------------------ API resources

std::string LoopTest::CreateRepository(const std::string& name, const fs::path& path,
                                       const std::string& password) {
  const auto r = api_.Post("/repositories",
                           json::object{{"name", name}, {"url", path.string()}, {"password", password}});
  EXPECT_EQ(r.status, 201) << r.Describe();
  return Str(r.json, "id");
}

std::string LoopTest::CreateGroup(const std::string& host_id, const std::string& name,
                                  const std::vector<std::string>& paths) {
  json::array list;
  for (const auto& p : paths) list.emplace_back(p);
  const auto r =
      api_.Post("/source-groups", json::object{{"host_id", host_id}, {"name", name}, {"paths", list}});
  EXPECT_EQ(r.status, 201) << r.Describe();
  return Str(r.json, "id");
}

json::value LoopTest::CreateSchedule(json::object body) {
  if (!body.contains("kind")) body["kind"] = "backup";
  const auto r = api_.Post("/schedules", body);
  EXPECT_EQ(r.status, 201) << r.Describe();
  return r.status == 201 ? r.json : json::value(nullptr);
}

json::value LoopTest::RunJob(const json::object& body) {
  const auto r = api_.Post("/jobs", body);
  EXPECT_EQ(r.status, 201) << r.Describe();
  return r.status == 201 ? r.json : json::value(nullptr);
}

json::value LoopTest::GetJob(const std::string& id) {
  const auto r = api_.Get("/jobs/" + id);
  EXPECT_EQ(r.status, 200) << r.Describe();
  return r.status == 200 ? r.json : json::value(nullptr);
}

json::array LoopTest::HostJobs(const std::string& host_id) {
  json::array out;
  const std::string failed = ReadAllPages(api_, "/jobs?host_id=" + host_id, out);
  EXPECT_EQ(failed, "");
  return out;
}

json::array LoopTest::AuditFor(const std::string& target_id) {
  json::array out;
  const std::string failed = ReadAllPages(api_, "/audit?target_id=" + target_id, out);
  EXPECT_EQ(failed, "");
  return out;
}

json::array LoopTest::ServerSnapshots(const std::string& repository_id) {
  json::array out;
  const std::string failed = ReadAllPages(api_, "/repositories/" + repository_id + "/snapshots", out);
  EXPECT_EQ(failed, "");
  return out;
}

json::value LoopTest::WaitFinished(const std::string& job_id, std::chrono::seconds timeout) {
  json::value job;
  const bool done = WaitUntil(
      [&] {
        const auto r = api_.Get("/jobs/" + job_id);
        if (r.status == 200) job = r.json;
        return IsFinal(Str(job, "status"));
      },
      timeout);
  EXPECT_TRUE(done) << "job " << job_id << " did not finish within " << timeout.count()
                    << " s; last seen: " << json::serialize(job);
  return done ? job : json::value(nullptr);
}

json::value LoopTest::WaitRunning(const std::string& job_id, std::chrono::seconds timeout) {
  json::value job;
  const bool running = WaitUntil(
      [&] {
        const auto r = api_.Get("/jobs/" + job_id);
        if (r.status == 200) job = r.json;
        const std::string status = Str(job, "status");
        return status == "running" || IsFinal(status);
      },
      timeout);
  EXPECT_TRUE(running && Str(job, "status") == "running")
      << "job " << job_id << " was never seen running; last seen: " << json::serialize(job);
  return running && Str(job, "status") == "running" ? job : json::value(nullptr);
}

json::value LoopTest::RunToEnd(const json::object& body) {
  const json::value job = RunJob(body);
  if (job.is_null()) return job;
  return WaitFinished(Str(job, "id"));
}

bool LoopTest::WaitUntil(const std::function<bool()>& done, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    // Other processes change what is polled; there is no event to await across them.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace rmgr::testing

#pragma once
// LoopTest: the fixture of the closed-loop tests. Every test gets its own
// temp directory, its own restic-manager-server on a free 127.0.0.1 port
// (SQLite data dir, admin password file) and as many real
// restic-manager-agent processes as it enrolls, each with its own state dir;
// jobs run the real /usr/bin/restic against local repositories in the temp
// dir. Waiting is always "poll until the condition holds or a generous
// timeout passes"; nothing asserts on speed.
//
// On failure TearDown prints the server's and the agents' logs. Only
// processes started here are ever signalled, by pid.
// Thread safety: one test thread.

#include <gtest/gtest.h>
#include <sys/types.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tests/cli/child_process.h"
#include "tests/loop/api_client.h"

namespace rmgr::testing {

//! How long a condition may take before a wait gives up (never a speed assertion).
inline constexpr std::chrono::seconds kLongWait{120};

//! One enrolled agent: its state dir, log file, host and (when started) process.
struct LoopAgent {
  std::string name;                            ///< For file names and messages.
  std::filesystem::path state_dir;             ///< agent.json, outbox/, cache.
  std::filesystem::path log;                   ///< stdout and stderr of every run.
  std::string host_id;                         ///< The host it enrolled as.
  std::string host_token;                      ///< Its WebSocket bearer token (from agent.json).
  std::vector<std::string> run_flags;          ///< Extra flags of `run`, kept for restarts.
  std::unique_ptr<BackgroundProcess> process;  ///< The running agent, or null.
};

class LoopTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // --- the server -------------------------------------------------------------------
  //! Starts the server (same port and data dir every time) and waits for /healthz.
  //! On the first start it also logs in and makes the API token. Use with ASSERT_NO_FATAL_FAILURE.
  void StartServer(const std::vector<std::string>& extra_flags = {});
  //! SIGKILL to the server and reap it.
  void KillServer();
  //! The running server's pid, or -1.
  pid_t ServerPid() const;
  std::string url() const;
  const ApiClient& api() const { return api_; }
  std::uint16_t port() const { return port_; }

  // --- agents -----------------------------------------------------------------------
  //! A new enrollment token from the CLI (`enroll create --name`); empty on failure.
  std::string NewEnrollmentToken(const std::string& name);
  //! `restic-manager-agent enroll` into `state_dir`, with `extra` flags (e.g. --label k=v).
  ProcessResult AgentEnroll(const std::string& token, const std::filesystem::path& state_dir,
                            const std::vector<std::string>& extra = {});
  //! Enrolls a new agent (a new host); null (with a failure recorded) when that fails.
  //! `token_out` receives the (now used) enrollment token.
  LoopAgent* EnrollAgent(const std::string& name, std::string* token_out = nullptr);
  //! Enrolls a new agent with an existing (e.g. reusable) `token` and `extra` enroll flags;
  //! null (with a failure recorded) when that fails.
  LoopAgent* EnrollAgentWith(const std::string& name, const std::string& token,
                             const std::vector<std::string>& extra = {});
  //! Starts `agent run` with the default flags plus `extra` (kept for restarts).
  void StartAgent(LoopAgent& agent, const std::vector<std::string>& extra);
  //! Starts it again with the flags of the last start.
  void RestartAgent(LoopAgent& agent);
  //! SIGKILL to the agent and reap it.
  void KillAgent(LoopAgent& agent);
  //! Waits until the server shows the agent's host as connected (or not).
  bool WaitConnected(const LoopAgent& agent, bool connected = true);
  //! How many times the agent has logged a (re)connection so far, over all its runs.
  std::size_t ConnectCount(const LoopAgent& agent) const;
  //! The agent's outbox entries (files in <state>/outbox).
  std::size_t OutboxSize(const LoopAgent& agent) const;

  // --- the operator CLI -------------------------------------------------------------
  //! `restic-manager --server URL --token T args...`.
  ProcessResult Cli(const std::vector<std::string>& args, const std::string& stdin_text = "");

  // --- restic run by the test itself ---------------------------------------------------
  //! `/usr/bin/restic -r repo --password-file F --no-cache args...`.
  ProcessResult Restic(const std::filesystem::path& repo, const std::string& password,
                       const std::vector<std::string>& args);
  //! The repository's snapshots (`restic snapshots --json`); failures are recorded.
  boost::json::array ResticSnapshots(const std::filesystem::path& repo, const std::string& password);
  //! `restic init`; failures are recorded.
  void ResticInit(const std::filesystem::path& repo, const std::string& password);
  //! A restic wrapper that limits uploads, so a backup of BigTree() lasts long
  //! enough for the test to act while it runs (it execs the real restic).
  std::filesystem::path ThrottledRestic();
  //! A directory with one large file of random bytes (~20 s to back up with ThrottledRestic()).
  std::filesystem::path BigTree();
  //! A directory with a few small files.
  std::filesystem::path SmallTree(const std::string& name);

  // --- API resources ----------------------------------------------------------------------
  //! POST and return the created object's id ("" with a failure recorded).
  std::string CreateRepository(const std::string& name, const std::filesystem::path& path,
                               const std::string& password);
  std::string CreateGroup(const std::string& host_id, const std::string& name,
                          const std::vector<std::string>& paths);
  //! POST /schedules (kind "backup" unless `body` says otherwise); the created schedule (null on failure).
  boost::json::value CreateSchedule(boost::json::object body);
  //! POST /jobs; the queued job (null on failure).
  boost::json::value RunJob(const boost::json::object& body);
  //! GET /jobs/{id} (null on failure).
  boost::json::value GetJob(const std::string& id);
  //! Every job of the host, newest first.
  boost::json::array HostJobs(const std::string& host_id);
  //! Every audit entry for `target_id`, newest first.
  boost::json::array AuditFor(const std::string& target_id);
  //! The repository's snapshot index on the server.
  boost::json::array ServerSnapshots(const std::string& repository_id);
  //! Waits until the job is in a final state; returns it (null with a failure on timeout).
  boost::json::value WaitFinished(const std::string& job_id, std::chrono::seconds timeout = kLongWait);
  //! Waits until the job is `running` (with restic started); null with a failure on timeout.
  boost::json::value WaitRunning(const std::string& job_id, std::chrono::seconds timeout = kLongWait);
  //! Runs a job and waits for its end: the finished job.
  boost::json::value RunToEnd(const boost::json::object& body);

  //! Polls `done` every 200 ms until it holds or `timeout` passes.
  static bool WaitUntil(const std::function<bool()>& done, std::chrono::seconds timeout = kLongWait);

  //! Everything the server and agents logged so far (for failure messages).
  std::string Logs() const;

  // --- TLS (tests/tls) -------------------------------------------------------------------
  //! From now on url() is https: the API client and the CLI (--cacert) verify the
  //! server against `ca_file`, and agents enroll pinning `pin_file`'s certificate
  //! (--fingerprint, read at enrollment, so the server may create it at its start).
  //! An empty pin_file enrolls without a pin. Call before StartServer.
  void UseTls(const std::filesystem::path& ca_file, const std::filesystem::path& pin_file);
  //! url() names `port` instead of the server's (a relay in front of it). Call before StartServer.
  void UseUrlPort(std::uint16_t port);
  //! Environment of agent processes (enroll and run), e.g. SSL_CERT_FILE.
  std::vector<std::string> agent_env_extra_;

  //! Called by TearDown once every process is stopped, before the temp dir is
  //! removed: a subclass undoes what it set up inside it (e.g. a mount).
  virtual void BeforeCleanup() {}

  std::filesystem::path dir_;  ///< This test's temp dir, removed by TearDown.

 private:
  std::vector<std::string> AgentEnv() const;

  std::uint16_t port_ = 0;
  std::uint16_t url_port_ = 0;          // 0: port_
  std::filesystem::path tls_ca_file_;   // set by UseTls
  std::filesystem::path tls_pin_file_;  // set by UseTls
  bool tls_ = false;
  std::unique_ptr<BackgroundProcess> server_;
  ApiClient api_;
  std::vector<std::unique_ptr<LoopAgent>> agents_;
};

//! The string at `key` of a JSON object, "" when missing or not a string.
std::string Str(const boost::json::value& object, const char* key);
//! An RFC 3339 UTC time at `key` ("2026-01-02T03:04:05.678Z") as ms since the epoch; -1 when absent.
std::int64_t TimeMs(const boost::json::value& object, const char* key);
//! The integer at `key` (-1 when missing or not an integer).
std::int64_t Int(const boost::json::value& object, const char* key);
//! True for the final job states.
bool IsFinal(const std::string& status);
//! The whole file as text ("" when missing).
std::string ReadText(const std::filesystem::path& path);

}  // namespace rmgr::testing

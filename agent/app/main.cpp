// restic-manager-agent: runs on every backed-up host.
//   enroll  trades an enrollment token for this host's credentials
//   run     keeps the WebSocket to the server, fires schedules, runs restic
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "agent/app/agent_app.h"
#include "agent/connection/agent_state.h"
#include "agent/connection/enroll_client.h"
#include "agent/update/supervisor.h"
#include "common/labels/labels.h"
#include "common/tls/fingerprint.h"
#include "common/util/log.h"

namespace {

constexpr const char* kDefaultStateDir = "/var/lib/restic-manager-agent";

//! How enroll verifies an https server: --fingerprint pins, --trust-on-first-use pins what it sees.
struct EnrollTrust {
  std::string fingerprint;
  bool trust_on_first_use = false;
};

int Enroll(const std::string& server, const std::string& token, const std::string& state_dir,
           const EnrollTrust& wanted, const std::vector<std::string>& label_args) {
  rmgr::labels::Labels proposed;
  for (const auto& arg : label_args) {
    auto label = rmgr::labels::ParseLabel(arg);
    if (!label) {
      std::fprintf(stderr, "restic-manager-agent: --label: %s\n", label.error().message.c_str());
      return 2;
    }
    proposed[label->first] = label->second;
  }
  if (auto valid = rmgr::labels::Validate(proposed); !valid) {
    std::fprintf(stderr, "restic-manager-agent: --label: %s\n", valid.error().message.c_str());
    return 2;
  }
  auto info = rmgr::agent::LocalHostInfo();
  if (!info) {
    std::fprintf(stderr, "restic-manager-agent: %s\n", info.error().message.c_str());
    return 1;
  }
  rmgr::agent::EnrollRequest request{
      server, rmgr::schema::Secret(token), info->hostname, info->os, info->arch, "0.1.0", {}, proposed};
  if (!wanted.fingerprint.empty()) {
    auto pin = rmgr::tls::ParseFingerprint(wanted.fingerprint);
    if (!pin) {
      std::fprintf(stderr, "restic-manager-agent: --fingerprint: %s\n", pin.error().message.c_str());
      return 2;
    }
    request.trust.pins.push_back(*pin);
  } else {
    request.trust.trust_on_first_use = wanted.trust_on_first_use;
  }
  auto enrolled = rmgr::agent::Enroll(request);
  if (!enrolled) {
    std::fprintf(stderr, "restic-manager-agent: enrollment failed: %s\n", enrolled.error().message.c_str());
    return 1;
  }
  rmgr::agent::AgentState state{server, enrolled->host_id, enrolled->host_name, enrolled->host_token};
  const bool pinned = !enrolled->server_fingerprint.empty() &&
                      (!request.trust.pins.empty() || request.trust.trust_on_first_use);
  if (pinned) state.tls_fingerprint = enrolled->server_fingerprint;
  if (!enrolled->update_key.empty()) state.update_key = enrolled->update_key;
  if (auto saved = rmgr::agent::SaveAgentState(state_dir, state); !saved) {
    std::fprintf(stderr, "restic-manager-agent: %s\n", saved.error().message.c_str());
    return 1;
  }
  if (state.update_key) std::printf("pinned the server's update signing key %s\n", state.update_key->c_str());
  if (pinned && request.trust.trust_on_first_use) {
    std::printf(
        "trusted on first use and pinned the server's certificate %s\n"
        "compare it with the fingerprint the server logs at start\n",
        enrolled->server_fingerprint.c_str());
  } else if (pinned) {
    std::printf("pinned the server's certificate %s\n", enrolled->server_fingerprint.c_str());
  }
  std::printf(
      "enrolled as host %s (%s); credentials saved in %s/agent.json\n"
      "start the agent with: restic-manager-agent run --state-dir %s\n",
      enrolled->host_name.c_str(), enrolled->host_id.c_str(), state_dir.c_str(), state_dir.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"restic-manager-agent: runs restic on this host for a restic-manager server"};
  app.set_version_flag("--version", "restic-manager-agent 0.1.0");
  app.require_subcommand(1);

  std::string server, token, state_dir = kDefaultStateDir, log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, critical or off (default info)");

  auto* enroll = app.add_subcommand("enroll", "Exchange an enrollment token for this host's credentials");
  enroll->add_option("--server", server, "Server URL, e.g. https://backup.example:8080")->required();
  enroll->add_option("--token", token, "Enrollment token (restic-manager enroll create)")->required();
  enroll->add_option("--state-dir", state_dir, "Where the agent keeps its credentials, cache and outbox");
  EnrollTrust trust;
  enroll->add_option(
      "--fingerprint", trust.fingerprint,
      "Pin the server's certificate: sha256:<64 hex digits of its DER>, as the server logs and the "
      "web UI shows it");
  enroll->add_flag("--trust-on-first-use", trust.trust_on_first_use,
                   "Without --fingerprint: accept the certificate the server presents now and pin it");
  std::vector<std::string> enroll_labels;
  enroll->add_option("--label", enroll_labels,
                     "A label key=value for this host (repeatable); the enrollment token's labels win on a "
                     "shared key");

  rmgr::agent::AgentOptions options;
  int64_t shutdown_grace = 30, cancel_grace = 30, reconnect_max = 60;
  bool refuse_hooks = false;
  std::string hooks = "allow", restore_root;
  std::vector<std::string> hook_allow;
  auto* run = app.add_subcommand("run", "Connect to the server and run scheduled jobs");
  run->add_option("--state-dir", state_dir, "Where the agent keeps its credentials, cache and outbox");
  run->add_option("--restic", options.restic_binary, "restic binary to run (default: restic from PATH)");
  run->add_option("--hooks", hooks,
                  "What to do with pre/post hooks: allow, refuse (jobs with hooks fail), or allowlist "
                  "(only programs named by --hook-allow; default allow)")
      ->check(CLI::IsMember({"allow", "refuse", "allowlist"}));
  run->add_option("--hook-allow", hook_allow,
                  "A hook program (absolute path) the allowlist policy runs; repeatable")
      ->check([](const std::string& path) {
        return !path.empty() && path.front() == '/' ? std::string() : std::string("must be an absolute path");
      });
  run->add_flag("--refuse-hooks", refuse_hooks, "Same as --hooks refuse");
  run->add_option("--restore-root", restore_root,
                  "Directory restores may write into without the host's further consent "
                  "(default <state-dir>/restore)");
  run->add_flag(
      "--allow-restore-anywhere", options.policy.restore_anywhere,
      "Consent to restores outside the restore root, in place included (the server also requires an admin)");
  run->add_option("--shutdown-grace", shutdown_grace,
                  "Seconds a running job may finish after SIGTERM before it is interrupted (default 30)")
      ->check(CLI::Range(0, 86400));
  run->add_option("--cancel-grace", cancel_grace,
                  "Seconds between SIGINT and SIGKILL when a job is cancelled (default 30)")
      ->check(CLI::Range(1, 3600));
  int64_t update_deadline = 120;
  run->add_option("--update-deadline", update_deadline,
                  "Seconds a newly installed agent version has to reach the server before it is rolled back "
                  "(default 120)")
      ->check(CLI::Range(5, 3600));
  run->add_option("--reconnect-max", reconnect_max,
                  "Longest wait between reconnect attempts, seconds (default 60)")
      ->check(CLI::Range(1, 3600));

  CLI11_PARSE(app, argc, argv);
  rmgr::SetLogLevel(log_level);

  if (enroll->parsed()) return Enroll(server, token, state_dir, trust, enroll_labels);

  options.state_dir = state_dir;
  // Once an update is installed, this process only supervises the agent (agent/update/supervisor.h).
  if (rmgr::agent::update::ShouldSupervise(state_dir)) {
    std::error_code ec;
    rmgr::agent::update::SupervisorOptions supervisor;
    supervisor.state_dir = state_dir;
    supervisor.self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) supervisor.self = argv[0];
    supervisor.args.assign(argv + 1, argv + argc);
    supervisor.health_deadline = std::chrono::seconds(update_deadline);
    return rmgr::agent::update::RunSupervisor(supervisor);
  }
  rmgr::protocol::FromString(refuse_hooks ? std::string("refuse") : hooks, options.policy.hooks);
  options.policy.hook_allow = hook_allow;
  options.policy.restore_root = restore_root;
  if (options.policy.hooks == rmgr::protocol::HookPolicy::kAllowlist && hook_allow.empty()) {
    std::fprintf(stderr, "restic-manager-agent: --hooks allowlist needs at least one --hook-allow PATH\n");
    return 2;
  }
  options.shutdown_grace = std::chrono::seconds(shutdown_grace);
  options.cancel_grace = std::chrono::seconds(cancel_grace);
  options.reconnect_max = std::chrono::seconds(reconnect_max);
  int code = 0;
  {
    // Scoped: the agent is gone (threads joined, files closed) before an exec below.
    rmgr::agent::AgentApp agent(options);
    if (auto ready = agent.Init(); !ready) {
      std::fprintf(stderr, "restic-manager-agent: %s\n", ready.error().message.c_str());
      return 1;
    }
    code = agent.Run();
  }
  if (code != rmgr::agent::kExitUpdate || std::getenv("RMGR_AGENT_SUPERVISED") != nullptr) return code;
  // The first update of an unsupervised agent: become the supervisor (same pid for systemd),
  // which tries the installed version and rolls it back if it does not come up.
  ::execv("/proc/self/exe", argv);
  std::fprintf(stderr, "restic-manager-agent: cannot restart into the update: %s\n", std::strerror(errno));
  return 1;
}

// restic-manager-agent: runs on every backed-up host. Enrollment and the
// WebSocket loop come with the closed-loop work; see the README status table.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  CLI::App app{"restic-manager-agent: runs restic on this host for a restic-manager server"};
  app.set_version_flag("--version", "restic-manager-agent 0.1.0");
  app.require_subcommand(1);

  std::string server, token, state_dir = "/var/lib/restic-manager-agent";
  auto* enroll = app.add_subcommand("enroll", "Exchange a one-time enrollment token for this host's credentials");
  enroll->add_option("--server", server, "Server URL, e.g. http://127.0.0.1:8080")->required();
  enroll->add_option("--token", token, "One-time enrollment token")->required();
  enroll->add_option("--state-dir", state_dir, "Where the agent keeps its credentials, cache and outbox");

  auto* run = app.add_subcommand("run", "Connect to the server and run scheduled jobs");
  run->add_option("--state-dir", state_dir, "Where the agent keeps its credentials, cache and outbox");

  CLI11_PARSE(app, argc, argv);
  std::fprintf(stderr, "restic-manager-agent: '%s' is not built yet (see the README status table)\n",
               app.get_subcommands().front()->get_name().c_str());
  return 1;
}

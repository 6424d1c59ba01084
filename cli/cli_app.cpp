#include "cli/cli_app.h"

#include <CLI/CLI.hpp>
#include <array>
#include <exception>
#include <iostream>
#include <optional>
#include <ostream>
#include <thread>

#include "cli/api_client.h"
#include "cli/audit_command.h"
#include "cli/cli_config.h"
#include "cli/cron_command.h"
#include "cli/enroll_command.h"
#include "cli/group_command.h"
#include "cli/host_command.h"
#include "cli/job_command.h"
#include "cli/login_command.h"
#include "cli/repo_command.h"
#include "cli/rollout_command.h"
#include "cli/schedule_command.h"
#include "cli/secret_prompt.h"
#include "cli/snapshot_command.h"
#include "cli/token_command.h"
#include "cli/user_command.h"

namespace rmgr::cli {
namespace {

// Flags every command accepts, before or after the command words.
struct GlobalFlags {
  std::optional<std::string> server;
  std::optional<std::string> token;
  std::optional<std::string> config_file;
  std::string ca_file;
  std::string fingerprint;
  bool json = false;
  bool verbose = false;
};

void AddGlobalFlags(CLI::App& app, GlobalFlags& flags) {
  app.add_option("--server", flags.server, "Server URL (else RESTIC_MANAGER_URL, else the config file)");
  app.add_option("--token", flags.token,
                 "API token (else RESTIC_MANAGER_TOKEN, else the config file written by `login`)");
  app.add_option("--config", flags.config_file,
                 "Config file (default $XDG_CONFIG_HOME/restic-manager/cli.toml)");
  app.add_option("--cacert", flags.ca_file, "PEM file with the CA certificates to verify the server with");
  app.add_option(
      "--fingerprint", flags.fingerprint,
      "Pin the server's certificate instead: sha256:<64 hex digits of its DER>, as the server logs it "
      "(else the one `login` saved for this server)");
  app.add_flag("--json", flags.json, "Print the API's JSON instead of tables");
  app.add_flag("-v,--verbose", flags.verbose,
               "Log each request and response status to stderr (never credentials)");
}

// Where the config file is, or nullopt when there is no home to put it in.
std::optional<std::filesystem::path> ConfigPath(const GlobalFlags& flags, const EnvLookup& env) {
  if (flags.config_file) return std::filesystem::path(*flags.config_file);
  return DefaultConfigPath(env);
}

// Flags and environment first; the file is read only when they leave a gap
// (a token is only needed by API commands, not by login), so a broken file
// stops neither a fully specified command nor the login that rewrites it.
Result<Connection> ResolveFromAll(const GlobalFlags& flags, const EnvLookup& env,
                                  const std::optional<std::filesystem::path>& path, bool need_token) {
  Connection c = ResolveConnection(flags.server, flags.token, env, ConfigFile{});
  if ((!c.server.empty() && (!need_token || !c.token.empty())) || !path) return c;
  auto file = LoadConfigFile(*path);
  if (!file) return file.error();
  return ResolveConnection(flags.server, flags.token, env, *file);
}

int RunParsed(CliIo& io, const GlobalFlags& flags, const LoginCommand& login, ApiCommand* command) {
  const auto path = ConfigPath(flags, io.env);
  auto connection = ResolveFromAll(flags, io.env, path, !login.Selected());
  if (!connection) {
    io.err << "restic-manager: " << connection.error().message << '\n';
    return kExitUsage;
  }
  if (flags.verbose) {
    io.err << "* server " << connection->server << " (from " << ToString(connection->server_source)
           << "), token from " << ToString(connection->token_source) << '\n';
  }
  ApiClientOptions options;
  options.server_url = connection->server;
  options.token = connection->token;
  options.ca_file = flags.ca_file;
  options.fingerprint = flags.fingerprint.empty() ? connection->fingerprint : flags.fingerprint;
  options.verbose = flags.verbose ? &io.err : nullptr;

  if (login.Selected()) {
    if (!path) {
      io.err
          << "restic-manager: cannot place the config file: set HOME or XDG_CONFIG_HOME, or pass --config\n";
      return kExitUsage;
    }
    return login.Run(io, options, *path);
  }
  if (command == nullptr) return kExitUsage;
  if (options.server_url.empty()) {
    io.err << "restic-manager: no server: pass --server URL, set RESTIC_MANAGER_URL, or run "
              "`restic-manager login --server URL`\n";
    return kExitUsage;
  }
  if (options.token.empty()) {
    io.err << "restic-manager: no API token for " << options.server_url
           << ": pass --token, set RESTIC_MANAGER_TOKEN, or run `restic-manager login`\n";
    return kExitAuth;
  }
  auto client = ApiClient::Create(options);
  if (!client) {
    io.err << "restic-manager: " << client.error().OneLine() << '\n';
    return kExitUsage;
  }
  CommandEnv env(io, **client, flags.json);
  return command->Run(env);
}

}  // namespace

int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CliIo io{out, err, std::cin, StdinIsTerminal(), ProcessEnvironment(), [](std::chrono::milliseconds pause) {
             std::this_thread::sleep_for(pause);
           }};
  return RunCli(args, io);
}

int RunCli(const std::vector<std::string>& args, CliIo& io) {
  CLI::App app{"restic-manager: operator CLI for a restic-manager server", "restic-manager"};
  app.set_version_flag("--version", "restic-manager 0.1.0");
  app.require_subcommand(1);
  app.fallthrough();  // global flags may follow the command words
  GlobalFlags flags;
  AddGlobalFlags(app, flags);

  CronCommand cron(app);
  LoginCommand login(app);
  HostCommand host(app);
  EnrollCommand enroll(app);
  RepoCommand repo(app);
  GroupCommand group(app);
  ScheduleCommand schedule(app);
  JobCommand job(app);
  SnapshotCommand snapshot(app);
  AuditCommand audit(app);
  TokenCommand token(app);
  UserCommand user(app);
  RolloutCommand rollout(app);
  const std::array<ApiCommand*, 11> commands = {&host, &enroll,   &repo,  &group, &schedule, &job,
                                                &snapshot, &audit, &token, &user, &rollout};

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    io.out << app.help();
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    io.out << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::CallForVersion&) {
    io.out << app.version() << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    io.err << "restic-manager: " << e.what() << "\n";
    return kExitUsage;
  }
  try {
    if (cron.Selected()) return cron.Run(io.out, io.err);
    ApiCommand* selected = nullptr;
    for (ApiCommand* c : commands) {
      if (c->Selected()) selected = c;
    }
    return RunParsed(io, flags, login, selected);
  } catch (const std::exception& e) {
    // Commands report failures as return values; anything thrown is a bug.
    io.err << "restic-manager: internal error: " << e.what() << "\n";
    return kExitFailure;
  }
}

}  // namespace rmgr::cli

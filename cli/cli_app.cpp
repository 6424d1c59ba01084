#include "cli/cli_app.h"

#include <CLI/CLI.hpp>
#include <exception>
#include <ostream>

#include "cli/cron_command.h"

namespace rmgr::cli {

int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"restic-manager: operator CLI for a restic-manager server", "restic-manager"};
  app.set_version_flag("--version", "restic-manager 0.1.0");
  app.require_subcommand(1);
  CronCommand cron(app);

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::CallForVersion&) {
    out << app.version() << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    err << "restic-manager: " << e.what() << "\n";
    return kExitUsage;
  }
  try {
    if (cron.Selected()) return cron.Run(out, err);
  } catch (const std::exception& e) {
    // Commands report failures as return values; anything thrown is a bug.
    err << "restic-manager: internal error: " << e.what() << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace rmgr::cli

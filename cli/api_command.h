#pragma once
// ApiCommand: the seam every API command group (host, repo, job, ...)
// implements. A group is one CLI11 subcommand whose own subcommands are the
// verbs; RunCli parses, finds the selected group, builds the client and
// calls Run. Thread safety: one instance per RunCli call.

#include <string>

#include "cli/command_env.h"

namespace CLI {
class App;
}  // namespace CLI

namespace rmgr::cli {

//! Base of the API command groups.
class ApiCommand {
 public:
  virtual ~ApiCommand() = default;
  ApiCommand(const ApiCommand&) = delete;
  ApiCommand& operator=(const ApiCommand&) = delete;

  //! True when the parsed command line chose one of this group's verbs.
  bool Selected() const;

  //! Runs the chosen verb against the API; returns an ExitCode (cli_app.h).
  virtual int Run(CommandEnv& env) = 0;

 protected:
  //! Adds the group `name` under `root`; it requires one verb.
  ApiCommand(CLI::App& root, const std::string& name, const std::string& description);

  //! Adds a verb under the group.
  CLI::App* AddVerb(const std::string& name, const std::string& description);

 private:
  CLI::App* group_;
};

}  // namespace rmgr::cli

#pragma once
// `restic-manager repo add|edit|list|show`: restic repositories. The password is
// read from a terminal prompt or stdin, never from a flag, and is never shown
// again (the server keeps it sealed). add and edit also set how hosts share the
// repository: --max-concurrent-backups and --maintenance-window with
// --maintenance-minutes (server/scheduling/repository_leases.h).
// Thread safety: one instance per RunCli call.

#include <boost/json.hpp>
#include <optional>
#include <string>

#include "cli/api_command.h"

namespace rmgr::cli {

//! The `repo` command group.
class RepoCommand : public ApiCommand {
 public:
  //! Adds `repo` and its verbs under `root`; flags bind to this object.
  explicit RepoCommand(CLI::App& root);

  //! Runs the chosen verb.
  int Run(CommandEnv& env) override;

 private:
  //! Adds the sharing flags to `verb`.
  void AddSharingFlags(CLI::App* verb);
  //! The sharing fields given on the command line.
  boost::json::object SharingFields() const;

  CLI::App* add_;
  CLI::App* edit_;
  CLI::App* list_;
  CLI::App* show_;
  PageFlags paging_;
  std::string name_;
  std::string url_;
  bool password_stdin_ = false;
  std::string id_;
  std::optional<std::string> new_name_;
  std::optional<std::string> new_url_;
  std::optional<int> max_backups_;
  std::optional<std::string> window_;
  std::optional<int> window_minutes_;
};

}  // namespace rmgr::cli

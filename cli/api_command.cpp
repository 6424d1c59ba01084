#include "cli/api_command.h"

#include <CLI/CLI.hpp>

namespace rmgr::cli {

ApiCommand::ApiCommand(CLI::App& root, const std::string& name, const std::string& description)
    : group_(root.add_subcommand(name, description)) {
  group_->require_subcommand(1);
}

bool ApiCommand::Selected() const {
  return group_->parsed();
}

CLI::App* ApiCommand::AddVerb(const std::string& name, const std::string& description) {
  return group_->add_subcommand(name, description);
}

}  // namespace rmgr::cli

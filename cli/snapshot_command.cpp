#include "cli/snapshot_command.h"

#include <CLI/CLI.hpp>

#include "cli/cli_app.h"

namespace rmgr::cli {

SnapshotCommand::SnapshotCommand(CLI::App& root) : ApiCommand(root, "snapshot", "Snapshots in repositories") {
  list_ = AddVerb("list", "List a repository's snapshots from the server's index, newest first");
  list_->add_option("--repo", repository_id_, "Repository ID")->required();
  list_->add_option("--host", host_id_, "Only snapshots of this host ID");
  AddPageFlags(list_, paging_);
}

int SnapshotCommand::Run(CommandEnv& env) {
  if (list_->parsed()) {
    QueryParams query;
    AddQuery(query, "host_id", host_id_);
    return env.ShowList("/repositories/" + PathSegment(repository_id_) + "/snapshots", std::move(query),
                        paging_,
                        {Field("ID", "/short_id"), Field("TIME", "/time"), Field("HOSTNAME", "/hostname"),
                         Field("HOST", "/host_id"), Field("PATHS", "/paths"), Field("TAGS", "/tags")});
  }
  return kExitUsage;
}

}  // namespace rmgr::cli

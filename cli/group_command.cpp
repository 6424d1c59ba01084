#include "cli/group_command.h"

#include <CLI/CLI.hpp>

#include "cli/cli_app.h"

namespace rmgr::cli {
GroupCommand::GroupCommand(CLI::App& root)
    : ApiCommand(root, "group", "Source groups: what a host backs up") {
  add_ = AddVerb("add", "Add a source group to a host");
  add_->add_option("--host", host_id_, "Host ID")->required();
  add_->add_option("--name", name_, "Group name")->required();
  add_->add_option("--path", paths_, "Absolute path to back up (repeatable)")->required();
  add_->add_option("--exclude", excludes_, "restic exclude pattern (repeatable)");
  add_->add_option("--tag", tags_, "Snapshot tag (repeatable)");

  list_ = AddVerb("list", "List source groups");
  list_->add_option("--host", host_id_, "Only this host's groups");
  AddPageFlags(list_, paging_);

  show_ = AddVerb("show", "Show one source group");
  show_->add_option("id", id_, "Source group ID")->required();
}

int GroupCommand::Run(CommandEnv& env) {
  const std::vector<Column> detail = {Field("ID", "/id"),
                                      Field("Host", "/host_id"),
                                      Field("Name", "/name"),
                                      FieldLines("Paths", "/paths"),
                                      Field("Excludes", "/excludes"),
                                      Field("Tags", "/tags"),
                                      Field("Created", "/created_at"),
                                      Field("Updated", "/updated_at")};
  if (add_->parsed()) {
    const boost::json::object body{{"host_id", host_id_},
                                   {"name", name_},
                                   {"paths", JsonStrings(paths_)},
                                   {"excludes", JsonStrings(excludes_)},
                                   {"tags", JsonStrings(tags_)}};
    return env.ShowObject(env.api().Post("/source-groups", body), detail);
  }
  if (list_->parsed()) {
    QueryParams query;
    AddQuery(query, "host_id", host_id_);
    return env.ShowList("/source-groups", std::move(query), paging_,
                        {Field("ID", "/id"), Field("HOST", "/host_id"), Field("NAME", "/name"),
                         Field("PATHS", "/paths"), Field("EXCLUDES", "/excludes"), Field("TAGS", "/tags")});
  }
  if (show_->parsed()) return env.ShowObject(env.api().Get("/source-groups/" + PathSegment(id_)), detail);
  return kExitUsage;
}

}  // namespace rmgr::cli

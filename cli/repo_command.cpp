#include "cli/repo_command.h"

#include <CLI/CLI.hpp>

#include "cli/cli_app.h"

namespace rmgr::cli {

RepoCommand::RepoCommand(CLI::App& root) : ApiCommand(root, "repo", "restic repositories") {
  add_ = AddVerb("add", "Add a repository; its password is prompted for, or read from stdin");
  add_->add_option("--name", name_, "Repository name")->required();
  add_->add_option("--url", url_,
                   "restic repository URL, e.g. s3:https://s3.example.com/bucket or /srv/restic")
      ->required();
  add_->add_flag("--password-stdin", password_stdin_,
                 "Read the repository password from the first line of stdin");

  list_ = AddVerb("list", "List repositories");
  AddPageFlags(list_, paging_);

  show_ = AddVerb("show", "Show one repository");
  show_->add_option("id", id_, "Repository ID")->required();
}

int RepoCommand::Run(CommandEnv& env) {
  const std::vector<Column> detail = {Field("ID", "/id"),
                                      Field("Name", "/name"),
                                      Field("URL", "/url"),
                                      Field("Has password", "/has_password"),
                                      Field("Created", "/created_at"),
                                      Field("Updated", "/updated_at")};
  if (add_->parsed()) {
    auto password = env.ReadSecret(password_stdin_, "Repository password: ", "password");
    if (!password) return env.Usage(password.error().message);
    const boost::json::object body{{"name", name_}, {"url", url_}, {"password", *password}};
    return env.ShowObject(env.api().Post("/repositories", body), detail);
  }
  if (list_->parsed()) {
    return env.ShowList(
        "/repositories", {}, paging_,
        {Field("ID", "/id"), Field("NAME", "/name"), Field("URL", "/url"), Field("UPDATED", "/updated_at")});
  }
  if (show_->parsed()) return env.ShowObject(env.api().Get("/repositories/" + PathSegment(id_)), detail);
  return kExitUsage;
}

}  // namespace rmgr::cli

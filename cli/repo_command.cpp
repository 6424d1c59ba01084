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
  AddSharingFlags(add_);

  edit_ = AddVerb("edit", "Change a repository's name, URL or how hosts share it");
  edit_->add_option("id", id_, "Repository ID")->required();
  edit_->add_option("--name", new_name_, "New name");
  edit_->add_option("--url", new_url_, "New restic repository URL");
  AddSharingFlags(edit_);

  list_ = AddVerb("list", "List repositories");
  AddPageFlags(list_, paging_);

  show_ = AddVerb("show", "Show one repository");
  show_->add_option("id", id_, "Repository ID")->required();
}

void RepoCommand::AddSharingFlags(CLI::App* verb) {
  verb->add_option("--max-concurrent-backups", max_backups_,
                   "Backups into the repository that may run at once, all hosts together (0: unlimited)");
  verb->add_option(
      "--maintenance-window", window_,
      "Cron expression (UTC unless CRON_TZ=) opening the window in which forget, prune and check may "
      "start; \"\" for any time");
  verb->add_option("--maintenance-minutes", window_minutes_, "How long each maintenance window stays open");
}

boost::json::object RepoCommand::SharingFields() const {
  boost::json::object out;
  if (max_backups_) out["max_concurrent_backups"] = *max_backups_;
  if (window_) out["maintenance_cron"] = *window_;
  if (window_minutes_) out["maintenance_minutes"] = *window_minutes_;
  return out;
}

int RepoCommand::Run(CommandEnv& env) {
  const std::vector<Column> detail = {Field("ID", "/id"),
                                      Field("Name", "/name"),
                                      Field("URL", "/url"),
                                      Field("Has password", "/has_password"),
                                      Field("Max backups", "/max_concurrent_backups"),
                                      Field("Window", "/maintenance_cron"),
                                      Field("Window min", "/maintenance_minutes"),
                                      Field("Created", "/created_at"),
                                      Field("Updated", "/updated_at")};
  if (add_->parsed()) {
    auto password = env.ReadSecret(password_stdin_, "Repository password: ", "password");
    if (!password) return env.Usage(password.error().message);
    boost::json::object body{{"name", name_}, {"url", url_}, {"password", *password}};
    for (auto& [key, value] : SharingFields()) body[key] = value;
    return env.ShowObject(env.api().Post("/repositories", body), detail);
  }
  if (edit_->parsed()) {
    boost::json::object body = SharingFields();
    if (new_name_) body["name"] = *new_name_;
    if (new_url_) body["url"] = *new_url_;
    if (body.empty()) return env.Usage("nothing to change: give --name, --url or a sharing flag");
    return env.ShowObject(env.api().Patch("/repositories/" + PathSegment(id_), body), detail);
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

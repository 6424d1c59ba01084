#include "cli/user_command.h"

#include <CLI/CLI.hpp>

#include "cli/cli_app.h"

namespace rmgr::cli {
namespace {

const CLI::IsMember& RoleCheck() {
  static const CLI::IsMember check({"admin", "operator", "viewer"});
  return check;
}

}  // namespace

UserCommand::UserCommand(CLI::App& root) : ApiCommand(root, "user", "Operator accounts (admins only)") {
  list_ = AddVerb("list", "List users");
  AddPageFlags(list_, paging_);

  add_ = AddVerb("add", "Add a user; the password is prompted for, or read from stdin");
  add_->add_option("--username", username_, "Login name")->required();
  add_->add_option("--role", role_, "admin, operator or viewer")->required()->check(RoleCheck());
  add_->add_flag("--password-stdin", password_stdin_, "Read the password from the first line of stdin");

  set_role_ = AddVerb("set-role", "Change a user's role");
  set_role_->add_option("id", id_, "User ID")->required();
  set_role_->add_option("role", role_, "admin, operator or viewer")->required()->check(RoleCheck());
}

int UserCommand::Run(CommandEnv& env) {
  const std::vector<Column> columns = {Field("ID", "/id"), Field("USERNAME", "/username"),
                                       Field("ROLE", "/role"), Field("DISABLED", "/disabled"),
                                       Field("CREATED", "/created_at")};
  if (list_->parsed()) return env.ShowList("/users", {}, paging_, columns);
  if (add_->parsed()) {
    auto password = env.ReadSecret(password_stdin_, "Password for " + username_ + ": ", "password");
    if (!password) return env.Usage(password.error().message);
    return env.ShowObject(
        env.api().Post(
            "/users", boost::json::object{{"username", username_}, {"password", *password}, {"role", role_}}),
        columns);
  }
  if (set_role_->parsed()) {
    return env.Done(env.api().Patch("/users/" + PathSegment(id_), boost::json::object{{"role", role_}}),
                    "user " + id_ + " is now " + role_);
  }
  return kExitUsage;
}

}  // namespace rmgr::cli

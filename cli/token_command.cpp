#include "cli/token_command.h"

#include <CLI/CLI.hpp>

#include "cli/cli_app.h"

namespace rmgr::cli {

TokenCommand::TokenCommand(CLI::App& root) : ApiCommand(root, "token", "API tokens") {
  create_ = AddVerb("create",
                    "Create an API token for yourself and print it alone on stdout (shown only once);\n"
                    "--json prints {\"token\", \"id\", \"expires_at\"}");
  create_->add_option("--name", name_, "What the token is for")->required();
  create_->add_option("--expires-in", expires_in_seconds_, "Seconds until the token expires (default: never)")
      ->check(CLI::PositiveNumber);

  list_ = AddVerb("list", "List your API tokens (never their values)");
  list_->add_flag("--all-users", all_users_, "Everyone's tokens (admins only)");
  AddPageFlags(list_, paging_);

  revoke_ = AddVerb("revoke", "Revoke an API token");
  revoke_->add_option("id", id_, "Token ID")->required();
}

int TokenCommand::Run(CommandEnv& env) {
  if (create_->parsed()) {
    boost::json::object body{{"name", name_}};
    if (expires_in_seconds_) body["expires_in_seconds"] = *expires_in_seconds_;
    return env.ShowNewToken(env.api().Post("/tokens", body), {"token", "id", "expires_at"});
  }
  if (list_->parsed()) {
    QueryParams query;
    if (all_users_) query.emplace_back("all", "true");
    return env.ShowList("/tokens", std::move(query), paging_,
                        {Field("ID", "/id"), Field("NAME", "/name"), Field("USER", "/user_id"),
                         Field("CREATED", "/created_at"), Field("EXPIRES", "/expires_at"),
                         Field("LAST USED", "/last_used_at"), Field("REVOKED", "/revoked_at")});
  }
  if (revoke_->parsed())
    return env.Done(env.api().Delete("/tokens/" + PathSegment(id_)), "token " + id_ + " revoked");
  return kExitUsage;
}

}  // namespace rmgr::cli

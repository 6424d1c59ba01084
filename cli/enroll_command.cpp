#include "cli/enroll_command.h"

#include <CLI/CLI.hpp>

#include "cli/cli_app.h"

namespace rmgr::cli {
namespace {

constexpr int kMinTtl = 60;
constexpr int kMaxTtl = 2592000;  // 30 days, the API's bound

}  // namespace

EnrollCommand::EnrollCommand(CLI::App& root)
    : ApiCommand(root, "enroll", "Enrollment tokens for new agents") {
  create_ = AddVerb("create",
                    "Create an enrollment token and print it alone on stdout (it is shown only once);\n"
                    "--json prints {\"token\", \"expires_at\"}");
  create_->add_option("--name", name_, "What the token is for, e.g. the host's name")->required();
  create_->add_option("--host", host_id_, "Enroll into this pre-registered host ID");
  create_->add_option("--ttl", ttl_seconds_, "Seconds until the token expires (60-2592000; default 86400)")
      ->check(CLI::Range(kMinTtl, kMaxTtl));

  list_ = AddVerb("list", "List enrollment tokens and whether they are active, used, expired or revoked");
  AddPageFlags(list_, paging_);

  revoke_ = AddVerb("revoke", "Revoke an unused enrollment token");
  revoke_->add_option("id", id_, "Enrollment token ID")->required();
}

int EnrollCommand::Run(CommandEnv& env) {
  if (create_->parsed()) return RunCreate(env);
  if (list_->parsed()) {
    return env.ShowList(
        "/enrollment-tokens", {}, paging_,
        {Field("ID", "/id"), Field("NAME", "/name"), Field("HOST", "/host_id"), Field("STATUS", "/status"),
         Field("CREATED", "/created_at"), Field("EXPIRES", "/expires_at"), Field("USED", "/used_at")});
  }
  if (revoke_->parsed()) {
    return env.Done(env.api().Delete("/enrollment-tokens/" + PathSegment(id_)),
                    "enrollment token " + id_ + " revoked");
  }
  return kExitUsage;
}

int EnrollCommand::RunCreate(CommandEnv& env) const {
  boost::json::object body{{"name", name_}};
  if (!host_id_.empty()) body["host_id"] = host_id_;
  if (ttl_seconds_ > 0) body["ttl_seconds"] = ttl_seconds_;
  return env.ShowNewToken(env.api().Post("/enrollment-tokens", body), {"token", "expires_at"});
}

}  // namespace rmgr::cli

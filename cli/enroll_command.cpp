#include "cli/enroll_command.h"

#include <CLI/CLI.hpp>

#include "cli/cli_app.h"

namespace rmgr::cli {
namespace {

constexpr int kMinTtl = 60;
constexpr int kMaxTtl = 2592000;  // 30 days, the API's bound
constexpr int kMaxUses = 100000;  // the API's bound

// "2/3": uses taken of those allowed.
std::string UsesCell(const boost::json::object& token) {
  return CellText(token.if_contains("use_count")) + "/" + CellText(token.if_contains("max_uses"));
}

}  // namespace

EnrollCommand::EnrollCommand(CLI::App& root)
    : ApiCommand(root, "enroll", "Enrollment tokens for new agents") {
  create_ = AddVerb("create",
                    "Create an enrollment token and print it alone on stdout (it is shown only once);\n"
                    "--json prints {\"token\", \"id\", \"expires_at\", \"max_uses\", \"labels\"}");
  create_->add_option("--name", name_, "What the token is for, e.g. the host's name")->required();
  create_->add_option("--host", host_id_, "Enroll into this pre-registered host ID");
  create_->add_option("--ttl", ttl_seconds_, "Seconds until the token expires (60-2592000; default 86400)")
      ->check(CLI::Range(kMinTtl, kMaxTtl));
  create_
      ->add_option("--max-uses", max_uses_,
                   "How many agents may enroll with the token (1-100000; default 1, a one-time token)")
      ->check(CLI::Range(1, kMaxUses));
  create_->add_option("--label", labels_, "A label key=value for every host enrolled with it (repeatable)");

  list_ = AddVerb("list",
                  "List enrollment tokens and whether they are active, used, exhausted, expired or revoked");
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
         Column{"USES", UsesCell}, Column{"LABELS", LabelsCell}, Field("CREATED", "/created_at"),
         Field("EXPIRES", "/expires_at"), Field("LAST USED", "/last_used_at")});
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
  if (max_uses_ > 0) body["max_uses"] = max_uses_;
  if (!labels_.empty()) {
    auto labels = LabelsBody(labels_);
    if (!labels) return env.Usage(labels.error().message);
    body["labels"] = std::move(*labels);
  }
  return env.ShowNewToken(env.api().Post("/enrollment-tokens", body),
                          {"token", "id", "expires_at", "max_uses", "labels"});
}

}  // namespace rmgr::cli

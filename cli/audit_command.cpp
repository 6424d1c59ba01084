#include "cli/audit_command.h"

#include <CLI/CLI.hpp>

#include "cli/cli_app.h"

namespace rmgr::cli {
namespace {

// "kind:id", or just the kind when there is no id.
Column KindAndId(std::string header, const std::string& kind_key, const std::string& id_key) {
  return Column{std::move(header), [kind_key, id_key](const boost::json::object& o) {
                  const auto* id = o.if_contains(id_key);
                  const std::string kind = CellText(o.if_contains(kind_key));
                  return id == nullptr || id->is_null() ? kind : kind + ":" + CellText(id);
                }};
}

}  // namespace

AuditCommand::AuditCommand(CLI::App& root) : ApiCommand(root, "audit", "The audit log of every change") {
  list_ = AddVerb("list", "List audit entries, newest first");
  list_->add_option("--actor-kind", actor_kind_,
                    "Only entries by this kind of actor (user, api, schedule, ...)");
  list_->add_option("--actor-id", actor_id_, "Only entries by this actor ID");
  list_->add_option("--action", action_, "Only this action, e.g. schedule.update");
  list_->add_option("--target-kind", target_kind_, "Only entries about this kind of target, e.g. host");
  list_->add_option("--target-id", target_id_, "Only entries about this target ID");
  list_->add_option("--from", from_, "Only entries at or after this RFC 3339 time");
  list_->add_option("--to", to_, "Only entries before this RFC 3339 time");
  AddPageFlags(list_, paging_);
}

int AuditCommand::Run(CommandEnv& env) {
  if (!list_->parsed()) return kExitUsage;
  if (auto bad = BadTimeRange(from_, to_)) return env.Usage(*bad);
  QueryParams query;
  AddQuery(query, "actor_kind", actor_kind_);
  AddQuery(query, "actor_id", actor_id_);
  AddQuery(query, "action", action_);
  AddQuery(query, "target_kind", target_kind_);
  AddQuery(query, "target_id", target_id_);
  AddQuery(query, "from", from_);
  AddQuery(query, "to", to_);
  return env.ShowList("/audit", std::move(query), paging_,
                      {Field("AT", "/at"), KindAndId("ACTOR", "actor_kind", "actor_id"),
                       Field("ACTION", "/action"), KindAndId("TARGET", "target_kind", "target_id"),
                       Field("SOURCE", "/source_addr"), Field("DETAIL", "/detail")});
}

}  // namespace rmgr::cli

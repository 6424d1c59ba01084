#include "cli/rollout_command.h"

#include <CLI/CLI.hpp>

#include "cli/cli_app.h"

namespace rmgr::cli {
namespace {

// "wave 0: a=done b=rolled_back; wave 1: c=skipped": where every host is, in one cell;
// `errors` adds each host's error, e.g. "b=failed (rollback refused: ...)".
std::string HostsCell(const boost::json::object& rollout, bool errors) {
  const auto* hosts = rollout.if_contains("hosts");
  if (hosts == nullptr || !hosts->is_array()) return "";
  std::string out;
  int64_t wave = -1;
  for (const auto& host : hosts->get_array()) {
    if (!host.is_object()) continue;
    const auto& h = host.get_object();
    const int64_t this_wave = h.contains("wave") && h.at("wave").is_int64() ? h.at("wave").get_int64() : 0;
    if (this_wave != wave) {
      if (!out.empty()) out += "; ";
      out += "wave " + std::to_string(this_wave) + ":";
      wave = this_wave;
    }
    out += " " + CellText(FindPointer(h, "/host_name")) + "=" + CellText(FindPointer(h, "/state"));
    const std::string error = CellText(FindPointer(h, "/error"));
    if (errors && !error.empty() && error != "-") out += " (" + error + ")";
  }
  return out;
}

std::string HostStates(const boost::json::object& rollout) {
  return HostsCell(rollout, false);
}

std::string HostStatesAndErrors(const boost::json::object& rollout) {
  return HostsCell(rollout, true);
}

}  // namespace

RolloutCommand::RolloutCommand(CLI::App& root)
    : ApiCommand(root, "rollout", "Roll agent releases out to hosts in waves") {
  start_ = AddVerb("start", "Start a rollout (admin): all hosts, --host IDs or a --selector");
  start_->add_option("--release", version_, "A published agent release (restic-manager-server publish-agent)")
      ->required();
  start_->add_option("--host", hosts_, "A host id, in update order (repeatable)");
  start_->add_option("-l,--selector", selector_, "Hosts whose labels match (role=web,site!=lab)");
  start_->add_option("--wave-size", wave_size_, "Hosts updated at once (default 1)")
      ->check(CLI::Range(1, 10000));

  list_ = AddVerb("list", "List rollouts, newest first");
  show_ = AddVerb("show", "Show a rollout with every host's state");
  show_->add_option("id", id_, "Rollout ID")->required();
  cancel_ = AddVerb("cancel", "Stop a rollout (admin): hosts not yet started are skipped");
  cancel_->add_option("id", id_, "Rollout ID")->required();
}

int RolloutCommand::Run(CommandEnv& env) {
  const std::vector<Column> detail = {
      Field("ID", "/id"),
      Field("Version", "/version"),
      Field("State", "/state"),
      Field("Error", "/error"),
      Field("Wave size", "/wave_size"),
      Field("Waves", "/waves"),
      Field("Selector", "/selector"),
      Field("Created", "/created_at"),
      Field("Finished", "/finished_at"),
      Column{"Hosts", HostStatesAndErrors},
  };
  if (start_->parsed()) {
    if (!hosts_.empty() && !selector_.empty()) return env.Usage("give --host or --selector, not both");
    boost::json::object body{{"version", version_}, {"wave_size", wave_size_}};
    if (!selector_.empty()) body["selector"] = selector_;
    if (!hosts_.empty()) {
      boost::json::array ids;
      for (const auto& id : hosts_) ids.emplace_back(id);
      body["host_ids"] = std::move(ids);
    }
    return env.ShowObject(env.api().Post("/rollouts", body), detail);
  }
  if (list_->parsed()) {
    return env.ShowList(
        "/rollouts", {}, PageFlags{},
        {Field("ID", "/id"), Field("VERSION", "/version"), Field("STATE", "/state"),
         Field("WAVE SIZE", "/wave_size"), Field("CREATED", "/created_at"), Column{"HOSTS", HostStates}});
  }
  if (show_->parsed()) return env.ShowObject(env.api().Get("/rollouts/" + PathSegment(id_)), detail);
  if (cancel_->parsed())
    return env.ShowObject(env.api().Post("/rollouts/" + PathSegment(id_) + "/cancel", boost::json::object{}),
                          detail);
  return kExitUsage;
}

}  // namespace rmgr::cli

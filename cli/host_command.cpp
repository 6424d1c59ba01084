#include "cli/host_command.h"

#include <CLI/CLI.hpp>
#include <algorithm>

#include "cli/cli_app.h"

namespace rmgr::cli {
namespace {

// "always-on" is easier to type; the API spells it "always_on".
std::string ApiMode(std::string mode) {
  std::replace(mode.begin(), mode.end(), '-', '_');
  return mode;
}

const CLI::IsMember& ModeCheck() {
  static const CLI::IsMember check({"always-on", "always_on", "intermittent"});
  return check;
}

std::string ScheduleVersionCell(const boost::json::object& host) {
  const std::string canonical = CellText(FindPointer(host, "/schedule_version/canonical"));
  const std::string applied = CellText(FindPointer(host, "/schedule_version/applied"));
  return canonical == applied ? canonical : canonical + " (agent has " + applied + ")";
}

}  // namespace

HostCommand::HostCommand(CLI::App& root) : ApiCommand(root, "host", "Hosts running the agent") {
  list_ = AddVerb("list", "List hosts with their connection and backup status");
  list_->add_option("-q,--query", query_, "Only hosts whose name or hostname contains this text");
  list_->add_option("-l,--selector", selector_, "Only hosts whose labels match (role=laptop,site!=lab)");
  AddPageFlags(list_, paging_);

  show_ = AddVerb("show", "Show one host");
  show_->add_option("id", id_, "Host ID")->required();

  add_ = AddVerb("add", "Pre-register a host; an agent enrolls into it later");
  add_->add_option("--name", name_, "Host name")->required();
  add_->add_option("--mode", mode_, "always-on or intermittent (server default always-on)")
      ->check(ModeCheck());
  add_->add_option("--label", labels_, "A label key=value (repeatable)");

  set_mode_ = AddVerb("set-mode", "Set whether a host is expected to be always on or only sometimes online");
  set_mode_->add_option("id", id_, "Host ID")->required();
  set_mode_->add_option("mode", mode_, "always-on or intermittent")->required()->check(ModeCheck());

  set_labels_ = AddVerb("set-labels", "Replace a host's labels (none given: clear them)");
  set_labels_->add_option("id", id_, "Host ID")->required();
  set_labels_->add_option("labels", labels_, "Labels as key=value");
}

int HostCommand::Run(CommandEnv& env) {
  const std::vector<Column> detail = {
      Field("ID", "/id"),
      Field("Name", "/name"),
      Field("Hostname", "/hostname"),
      Field("OS", "/os"),
      Field("Arch", "/arch"),
      Field("Agent version", "/agent_version"),
      Field("Restic version", "/restic_version"),
      Field("Mode", "/mode"),
      Column{"Labels", LabelsCell},
      Field("Connected", "/connected"),
      Field("Last seen", "/last_seen_at"),
      Field("Last backup", "/last_backup_at"),
      Field("Current job", "/current_job_id"),
      Field("Schedule version", "/schedule_version/canonical"),
      Field("Applied version", "/schedule_version/applied"),
      Field("Applied at", "/schedule_version/applied_at"),
      Field("Created", "/created_at"),
  };
  if (list_->parsed()) {
    QueryParams query;
    AddQuery(query, "q", query_);
    AddQuery(query, "selector", selector_);
    return env.ShowList(
        "/hosts", std::move(query), paging_,
        {Field("ID", "/id"), Field("NAME", "/name"), Field("HOSTNAME", "/hostname"), Field("MODE", "/mode"),
         Column{"LABELS", LabelsCell}, Field("CONNECTED", "/connected"), Field("LAST SEEN", "/last_seen_at"),
         Field("LAST BACKUP", "/last_backup_at"), Column{"SCHEDULE", ScheduleVersionCell}});
  }
  if (show_->parsed()) return env.ShowObject(env.api().Get("/hosts/" + PathSegment(id_)), detail);
  if (add_->parsed()) {
    boost::json::object body{{"name", name_}};
    if (!mode_.empty()) body["mode"] = ApiMode(mode_);
    if (!labels_.empty()) {
      auto labels = LabelsBody(labels_);
      if (!labels) return env.Usage(labels.error().message);
      body["labels"] = std::move(*labels);
    }
    return env.ShowObject(env.api().Post("/hosts", body), detail);
  }
  if (set_mode_->parsed()) {
    const auto mode = ApiMode(mode_);
    return env.Done(env.api().Patch("/hosts/" + PathSegment(id_), boost::json::object{{"mode", mode}}),
                    "host " + id_ + " is now " + mode);
  }
  if (set_labels_->parsed()) {
    auto labels = LabelsBody(labels_);
    if (!labels) return env.Usage(labels.error().message);
    const std::string text = LabelsCell(boost::json::object{{"labels", *labels}});
    return env.Done(env.api().Patch("/hosts/" + PathSegment(id_), boost::json::object{{"labels", *labels}}),
                    "host " + id_ + " labels: " + (text.empty() ? "none" : text));
  }
  return kExitUsage;
}

}  // namespace rmgr::cli

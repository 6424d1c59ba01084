#include "cli/schedule_command.h"

#include <CLI/CLI.hpp>

#include "cli/cli_app.h"
#include "cli/cron_command.h"

namespace rmgr::cli {
namespace {

template <class T>
void PutIfSet(boost::json::object& object, const char* key, const std::optional<T>& value) {
  if (value) object[key] = *value;
}

std::string FirstFire(const boost::json::object& schedule) {
  const auto* fires = FindPointer(schedule, "/next_fires");
  if (fires == nullptr || !fires->is_array() || fires->as_array().empty()) return "-";
  return CellText(&fires->as_array().front());
}

}  // namespace

ScheduleCommand::ScheduleCommand(CLI::App& root)
    : ApiCommand(root, "schedule", "When hosts run backups and maintenance") {
  add_ = AddVerb("add", "Add a schedule to a host");
  add_->add_option("--host", host_id_, "Host ID")->required();
  add_->add_option("--name", name_, "Schedule name")->required();
  add_->add_option("--kind", kind_, "backup, forget, prune, check or drill")
      ->capture_default_str()
      ->check(CLI::IsMember({"backup", "forget", "prune", "check", "drill"}));
  add_->add_option("--cron", cron_, "Cron expression, e.g. \"30 2 * * *\" or @daily (see `cron next`)")
      ->required();
  add_->add_option("--tz", timezone_, "IANA time zone the cron expression is read in (server default UTC)");
  add_->add_option("--repo", repository_id_, "Repository ID")->required();
  add_->add_option("--group", group_ids_, "Source group ID (repeatable)");
  add_->add_option("--keep-last", keep_last_, "Retention: keep the last N snapshots");
  add_->add_option("--keep-hourly", keep_hourly_, "Retention: keep N hourly snapshots");
  add_->add_option("--keep-daily", keep_daily_, "Retention: keep N daily snapshots");
  add_->add_option("--keep-weekly", keep_weekly_, "Retention: keep N weekly snapshots");
  add_->add_option("--keep-monthly", keep_monthly_, "Retention: keep N monthly snapshots");
  add_->add_option("--keep-yearly", keep_yearly_, "Retention: keep N yearly snapshots");
  add_->add_option("--keep-within", keep_within_,
                   "Retention: keep everything within this duration, e.g. 30d");
  add_->add_option("--keep-tag", keep_tags_, "Retention: keep snapshots with this tag (repeatable)");
  add_->add_flag("--prune", prune_, "Prune after forget");
  add_->add_option("--sample-files", drill_sample_files_, "Drill: files restored and checked per run (default 20)");
  add_->add_option("--max-bytes", drill_max_bytes_, "Drill: most bytes restored per run (default 268435456)");
  add_->add_option("--jitter", jitter_seconds_, "Random delay of up to this many seconds before each run");
  add_->add_option("--max-runtime", max_runtime_seconds_,
                   "Seconds one job may run before the agent stops it (0: the agent's default for the kind)");
  add_->add_option("--pre-hook", pre_hook_, "Command run before the job (admins only)");
  add_->add_option("--post-hook", post_hook_, "Command run after the job (admins only)");
  add_->add_option("--hook-timeout", hook_timeout_seconds_, "Seconds a hook may run");
  add_->add_flag("--disabled", disabled_, "Create the schedule disabled");

  list_ = AddVerb("list", "List schedules with their next fire time");
  list_->add_option("--host", host_id_, "Only this host's schedules");
  AddPageFlags(list_, paging_);

  show_ = AddVerb("show", "Show one schedule with its next five fire times");
  enable_ = AddVerb("enable", "Enable a schedule");
  disable_ = AddVerb("disable", "Disable a schedule");
  delete_ = AddVerb("delete", "Delete a schedule");
  windows_ = AddVerb("windows",
                     "What happened in each window (slot x source group): the job's status, pending, due, or "
                     "missed with the reason");
  windows_->add_option("--from", from_, "Oldest slot to list, RFC 3339 (default: a week before --to)");
  windows_->add_option("--to", to_, "List slots before this instant, RFC 3339 (default: now)");
  AddPageFlags(windows_, paging_);
  for (CLI::App* verb : {show_, enable_, disable_, delete_, windows_})
    verb->add_option("id", id_, "Schedule ID")->required();
}

boost::json::object ScheduleCommand::Retention() const {
  boost::json::object retention;
  PutIfSet(retention, "keep_last", keep_last_);
  PutIfSet(retention, "keep_hourly", keep_hourly_);
  PutIfSet(retention, "keep_daily", keep_daily_);
  PutIfSet(retention, "keep_weekly", keep_weekly_);
  PutIfSet(retention, "keep_monthly", keep_monthly_);
  PutIfSet(retention, "keep_yearly", keep_yearly_);
  if (!keep_within_.empty()) retention["keep_within"] = keep_within_;
  if (!keep_tags_.empty()) retention["keep_tags"] = JsonStrings(keep_tags_);
  if (prune_) retention["prune"] = true;
  return retention;
}

int ScheduleCommand::Run(CommandEnv& env) {
  const std::vector<Column> detail = {
      Field("ID", "/id"),
      Field("Host", "/host_id"),
      Field("Name", "/name"),
      Field("Kind", "/kind"),
      Field("Cron", "/cron"),
      Field("Time zone", "/timezone"),
      Field("Repository", "/repository_id"),
      FieldLines("Source groups", "/source_group_ids"),
      Field("Retention", "/retention"),
      Field("Options", "/options"),
      Field("Pre hook", "/pre_hook"),
      Field("Post hook", "/post_hook"),
      Field("Hook timeout", "/hook_timeout_seconds"),
      Field("Jitter", "/jitter_seconds"),
      Field("Max runtime", "/max_runtime_seconds"),
      Field("Enabled", "/enabled"),
      FieldLines("Next fires", "/next_fires"),
      Field("Schedule version", "/schedule_version"),
      Field("Created", "/created_at"),
      Field("Updated", "/updated_at"),
  };
  const std::string item_path = "/schedules/" + PathSegment(id_);
  if (add_->parsed()) return RunAdd(env, detail);
  if (list_->parsed()) {
    QueryParams query;
    AddQuery(query, "host_id", host_id_);
    return env.ShowList("/schedules", std::move(query), paging_,
                        {Field("ID", "/id"), Field("HOST", "/host_id"), Field("NAME", "/name"),
                         Field("KIND", "/kind"), Field("CRON", "/cron"), Field("TZ", "/timezone"),
                         Field("ENABLED", "/enabled"), Column{"NEXT", FirstFire}});
  }
  if (show_->parsed()) return env.ShowObject(env.api().Get(item_path), detail);
  if (windows_->parsed()) {
    if (auto bad = BadTimeRange(from_, to_)) return env.Usage(*bad);
    QueryParams query;
    AddQuery(query, "from", from_);
    AddQuery(query, "to", to_);
    return env.ShowList(item_path + "/windows", std::move(query), paging_,
                        {Field("SLOT", "/slot"), Field("GROUP", "/source_group_id"), Field("OUTCOME", "/outcome"),
                         Field("JOB", "/job_id"), Field("REASON", "/reason")});
  }
  if (enable_->parsed() || disable_->parsed()) {
    const bool enabled = enable_->parsed();
    return env.Done(env.api().Patch(item_path, boost::json::object{{"enabled", enabled}}),
                    "schedule " + id_ + (enabled ? " enabled" : " disabled"));
  }
  if (delete_->parsed()) return env.Done(env.api().Delete(item_path), "schedule " + id_ + " deleted");
  return kExitUsage;
}

int ScheduleCommand::RunAdd(CommandEnv& env, const std::vector<Column>& detail) const {
  if (!ParseCronOrReport(cron_, env.err())) return kExitUsage;
  boost::json::object body{{"host_id", host_id_},
                           {"name", name_},
                           {"kind", kind_},
                           {"cron", cron_},
                           {"repository_id", repository_id_},
                           {"source_group_ids", JsonStrings(group_ids_)},
                           {"enabled", !disabled_}};
  if (!timezone_.empty()) body["timezone"] = timezone_;
  if (auto retention = Retention(); !retention.empty()) body["retention"] = std::move(retention);
  PutIfSet(body, "jitter_seconds", jitter_seconds_);
  PutIfSet(body, "max_runtime_seconds", max_runtime_seconds_);
  if (drill_sample_files_ || drill_max_bytes_) {
    boost::json::object drill;
    PutIfSet(drill, "sample_files", drill_sample_files_);
    PutIfSet(drill, "max_bytes", drill_max_bytes_);
    body["options"] = boost::json::object{{"drill", std::move(drill)}};
  }
  if (!pre_hook_.empty()) body["pre_hook"] = pre_hook_;
  if (!post_hook_.empty()) body["post_hook"] = post_hook_;
  PutIfSet(body, "hook_timeout_seconds", hook_timeout_seconds_);
  return env.ShowObject(env.api().Post("/schedules", body), detail);
}

}  // namespace rmgr::cli

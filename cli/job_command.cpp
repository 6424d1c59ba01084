#include "cli/job_command.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <limits>
#include <ostream>

#include "cli/cli_app.h"
#include "common/protocol/enums.h"

namespace rmgr::cli {
namespace {

constexpr int kLogPageSize = 500;
constexpr std::chrono::milliseconds kFollowInterval{1000};

std::vector<Column> JobColumns() {
  return {Field("ID", "/id"),
          Field("HOST", "/host_id"),
          Field("KIND", "/kind"),
          Field("STATUS", "/status"),
          Field("CREATED", "/created_at"),
          Field("STARTED", "/started_at"),
          Field("FINISHED", "/finished_at"),
          Field("SNAPSHOT", "/snapshot_id")};
}

// Prints one page of log lines; returns how many there were, or an error.
ApiResult<std::size_t> PrintLogPage(CommandEnv& env, const std::string& path, std::int64_t& after_seq) {
  auto page = ExpectObject(env.api().Get(
      path, {{"after_seq", std::to_string(after_seq)}, {"limit", std::to_string(kLogPageSize)}}));
  if (!page) return page.error();
  const auto* items = page->if_contains("items");
  if (items == nullptr || !items->is_array())
    return ApiError{0, "bad_response", "the server's log page has no \"items\"", ""};
  std::int64_t last = after_seq;
  for (const auto& item : items->as_array()) {
    const auto* line = item.if_object();
    if (line == nullptr) continue;
    if (const auto* seq = line->if_contains("seq"); seq != nullptr && seq->is_int64())
      last = std::max(last, seq->as_int64());
    if (env.json()) {
      env.PrintJson(item);
    } else {
      const auto* text = line->if_contains("text");
      env.out() << (text != nullptr && text->is_string() ? Printable(text->as_string()) : std::string())
                << '\n';
    }
  }
  env.out().flush();
  const auto* next = page->if_contains("next_after_seq");
  const std::int64_t following = next != nullptr && next->is_int64() ? next->as_int64() : last;
  if (!items->as_array().empty() && following <= after_seq) {
    return ApiError{0, "bad_response", "the server's log paging did not advance", ""};
  }
  after_seq = following;
  return ApiResult<std::size_t>(boost::system::in_place_value, items->as_array().size());
}

}  // namespace

bool IsTerminalJobStatus(std::string_view status) {
  protocol::JobStatus parsed{};
  // A name this CLI does not know (a newer server) ends a wait too.
  return !protocol::FromString(status, parsed) || protocol::IsTerminal(parsed);
}

JobCommand::JobCommand(CLI::App& root)
    : ApiCommand(root, "job", "restic jobs: history, logs, run now, cancel") {
  list_ = AddVerb("list", "List jobs, newest first");
  list_->add_option("--host", host_id_, "Only this host's jobs");
  list_->add_option("--status", status_,
                    "Only jobs in this status (queued, running, succeeded, failed, ...)");
  list_->add_option("--kind", kind_, "Only jobs of this kind (backup, forget, prune, check, ...)");
  AddPageFlags(list_, paging_);

  show_ = AddVerb("show", "Show one job with its progress or summary");
  show_->add_option("id", id_, "Job ID")->required();

  logs_ = AddVerb("logs", "Print a job's output; --json prints one JSON object per line");
  logs_->add_option("id", id_, "Job ID")->required();
  logs_->add_flag("-f,--follow", follow_, "Keep polling for new lines until the job has finished");
  logs_->add_option("--after-seq", after_seq_, "Start after this line number (default: from the first line)")
      ->check(CLI::Range(std::int64_t{-1}, std::numeric_limits<std::int64_t>::max()));

  run_ = AddVerb("run",
                 "Run a job now: a schedule's jobs (--schedule), one job of --kind on --host, or the schedules of "
                 "--kind (default backup) on every host --selector matches");
  auto* schedule =
      run_->add_option("--schedule", schedule_id_, "Run this schedule now (one job per source group)");
  auto* host = run_->add_option("--host", host_id_, "Host to run on");
  auto* kind = run_->add_option("--kind", kind_, "Job kind: backup, forget, prune, check, ...");
  auto* repo = run_->add_option("--repo", repository_id_, "Repository ID");
  auto* group = run_->add_option("--group", group_id_, "Source group ID");
  auto* selector = run_->add_option("--selector", selector_,
                                    "Every host whose labels match (role=laptop,site!=lab): its enabled schedules "
                                    "of --kind run now");
  for (auto* option : {host, kind, repo, group, selector}) schedule->excludes(option);
  for (auto* option : {host, repo, group}) selector->excludes(option);
  host->needs(kind);

  cancel_ = AddVerb("cancel", "Cancel a queued or running job, or every unfinished job of the hosts --selector matches");
  auto* id = cancel_->add_option("id", id_, "Job ID");
  auto* cancel_selector =
      cancel_->add_option("--selector", selector_, "Every host whose labels match (role=laptop,site!=lab)");
  id->excludes(cancel_selector);
}

int JobCommand::Run(CommandEnv& env) {
  if (list_->parsed()) {
    QueryParams query;
    AddQuery(query, "host_id", host_id_);
    AddQuery(query, "status", status_);
    AddQuery(query, "kind", kind_);
    return env.ShowList("/jobs", std::move(query), paging_, JobColumns());
  }
  if (show_->parsed()) {
    return env.ShowObject(env.api().Get("/jobs/" + PathSegment(id_)),
                          {Field("ID", "/id"),
                           Field("Host", "/host_id"),
                           Field("Kind", "/kind"),
                           Field("Status", "/status"),
                           Field("Actor", "/actor_kind"),
                           Field("Actor ID", "/actor_id"),
                           Field("Schedule", "/schedule_id"),
                           Field("Source group", "/source_group_id"),
                           Field("Repository", "/repository_id"),
                           Field("Scheduled", "/scheduled_at"),
                           Field("Created", "/created_at"),
                           Field("Dispatched", "/dispatched_at"),
                           Field("Started", "/started_at"),
                           Field("Finished", "/finished_at"),
                           Field("Exit code", "/exit_code"),
                           Field("Error", "/error"),
                           Field("Error kind", "/error_kind"),
                           Field("Snapshot", "/snapshot_id"),
                           Field("Progress", "/progress"),
                           Field("Summary", "/summary")});
  }
  if (logs_->parsed()) return RunLogs(env);
  if (run_->parsed()) return RunRun(env);
  if (cancel_->parsed() && !selector_.empty()) return RunFleet(env, "cancel");
  if (cancel_->parsed() && id_.empty()) return env.Usage("job cancel needs a job ID or --selector");
  if (cancel_->parsed()) {
    // 200 with a cancelled job for a queued one; 202 with the job unchanged
    // while the agent is asked to stop a dispatched or running one.
    auto answer = env.api().Post("/jobs/" + PathSegment(id_) + "/cancel", nullptr);
    const auto* status = answer && answer->is_object() ? answer->as_object().if_contains("status") : nullptr;
    const std::string now = CellText(status);
    return env.Done(answer, now == "cancelled"
                                ? "job " + id_ + " cancelled"
                                : "job " + id_ + ": cancel sent to its agent (still " + now + ")");
  }
  return kExitUsage;
}

int JobCommand::RunLogs(CommandEnv& env) const {
  const std::string job_path = "/jobs/" + PathSegment(id_);
  const std::string logs_path = job_path + "/logs";
  std::int64_t after_seq = after_seq_;
  const auto drain = [&]() -> ApiResult<void> {
    while (true) {
      auto printed = PrintLogPage(env, logs_path, after_seq);
      if (!printed) return printed.error();
      if (*printed == 0) return {};
    }
  };
  while (true) {
    if (auto drained = drain(); !drained) return env.Fail(drained.error());
    if (!follow_) return kExitOk;
    auto job = ExpectObject(env.api().Get(job_path));
    if (!job) return env.Fail(job.error());
    const auto* status = job->if_contains("status");
    if (status == nullptr || !status->is_string()) {
      return env.Fail(ApiError{0, "bad_response", "the server's job has no status", ""});
    }
    if (IsTerminalJobStatus(status->as_string())) {
      // Lines written before the job ended may have landed after the last drain.
      if (auto drained = drain(); !drained) return env.Fail(drained.error());
      return kExitOk;
    }
    env.io().sleep(kFollowInterval);
  }
}

// POST /fleet/actions: one line per matched host with what happened there.
int JobCommand::RunFleet(CommandEnv& env, const std::string& action) const {
  boost::json::object body{{"action", action}, {"selector", selector_}};
  if (action == "run_now" && !kind_.empty()) body["kind"] = kind_;
  auto answer = env.api().Post("/fleet/actions", body);
  if (!answer) return env.Fail(answer.error());
  if (env.json()) {
    env.PrintJson(*answer);
    return kExitOk;
  }
  const auto* object = answer->if_object();
  const auto* results = object != nullptr ? object->if_contains("results") : nullptr;
  if (results == nullptr || !results->is_array()) {
    return env.Fail(ApiError{0, "bad_response", "the server's fleet answer has no results", ""});
  }
  PrintTable(env.out(), results->as_array(),
             {Field("HOST", "/host_name"), Field("OUTCOME", "/outcome"), Field("JOBS", "/job_ids"),
              Field("MESSAGE", "/message")});
  return kExitOk;
}

int JobCommand::RunRun(CommandEnv& env) const {
  if (!selector_.empty()) return RunFleet(env, "run_now");
  ApiResult<boost::json::value> answer = boost::json::value(nullptr);
  if (!schedule_id_.empty()) {
    answer = env.api().Post("/schedules/" + PathSegment(schedule_id_) + "/run", nullptr);
  } else if (!host_id_.empty()) {
    boost::json::object body{{"host_id", host_id_}, {"kind", kind_}};
    if (!repository_id_.empty()) body["repository_id"] = repository_id_;
    if (!group_id_.empty()) body["source_group_id"] = group_id_;
    answer = env.api().Post("/jobs", body);
  } else {
    return env.Usage("job run needs --schedule ID, --host ID and --kind KIND, or --selector S");
  }
  if (!answer) return env.Fail(answer.error());
  if (env.json()) {
    env.PrintJson(*answer);
    return kExitOk;
  }
  // One job (POST /jobs) or {"jobs": [...]} (a schedule's run): print a table either way.
  boost::json::array jobs;
  if (const auto* object = answer->if_object();
      object != nullptr && object->contains("jobs") && object->at("jobs").is_array()) {
    jobs = object->at("jobs").as_array();
  } else {
    jobs.push_back(*answer);
  }
  PrintTable(env.out(), jobs, JobColumns());
  return kExitOk;
}

}  // namespace rmgr::cli

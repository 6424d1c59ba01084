#include "server/scheduling/dispatcher.h"

#include <algorithm>
#include <set>

#include "common/util/log.h"
#include "server/scheduling/job_queries.h"
#include "server/scheduling/schedule_jobs.h"
#include "server/scheduling/wire_mapping.h"

namespace rmgr::server::scheduling {
namespace {

using store::JobStatus;

std::shared_ptr<spdlog::logger> Log() { return Logger("scheduling"); }

struct Dispatched {
  std::string job_id;
  protocol::CommandRun command;
};

}  // namespace

bool Dispatcher::DispatchReady(const std::string& host_id) {
  auto connection = ctx_.presence.Ready(host_id);
  if (!connection) return true;  // nothing is dispatched to an absent agent

  std::vector<std::string> changed;  // every job this dispatch moved or created
  auto dispatched = ctx_.store.Write([&](store::WriteTx& tx) -> Result<std::vector<Dispatched>> {
    std::vector<Dispatched> out;
    changed.clear();
    std::set<std::string> busy;
    auto active = HeldJobs(tx, host_id, ctx_.watch.AgentRunning(host_id));
    if (!active) return active.error();
    for (const auto& job : *active) busy.insert(RepositoryKey(job));

    auto start = [&](const store::Job& job) -> Result<void> {
      auto command = BuildCommandRun(tx, job, ctx_.secrets);
      if (!command) {
        auto failed = tx.FinishJob(job.id, ServerVerdict(JobStatus::kFailed, command.error().message, store::ErrorKind::kOther));
        if (!failed) return failed.error();
        changed.push_back(job.id);
        return Ok();
      }
      auto moved = tx.TransitionJob(job.id, JobStatus::kDispatched);
      if (!moved) return moved.error();
      busy.insert(RepositoryKey(job));
      changed.push_back(job.id);
      out.push_back(Dispatched{job.id, std::move(*command)});
      return Ok();
    };
    auto queued = JobsIn(tx, host_id, JobStatus::kQueued);
    if (!queued) return queued.error();
    std::set<std::string> waiting;  // repositories with a queued job still waiting
    for (const auto& job : *queued) {
      if (busy.count(RepositoryKey(job)) != 0) {
        waiting.insert(RepositoryKey(job));
        continue;
      }
      if (auto ok = start(job); !ok) return ok.error();
    }

    auto pending = tx.ListPendingRuns(host_id);
    if (!pending) return pending.error();
    for (const auto& run : *pending) {
      auto schedule = tx.GetSchedule(host_id, run.schedule_id);
      if (!schedule || !schedule->enabled) {
        if (auto dropped = tx.DeletePendingRun(run.schedule_id); !dropped) return dropped.error();
        continue;
      }
      if (busy.count(schedule->repository_id) != 0 || waiting.count(schedule->repository_id) != 0) continue;
      if (auto dropped = tx.DeletePendingRun(run.schedule_id); !dropped) return dropped.error();
      auto ids = CreateJobs(tx, JobsForSchedule(*schedule, store::ActorKind::kSchedule, schedule->id,
                                                run.scheduled_at));
      if (!ids) return ids.error();
      if (ids->empty()) continue;  // that slot already ran: the pending run was a re-sent fire
      changed.insert(changed.end(), ids->begin(), ids->end());
      auto logged = tx.AppendAudit(SystemAudit(store::ActorKind::kSchedule, schedule->id, "schedule.pending_run",
                                               "schedule", schedule->id,
                                               {{"schedule", schedule->name},
                                                {"scheduled_at", FormatRfc3339Utc(run.scheduled_at)},
                                                {"job_ids", JsonIds(*ids)}}));
      if (!logged) return logged.error();
      for (const auto& id : *ids) {
        auto job = tx.GetJob(id);
        if (!job) return job.error();
        if (busy.count(RepositoryKey(*job)) != 0) break;  // the rest wait, queued
        if (auto ok = start(*job); !ok) return ok.error();
      }
    }
    return out;
  });
  if (!dispatched) {
    Log()->error("dispatch on host {}: {}", host_id, dispatched.error().message);
    return false;
  }
  std::sort(changed.begin(), changed.end());
  changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
  ctx_.publish.Jobs(changed);
  bool all_sent = true;
  for (auto& job : *dispatched) {
    ctx_.watch.NoteWord(job.job_id, ctx_.Now());
    if (!ctx_.Send(host_id, *connection, std::move(job.command))) {
      // The connection went away: the next hello reconciles the job.
      Log()->warn("command.run {} could not be sent to host {}", job.job_id, host_id);
      all_sent = false;
    }
  }
  return all_sent;
}

}  // namespace rmgr::server::scheduling

#include "server/scheduling/dispatcher.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "common/util/log.h"
#include "server/scheduling/job_queries.h"
#include "server/scheduling/repository_leases.h"
#include "server/scheduling/schedule_jobs.h"
#include "server/scheduling/wire_mapping.h"

namespace rmgr::server::scheduling {
namespace {

using store::JobStatus;

std::shared_ptr<spdlog::logger> Log() {
  return Logger("scheduling");
}

struct Dispatched {
  std::string job_id;
  protocol::CommandRun command;
};

// The repositories' leases across all hosts, read at the first decision of
// a dispatch transaction (a host with nothing queued never reads them: the
// sweep calls DispatchReady for every connected host) and kept current as
// this dispatch starts jobs.
class LeaseBook {
 public:
  LeaseBook(store::WriteTx& tx, SchedulingContext& ctx) : tx_(tx), ctx_(ctx) {}

  // Holders: every host's dispatched and running jobs, and the ones the
  // server gave up on that a connected agent still runs. Waiters: queued
  // exclusive jobs of connected hosts.
  Result<void> Load() {
    loaded_ = true;
    for (JobStatus status : {JobStatus::kDispatched, JobStatus::kRunning}) {
      auto jobs = JobsIn(tx_, std::nullopt, status);
      if (!jobs) return jobs.error();
      holders_.insert(holders_.end(), jobs->begin(), jobs->end());
    }
    for (const auto& [host, ready] : ctx_.presence.Hosts()) {
      auto added = AddGivenUpButRunning(tx_, host, ctx_.watch.AgentRunning(host), holders_);
      if (!added) return added.error();
    }
    auto queued = JobsIn(tx_, std::nullopt, JobStatus::kQueued);
    if (!queued) return queued.error();
    for (auto& job : *queued) {
      if (LeaseOf(job.kind) == Lease::kExclusive && ctx_.presence.Ready(job.host_id)) {
        waiting_.push_back(std::move(job));
      }
    }
    return Ok();
  }

  Result<LeaseDecision> Decide(const store::Job& job) {
    const std::string key = RepositoryKey(job);
    if (key.empty()) return LeaseDecision{true, ""};
    if (!loaded_) {
      if (auto loaded = Load(); !loaded) return loaded.error();
    }
    auto repository = FindRepository(key);
    if (!repository) return repository.error();
    if (*repository == nullptr)
      return LeaseDecision{true, ""};  // gone: the dispatch fails it with the reason
    const store::Repository& repo = **repository;
    const bool inside =
        InsideMaintenanceWindow({repo.maintenance_cron, repo.maintenance_minutes}, ctx_.Now());
    std::vector<LeaseJob> holders;
    std::vector<LeaseJob> waiting;
    for (const auto* jobs : {&holders_, &waiting_}) {
      for (const auto& j : *jobs) {
        if (RepositoryKey(j) != key) continue;
        if (jobs == &waiting_ && IsMaintenance(j.kind) && !inside) continue;  // it waits for its window
        auto name = HostName(j.host_id);
        if (!name) return name.error();
        (jobs == &holders_ ? holders : waiting).push_back(LeaseJob{j.id, j.kind, *name, j.created_at});
      }
    }
    auto name = HostName(job.host_id);
    if (!name) return name.error();
    return DecideLease(LeaseJob{job.id, job.kind, *name, job.created_at},
                       RepositoryState{repo.name, repo.max_concurrent_backups, inside, holders, waiting});
  }

  void Started(const store::Job& job) {
    if (!loaded_) return;  // Load reads it from this transaction, dispatched
    std::erase_if(waiting_, [&](const store::Job& j) { return j.id == job.id; });
    holders_.push_back(job);
  }

 private:
  // The repository, nullptr when it is gone.
  Result<const store::Repository*> FindRepository(const std::string& id) {
    auto found = repositories_.find(id);
    if (found == repositories_.end()) {
      auto got = tx_.GetRepository(id);
      if (!got && got.error().code != ErrorCode::kNotFound) return got.error();
      found = repositories_.emplace(id, got ? std::optional(std::move(*got)) : std::nullopt).first;
    }
    const store::Repository* repository = found->second ? &*found->second : nullptr;
    return repository;
  }

  Result<std::string> HostName(const std::string& id) {
    auto found = names_.find(id);
    if (found != names_.end()) return found->second;
    auto host = tx_.GetHost(id);
    if (!host && host.error().code != ErrorCode::kNotFound) return host.error();
    return names_.emplace(id, host ? host->name : id).first->second;
  }

  store::WriteTx& tx_;
  SchedulingContext& ctx_;
  std::vector<store::Job> holders_;
  std::vector<store::Job> waiting_;
  std::map<std::string, std::optional<store::Repository>> repositories_;
  std::map<std::string, std::string> names_;
  bool loaded_ = false;
};

// Keeps what a queued job waits for and audits it when it changed.
Result<bool> NoteWait(store::WriteTx& tx, const store::Job& job, const std::string& reason) {
  if (job.wait_reason == reason) return false;
  if (auto set = tx.SetJobWaitReason(job.id, reason); !set) return set.error();
  auto logged = tx.AppendAudit(SystemAudit(store::ActorKind::kSystem, "", "job.waiting", "job", job.id,
                                           {{"host_id", job.host_id},
                                            {"repository_id", RepositoryKey(job)},
                                            {"kind", store::ToString(job.kind)},
                                            {"reason", reason}}));
  if (!logged) return logged.error();
  return true;
}

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

    LeaseBook leases(tx, ctx_);

    // Starts the job, or leaves it queued with what it waits for; true when it started.
    auto start = [&](const store::Job& job) -> Result<bool> {
      auto lease = leases.Decide(job);
      if (!lease) return lease.error();
      if (!lease->start) {
        auto noted = NoteWait(tx, job, lease->reason);
        if (!noted) return noted.error();
        if (*noted) changed.push_back(job.id);
        return false;
      }
      if (!job.wait_reason.empty()) {
        if (auto cleared = tx.SetJobWaitReason(job.id, ""); !cleared) return cleared.error();
        auto logged = tx.AppendAudit(SystemAudit(store::ActorKind::kSystem, "", "job.lease", "job", job.id,
                                                 {{"host_id", job.host_id},
                                                  {"repository_id", RepositoryKey(job)},
                                                  {"lease", ToString(LeaseOf(job.kind))},
                                                  {"waited_for", job.wait_reason}}));
        if (!logged) return logged.error();
      }
      auto command = BuildCommandRun(tx, job, ctx_.secrets);
      if (!command) {
        auto failed = tx.FinishJob(
            job.id, ServerVerdict(JobStatus::kFailed, command.error().message, store::ErrorKind::kOther));
        if (!failed) return failed.error();
        changed.push_back(job.id);
        return false;
      }
      auto moved = tx.TransitionJob(job.id, JobStatus::kDispatched);
      if (!moved) return moved.error();
      busy.insert(RepositoryKey(job));
      leases.Started(*moved);
      changed.push_back(job.id);
      out.push_back(Dispatched{job.id, std::move(*command)});
      return true;
    };
    auto queued = JobsIn(tx, host_id, JobStatus::kQueued);
    if (!queued) return queued.error();
    std::set<std::string> waiting;  // repositories with a queued job still waiting
    for (const auto& job : *queued) {
      if (busy.count(RepositoryKey(job)) != 0) {
        waiting.insert(RepositoryKey(job));
        continue;
      }
      auto started = start(job);
      if (!started) return started.error();
      if (!*started) waiting.insert(RepositoryKey(job));
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
      auto ids = CreateJobs(
          tx, JobsForSchedule(*schedule, store::ActorKind::kSchedule, schedule->id, run.scheduled_at));
      if (!ids) return ids.error();
      if (ids->empty()) continue;  // that slot already ran: the pending run was a re-sent fire
      changed.insert(changed.end(), ids->begin(), ids->end());
      auto logged = tx.AppendAudit(SystemAudit(store::ActorKind::kSchedule, schedule->id,
                                               "schedule.pending_run", "schedule", schedule->id,
                                               {{"schedule", schedule->name},
                                                {"scheduled_at", FormatRfc3339Utc(run.scheduled_at)},
                                                {"job_ids", JsonIds(*ids)}}));
      if (!logged) return logged.error();
      for (const auto& id : *ids) {
        auto job = tx.GetJob(id);
        if (!job) return job.error();
        if (busy.count(RepositoryKey(*job)) != 0) break;  // the rest wait, queued
        auto started = start(*job);
        if (!started) return started.error();
        if (!*started) break;  // the rest wait, queued, for the same lease
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

void Dispatcher::DispatchWaiting(const std::set<std::string>& repository_ids,
                                 const std::string& except_host) {
  auto hosts = ctx_.store.Read([&](store::ReadTx& tx) -> Result<std::vector<std::string>> {
    auto queued = JobsIn(tx, std::nullopt, JobStatus::kQueued);
    if (!queued) return queued.error();
    std::vector<std::string> out;
    for (const auto& job : *queued) {  // oldest first
      if (job.host_id == except_host || !ctx_.presence.Ready(job.host_id)) continue;
      if (!repository_ids.empty() && repository_ids.count(RepositoryKey(job)) == 0) continue;
      if (std::find(out.begin(), out.end(), job.host_id) == out.end()) out.push_back(job.host_id);
    }
    return out;
  });
  if (!hosts) {
    Log()->error("cannot list hosts waiting for a repository: {}", hosts.error().message);
    return;  // the sweep dispatches them
  }
  for (const auto& host : *hosts) DispatchReady(host);
}

}  // namespace rmgr::server::scheduling

#include "server/scheduling/lost_sweep.h"

#include <set>

#include "common/util/log.h"
#include "server/scheduling/job_queries.h"

namespace rmgr::server::scheduling {
namespace {

using store::JobStatus;

std::shared_ptr<spdlog::logger> Log() { return Logger("scheduling"); }

}  // namespace

LostSweep::LostSweep(SchedulingContext& ctx, Dispatcher& dispatcher)
    : ctx_(ctx),
      dispatcher_(dispatcher),
      task_(ctx.executor, "lost-job sweep", PeriodicTask::Settings{ctx.options.sweep_interval}, [this] { Sweep(); }) {}

int LostSweep::Sweep() {
  const TimePoint now = ctx_.Now();
  const auto connected = ctx_.presence.Hosts();  // host id → ready link
  // Connected hosts were heard from (the hub drops silent ones): note it.
  for (const auto& [host, ready] : connected) {
    store::HostStatus status;
    status.seen_at = now;
    auto seen = ctx_.store.Write([&](store::WriteTx& tx) { return tx.UpdateHostStatus(host, status); },
                                 store::Durability::kRelaxed);
    if (!seen && seen.error().code != ErrorCode::kNotFound) {
      Log()->warn("cannot note host {} as seen: {}", host, seen.error().message);
    }
  }

  auto lost = ctx_.store.Write([&](store::WriteTx& tx) -> Result<std::vector<store::Job>> {
    std::vector<store::Job> candidates;
    for (JobStatus status : {JobStatus::kDispatched, JobStatus::kRunning}) {
      auto jobs = JobsIn(tx, std::nullopt, status);
      if (!jobs) return jobs.error();
      candidates.insert(candidates.end(), jobs->begin(), jobs->end());
    }
    std::vector<store::Job> marked;
    for (const auto& job : candidates) {
      // A running job on a connected agent is accounted for: the agent
      // listed it in its hello or started it on this connection.
      if (auto link = connected.find(job.host_id);
          job.status == JobStatus::kRunning && link != connected.end() && link->second) {
        continue;
      }
      const TimePoint heard = ctx_.watch.LastHeard(job);
      if (now - heard < ctx_.options.lost_after) continue;
      const auto silent = std::chrono::duration_cast<std::chrono::seconds>(now - heard).count();
      auto marked_lost = MarkLost(tx, job, "no word from the agent for " + std::to_string(silent) + " s",
                                  {{"silent_seconds", silent}});
      if (!marked_lost) return marked_lost.error();
      marked.push_back(job);
    }
    return marked;
  });
  if (!lost) {
    Log()->error("lost-job sweep: {}", lost.error().message);
    return 0;
  }
  std::set<std::string> hosts;
  std::vector<std::string> ids;
  for (const auto& job : *lost) {
    Log()->warn("job {} on host {} marked lost: no word from its agent", job.id, job.host_id);
    ctx_.watch.Forget(job.id);
    hosts.insert(job.host_id);
    ids.push_back(job.id);
  }
  ctx_.publish.Jobs(ids);
  // Nothing waits for a reconnect to heal: whatever is queued or pending on a
  // connected host (a dispatch that met a busy store, a command that could
  // not be sent) is dispatched again here.
  auto waiting = ctx_.store.Read([&](store::ReadTx& tx) -> Result<std::set<std::string>> {
    std::set<std::string> out;
    auto queued = JobsIn(tx, std::nullopt, JobStatus::kQueued);
    if (!queued) return queued.error();
    for (const auto& job : *queued) out.insert(job.host_id);
    for (const auto& [host, ready] : connected) {
      if (!ready || out.count(host) != 0) continue;
      auto pending = tx.ListPendingRuns(host);
      if (!pending) return pending.error();
      if (!pending->empty()) out.insert(host);
    }
    return out;
  });
  if (!waiting) {
    Log()->error("sweep: cannot list waiting work: {}", waiting.error().message);
  } else {
    hosts.insert(waiting->begin(), waiting->end());
  }
  for (const auto& host : hosts) {
    if (auto link = connected.find(host); link != connected.end() && link->second) dispatcher_.DispatchReady(host);
  }
  return static_cast<int>(lost->size());
}

}  // namespace rmgr::server::scheduling

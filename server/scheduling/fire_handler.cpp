#include "server/scheduling/fire_handler.h"

#include <algorithm>

#include "common/util/log.h"
#include "server/scheduling/job_queries.h"
#include "server/scheduling/schedule_jobs.h"

namespace rmgr::server::scheduling {
namespace {

using store::JobStatus;

std::shared_ptr<spdlog::logger> Log() { return Logger("scheduling"); }

}  // namespace

void FireHandler::Handle(const ws::AgentIdentity& who, std::uint64_t connection_id,
                         const protocol::ScheduleFire& fire) {
  struct Outcome {
    protocol::FireOutcome answer = protocol::FireOutcome::kJob;
    std::vector<std::string> job_ids;
    bool made = false;  // the jobs were made now (a re-sent fire only repeats the answer)
    std::optional<std::string> reason;
  };
  const TimePoint slot = fire.scheduled_at;
  const bool late = fire.late.value_or(false);
  auto outcome = ctx_.store.Write([&](store::WriteTx& tx) -> Result<Outcome> {
    Outcome out;
    auto schedule = tx.GetSchedule(who.host_id, fire.schedule_id);
    if (!schedule) {
      if (schedule.error().code != ErrorCode::kNotFound) return schedule.error();
      Log()->warn("host {} fired schedule {}, which is not one of its schedules; refused", who.host_id,
                  fire.schedule_id);
      out.answer = protocol::FireOutcome::kRefused;
      out.reason = "no such schedule on this host (deleted, or another host's)";
      return out;
    }
    boost::json::object detail{{"schedule", schedule->name}, {"scheduled_at", FormatRfc3339Utc(slot)}};
    if (late) detail["late"] = true;
    // What became of the window, for the record of every window (the API's
    // /windows): a job speaks for itself, anything else leaves a note.
    auto note = [&](store::WindowNoteKind kind, TimePoint at, std::string reason) {
      return tx.RecordWindowNote(store::WindowNote{schedule->id, "", at, kind, std::move(reason), {}});
    };
    auto audit = [&](std::string action) {
      return tx.AppendAudit(
          SystemAudit(store::ActorKind::kSchedule, schedule->id, std::move(action), "schedule", schedule->id, detail));
    };
    if (!schedule->enabled) {
      Log()->info("host {} fired disabled schedule {}; refused", who.host_id, schedule->name);
      out.answer = protocol::FireOutcome::kRefused;
      out.reason = "the schedule is disabled";
      detail["reason"] = *out.reason;
      if (auto noted = note(store::WindowNoteKind::kRefused, slot, *out.reason); !noted) return noted.error();
      if (auto logged = audit("schedule.fire_refused"); !logged) return logged.error();
      return out;
    }
    auto host = tx.GetHost(who.host_id);
    if (!host) return host.error();
    auto active = HeldJobs(tx, who.host_id, ctx_.watch.AgentRunning(who.host_id));
    if (!active) return active.error();
    auto queued = JobsIn(tx, who.host_id, JobStatus::kQueued);
    if (!queued) return queued.error();
    std::vector<std::string> under_way;
    for (const auto* jobs : {&*active, &*queued}) {
      for (const auto& j : *jobs) {
        if (j.schedule_id == schedule->id && j.scheduled_at == slot) under_way.push_back(j.id);
      }
    }
    if (!under_way.empty()) {
      out.job_ids = std::move(under_way);  // a re-sent fire whose jobs are still under way
      return out;
    }
    if (late && !host->always_on) {
      // The laptop slept through the slot: catch-up decides after the settle window.
      out.answer = protocol::FireOutcome::kDeferred;
      out.reason = "the host was away at the slot; catch-up runs once it has settled";
      detail["deferred"] = true;
      if (auto noted = note(store::WindowNoteKind::kDeferred, slot, *out.reason); !noted) return noted.error();
      if (auto logged = audit("schedule.fire"); !logged) return logged.error();
      return out;
    }
    auto uses_repository = [&](const store::Job& j) { return RepositoryKey(j) == schedule->repository_id; };
    const bool busy = std::any_of(active->begin(), active->end(), uses_repository) ||
                      std::any_of(queued->begin(), queued->end(), uses_repository);
    if (busy) {
      // A pending run keeps only the newest slot: the older one will not
      // run (the one it replaced, or this fire's own when it came late), and
      // its window says why.
      auto dropped = tx.UpsertPendingRun(store::PendingRun{schedule->id, who.host_id, ctx_.Now(), slot});
      if (!dropped) return dropped.error();
      if (*dropped) {
        auto noted = note(store::WindowNoteKind::kCoalesced, **dropped,
                          "the repository was busy; a later slot of the schedule runs instead");
        if (!noted) return noted.error();
      }
      out.answer = protocol::FireOutcome::kPending;
      out.reason = "the repository is busy on this host; the run starts when it is free";
      detail["pending"] = true;
    } else {
      auto ids = CreateJobs(tx, JobsForSchedule(*schedule, store::ActorKind::kSchedule, schedule->id, slot));
      if (!ids) return ids.error();
      out.job_ids = std::move(*ids);
      out.made = !out.job_ids.empty();
      detail["job_ids"] = JsonIds(out.job_ids);
      if (out.job_ids.empty()) {
        out.reason = "this slot already had its jobs";
        return out;  // a re-sent fire: nothing new, nothing to audit
      }
    }
    if (auto logged = audit("schedule.fire"); !logged) return logged.error();
    return out;
  });
  if (!outcome) {
    // No answer: the agent keeps the fire and sends it again.
    Log()->error("schedule.fire {} from host {}: {}", fire.schedule_id, who.host_id, outcome.error().message);
    return;
  }
  switch (outcome->answer) {
    case protocol::FireOutcome::kPending:
      Log()->info("schedule {} fired on busy host {}: pending run for {}", fire.schedule_id, who.host_name,
                  FormatRfc3339Utc(slot));
      break;
    case protocol::FireOutcome::kDeferred:
      Log()->info("late fire of schedule {} on host {} for {}: deferred to catch-up", fire.schedule_id,
                  who.host_name, FormatRfc3339Utc(slot));
      catchup_.EnsureArmed(who.host_id);
      break;
    case protocol::FireOutcome::kJob:
    case protocol::FireOutcome::kRefused:
      break;
  }
  ctx_.Send(who.host_id, connection_id,
            protocol::FireAnswer{fire.schedule_id, slot, outcome->answer, outcome->job_ids, outcome->reason});
  if (!outcome->made) return;
  ctx_.publish.Jobs(outcome->job_ids);
  dispatcher_.DispatchReady(who.host_id);
}

}  // namespace rmgr::server::scheduling

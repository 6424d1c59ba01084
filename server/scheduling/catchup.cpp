#include "server/scheduling/catchup.h"

#include <boost/asio/post.hpp>

#include <algorithm>

#include "common/cron/cron_parser.h"
#include "common/util/log.h"
#include "server/scheduling/job_queries.h"
#include "server/scheduling/schedule_jobs.h"

namespace rmgr::server::scheduling {
namespace {

using store::JobStatus;

std::shared_ptr<spdlog::logger> Log() { return Logger("scheduling"); }

}  // namespace

void Catchup::Arm(const std::string& host_id) {
  if (stopped_) return;
  auto& timer = timers_[host_id];
  if (timer) timer->cancel();  // flapping re-arms; it never stacks
  timer = std::make_unique<boost::asio::steady_timer>(ctx_.executor, ctx_.options.catchup_settle);
  boost::asio::steady_timer* armed = timer.get();
  timer->async_wait([this, host_id, armed](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: re-armed or stopped
    auto current = timers_.find(host_id);
    if (current == timers_.end() || current->second.get() != armed) return;
    // The handler runs on the timer's executor; drop the timer after it returns.
    auto keep = std::move(current->second);
    timers_.erase(current);
    Run(host_id);
    boost::asio::post(ctx_.executor, [keep = std::shared_ptr<boost::asio::steady_timer>(std::move(keep))] {});
  });
}

void Catchup::EnsureArmed(const std::string& host_id) {
  if (timers_.count(host_id) != 0) return;
  Arm(host_id);
}

void Catchup::Stop() {
  stopped_ = true;
  for (auto& [host, timer] : timers_) timer->cancel();
  timers_.clear();
}

void Catchup::Run(const std::string& host_id) {
  if (!ctx_.presence.Ready(host_id)) {
    Log()->info("catch-up for host {} skipped: it disconnected again", host_id);
    return;
  }
  enum class Skip { kNone, kAlwaysOn, kBusy };
  struct Outcome {
    Skip skip = Skip::kNone;
    std::vector<std::string> job_ids;
  };
  const TimePoint now = ctx_.Now();
  auto outcome = ctx_.store.Write([&](store::WriteTx& tx) -> Result<Outcome> {
    Outcome out;
    auto host = tx.GetHost(host_id);
    if (!host) return host.error();
    if (host->always_on) {
      out.skip = Skip::kAlwaysOn;
      return out;
    }
    auto active = HeldJobs(tx, host_id, ctx_.watch.AgentRunning(host_id));
    if (!active) return active.error();
    if (!active->empty()) {
      out.skip = Skip::kBusy;
      return out;
    }
    auto schedules = tx.ListSchedulesByHost(host_id);
    if (!schedules) return schedules.error();
    auto states = tx.ListScheduleGroupStates(host_id);
    if (!states) return states.error();
    std::map<std::pair<std::string, std::string>, store::ScheduleGroupState> state_of;
    for (const auto& state : *states) state_of[{state.schedule_id, state.source_group_id}] = state;
    auto queued = JobsIn(tx, host_id, JobStatus::kQueued);
    if (!queued) return queued.error();

    for (const auto& schedule : *schedules) {
      if (!schedule.enabled || schedule.kind != store::JobKind::kBackup) continue;
      auto cron = cron::ParseCron(schedule.cron);
      auto zone = cron::Location::Load(schedule.timezone);
      if (!cron || !zone) {
        Log()->warn("catch-up: schedule {} has an unusable cron or zone; never dispatched", schedule.id);
        continue;
      }
      auto last_fire = cron->LastFireAtOrBefore(std::chrono::floor<std::chrono::seconds>(now), *zone);
      if (!last_fire) continue;
      // Overdue per schedule × group: never succeeded, or not since the last expected fire.
      std::vector<std::string> made;
      for (auto& job : JobsForSchedule(schedule, store::ActorKind::kCatchup, schedule.id, *last_fire)) {
        const std::string group = job.source_group_id.value_or("");
        auto state = state_of.find({schedule.id, group});
        const bool known = state != state_of.end();
        if (known && state->second.last_success_at && *state->second.last_success_at >= *last_fire) continue;
        const bool waiting = std::any_of(queued->begin(), queued->end(), [&](const store::Job& j) {
          return j.schedule_id == schedule.id && j.source_group_id.value_or("") == group;
        });
        if (waiting) continue;
        auto created = tx.CreateJob(job);
        if (!created && created.error().code != ErrorCode::kConflict) return created.error();
        if (!created) {
          // The slot already had its job. If that (or a later retry) ended
          // without success — interrupted, failed, lost — try again: a retry
          // carries no slot, so it never clashes with the fire's job.
          // An operator's cancel is a decision, not a failure: not re-run.
          const bool last_failed = known && state->second.last_status &&
                                   !(*state->second.last_status == JobStatus::kSucceeded ||
                                     *state->second.last_status == JobStatus::kPartial ||
                                     *state->second.last_status == JobStatus::kCancelled);
          if (!last_failed) continue;
          job.scheduled_at = std::nullopt;
          job.window_slot = *last_fire;  // the retry answers the same window
          created = tx.CreateJob(job);
          if (!created) return created.error();
        }
        made.push_back(created->id);
      }
      if (made.empty()) continue;
      auto logged = tx.AppendAudit(SystemAudit(store::ActorKind::kCatchup, schedule.id, "catchup.dispatch", "host",
                                               host_id,
                                               {{"schedule_id", schedule.id},
                                                {"schedule", schedule.name},
                                                {"scheduled_at", FormatRfc3339Utc(*last_fire)},
                                                {"job_ids", JsonIds(made)}}));
      if (!logged) return logged.error();
      out.job_ids.insert(out.job_ids.end(), made.begin(), made.end());
    }
    return out;
  });
  if (!outcome) {
    Log()->error("catch-up for host {}: {}", host_id, outcome.error().message);
    Arm(host_id);
    return;
  }
  switch (outcome->skip) {
    case Skip::kAlwaysOn:
      Log()->info("catch-up for host {} skipped: it is always-on now", host_id);
      return;
    case Skip::kBusy:
      // Try again after another quiet window rather than never.
      Log()->info("catch-up for host {} postponed: a job is running", host_id);
      Arm(host_id);
      return;
    case Skip::kNone:
      break;
  }
  if (!outcome->job_ids.empty()) {
    Log()->info("catch-up for host {}: {} overdue backup(s) queued", host_id, outcome->job_ids.size());
    ctx_.publish.Jobs(outcome->job_ids);
  }
  if (!dispatcher_.DispatchReady(host_id)) Arm(host_id);
}

}  // namespace rmgr::server::scheduling

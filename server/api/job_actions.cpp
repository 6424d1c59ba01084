#include "server/api/job_actions.h"

#include "server/scheduling/schedule_jobs.h"

namespace rmgr::server::api {

Result<std::vector<store::Job>> QueueScheduleRun(store::WriteTx& tx, const store::Schedule& schedule,
                                                 const Principal& caller) {
  std::vector<store::Job> made;
  for (const auto& job : scheduling::JobsForSchedule(schedule, caller.actor_kind, caller.actor_id, {})) {
    auto created = tx.CreateJob(job);
    if (!created) return created.error();
    made.push_back(std::move(*created));
  }
  return made;
}

Result<CancelOutcome> CancelJobInTx(store::WriteTx& tx, const std::string& id, TimePoint now) {
  auto job = tx.GetJob(id);
  if (!job) return job.error();
  if (store::IsTerminal(job->status)) {
    return MakeError(ErrorCode::kConflict,
                     "the job already finished as " + std::string(ToString(job->status)), "status");
  }
  if (job->status == store::JobStatus::kQueued) {
    store::JobResult result;
    result.status = store::JobStatus::kCancelled;
    result.error = "cancelled before it was dispatched";
    result.error_kind = store::ErrorKind::kCancelled;
    auto finished = tx.FinishJob(id, result);
    if (!finished) return finished.error();
    return CancelOutcome{std::move(finished->job), true};
  }
  if (auto kept = tx.RequestJobCancel(id, now); !kept) return kept.error();
  return CancelOutcome{std::move(*job), false};
}

}  // namespace rmgr::server::api

#include "server/scheduling/job_queries.h"

#include <algorithm>

namespace rmgr::server::scheduling {

using store::JobStatus;

Result<std::vector<store::Job>> JobsIn(store::ReadTx& tx, const std::optional<std::string>& host_id,
                                       JobStatus status) {
  std::vector<store::Job> jobs;
  store::JobFilter filter{host_id, status, std::nullopt};
  store::PageRequest page{"", store::kMaxPageLimit};
  for (;;) {
    auto got = tx.ListJobs(filter, page);
    if (!got) return got.error();
    jobs.insert(jobs.end(), got->items.begin(), got->items.end());
    if (got->next_cursor.empty()) break;
    page.cursor = got->next_cursor;
  }
  std::reverse(jobs.begin(), jobs.end());  // ListJobs is newest first
  return jobs;
}

Result<std::vector<store::Job>> ActiveJobs(store::ReadTx& tx, const std::string& host_id) {
  auto dispatched = JobsIn(tx, host_id, JobStatus::kDispatched);
  if (!dispatched) return dispatched;
  auto running = JobsIn(tx, host_id, JobStatus::kRunning);
  if (!running) return running;
  dispatched->insert(dispatched->end(), running->begin(), running->end());
  return dispatched;
}

Result<std::vector<store::Job>> HeldJobs(store::ReadTx& tx, const std::string& host_id,
                                         const std::set<std::string>& agent_running) {
  auto held = ActiveJobs(tx, host_id);
  if (!held) return held;
  if (auto added = AddGivenUpButRunning(tx, host_id, agent_running, *held); !added) return added.error();
  return held;
}

Result<void> AddGivenUpButRunning(store::ReadTx& tx, const std::string& host_id,
                                  const std::set<std::string>& agent_running, std::vector<store::Job>& held) {
  for (const auto& id : agent_running) {
    if (std::any_of(held.begin(), held.end(), [&](const store::Job& j) { return j.id == id; })) continue;
    auto job = tx.GetJob(id);
    if (!job) {
      if (job.error().code == ErrorCode::kNotFound) continue;
      return job.error();
    }
    if (job->host_id != host_id) continue;
    if (job->status == JobStatus::kLost || job->status == JobStatus::kInterrupted)
      held.push_back(std::move(*job));
  }
  return Ok();
}

std::string RepositoryKey(const store::Job& job) { return job.repository_id.value_or(""); }

store::AuditEntry SystemAudit(store::ActorKind kind, std::string actor_id, std::string action,
                              std::string target_kind, std::string target_id, boost::json::object detail) {
  store::AuditEntry entry;
  entry.actor_kind = kind;
  entry.actor_id = std::move(actor_id);
  entry.action = std::move(action);
  entry.target_kind = std::move(target_kind);
  entry.target_id = std::move(target_id);
  entry.detail_json = boost::json::serialize(detail);
  return entry;
}

store::JobResult ServerVerdict(JobStatus status, std::string error, store::ErrorKind kind) {
  store::JobResult result;
  result.status = status;
  result.error = std::move(error);
  result.error_kind = kind;
  return result;
}

Result<void> MarkLost(store::WriteTx& tx, const store::Job& job, std::string error, boost::json::object detail) {
  auto finished = tx.FinishJob(job.id, ServerVerdict(JobStatus::kLost, std::move(error), store::ErrorKind::kLost));
  if (!finished) return finished.error();
  detail["host_id"] = job.host_id;
  auto logged = tx.AppendAudit(SystemAudit(store::ActorKind::kSystem, "", "job.lost", "job", job.id, std::move(detail)));
  if (!logged) return logged.error();
  return Ok();
}

Result<std::vector<std::string>> CreateJobs(store::WriteTx& tx, const std::vector<store::NewJob>& jobs) {
  std::vector<std::string> ids;
  for (const auto& job : jobs) {
    auto created = tx.CreateJob(job);
    if (created) {
      ids.push_back(created->id);
    } else if (created.error().code != ErrorCode::kConflict) {
      return created.error();
    }
  }
  return ids;
}

boost::json::array JsonIds(const std::vector<std::string>& ids) {
  boost::json::array out;
  for (const auto& id : ids) out.emplace_back(id);
  return out;
}

}  // namespace rmgr::server::scheduling

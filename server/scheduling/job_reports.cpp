#include "server/scheduling/job_reports.h"

#include <set>

#include "common/util/log.h"
#include "server/scheduling/job_queries.h"
#include "server/scheduling/wire_mapping.h"
#include "server/views/json_views.h"

namespace rmgr::server::scheduling {
namespace {

using store::JobStatus;

std::shared_ptr<spdlog::logger> Logs() { return Logger("scheduling"); }

}  // namespace

void JobReports::Started(const ws::AgentIdentity& who, const protocol::JobStarted& started) {
  auto moved = ctx_.store.Write([&](store::WriteTx& tx) -> rmgr::Result<void> {
    auto job = tx.GetJob(started.job_id);
    if (!job) return job.error();
    if (job->host_id != who.host_id) return MakeError(ErrorCode::kPermissionDenied, "not this host's job");
    if (job->status != JobStatus::kDispatched) return Ok();  // a resend, or already finished
    auto running = tx.TransitionJob(job->id, JobStatus::kRunning);
    if (!running) return running.error();
    return Ok();
  });
  if (!moved) {
    Logs()->warn("job.started {} from host {}: {}", started.job_id, who.host_id, moved.error().message);
    return;
  }
  ctx_.watch.NoteWord(started.job_id, ctx_.Now());
  ctx_.publish.Jobs({started.job_id});
}

void JobReports::Progress(const ws::AgentIdentity& who, const protocol::JobProgress& progress) {
  boost::json::object shown = ProgressObject(progress);
  const std::string json = boost::json::serialize(shown);
  auto stored = ctx_.store.Write(
      [&](store::WriteTx& tx) -> rmgr::Result<bool> {
        auto job = tx.GetJob(progress.job_id);
        if (!job) return job.error();
        if (job->host_id != who.host_id) return MakeError(ErrorCode::kPermissionDenied, "not this host's job");
        if (store::IsTerminal(job->status)) return false;  // late progress after the result
        if (auto set = tx.SetJobProgress(job->id, json); !set) return set.error();
        return true;
      },
      store::Durability::kRelaxed);
  if (!stored) {
    Logs()->debug("job.progress {} from host {}: {}", progress.job_id, who.host_id, stored.error().message);
    return;
  }
  if (!*stored) return;
  ctx_.watch.NoteWord(progress.job_id, ctx_.Now());
  ctx_.publish.Raw("job.progress", boost::json::object{{"job_id", progress.job_id},
                                                       {"host_id", who.host_id},
                                                       {"progress", std::move(shown)}});
}

void JobReports::Log(const ws::AgentIdentity& who, const protocol::JobLog& log) {
  const auto lines = ToLogLines(log);
  auto stored = ctx_.store.Write(
      [&](store::WriteTx& tx) -> rmgr::Result<bool> {
        auto job = tx.GetJob(log.job_id);
        if (!job) return job.error();
        if (job->host_id != who.host_id) return MakeError(ErrorCode::kPermissionDenied, "not this host's job");
        if (auto appended = tx.AppendJobLogs(job->id, lines); !appended) return appended.error();
        return !store::IsTerminal(job->status);
      },
      store::Durability::kRelaxed);
  if (!stored) {
    Logs()->warn("job.log {} from host {}: {}", log.job_id, who.host_id, stored.error().message);
    return;
  }
  if (*stored) ctx_.watch.NoteWord(log.job_id, ctx_.Now());
  boost::json::array published;
  for (const auto& line : lines) published.emplace_back(views::JobLogJson(line));
  ctx_.publish.Raw("job.log", boost::json::object{{"job_id", log.job_id},
                                                  {"host_id", who.host_id},
                                                  {"lines", std::move(published)}});
}

void JobReports::Running(const ws::AgentIdentity& who, const protocol::JobsRunning& report) {
  std::set<std::string> running(report.running_job_ids.begin(), report.running_job_ids.end());
  std::set<std::string> known = running;
  known.insert(report.unacked_job_ids.begin(), report.unacked_job_ids.end());
  for (const auto& id : running) ctx_.watch.NoteWord(id, ctx_.Now());
  ctx_.watch.SetAgentRunning(who.host_id, running);
  const TimePoint now = ctx_.Now();
  auto lost = ctx_.store.Write([&](store::WriteTx& tx) -> rmgr::Result<std::vector<std::string>> {
    std::vector<std::string> marked;
    auto active = ActiveJobs(tx, who.host_id);
    if (!active) return active.error();
    for (const auto& job : *active) {
      if (known.count(job.id) != 0) continue;
      if (now - ctx_.watch.LastHeard(job) < kUnlistedGrace) continue;
      auto marked_lost = MarkLost(tx, job, "the agent no longer runs this job and has no result for it",
                                  {{"reason", "not in jobs.running"}});
      if (!marked_lost) return marked_lost.error();
      marked.push_back(job.id);
    }
    return marked;
  });
  if (!lost) {
    Logs()->warn("jobs.running from host {}: {}", who.host_id, lost.error().message);
    return;
  }
  if (lost->empty()) return;
  for (const auto& id : *lost) {
    Logs()->warn("job {} on host {} marked lost: its agent no longer lists it", id, who.host_name);
    ctx_.watch.Forget(id);
  }
  ctx_.publish.Jobs(*lost);
  dispatcher_.DispatchReady(who.host_id);
  dispatcher_.DispatchWaiting({}, who.host_id);  // their leases are released for every host
}

void JobReports::Result(const ws::AgentIdentity& who, std::uint64_t connection_id,
                        const protocol::JobResult& result) {
  const store::JobResult verdict = ToStoreResult(result);
  auto stored = ctx_.store.Write([&](store::WriteTx& tx) -> rmgr::Result<store::FinishOutcome> {
    auto job = tx.GetJob(result.job_id);
    if (!job) return job.error();
    if (job->host_id != who.host_id) return MakeError(ErrorCode::kPermissionDenied, "not this host's job");
    auto finished = tx.FinishJob(job->id, verdict);
    if (!finished || finished->replayed) return finished;
    if (result.snapshot_index && job->repository_id) {
      const std::optional<std::string> maker =
          job->kind == store::JobKind::kBackup ? std::optional(job->host_id) : std::nullopt;
      const auto snapshots = ToSnapshots(*result.snapshot_index, maker);
      if (auto upserted = tx.UpsertSnapshots(*job->repository_id, snapshots); !upserted) return upserted.error();
      if (result.snapshot_index->complete) {
        std::vector<std::string> keep;
        for (const auto& s : snapshots) keep.push_back(s.id);
        if (auto dropped = tx.DeleteSnapshotsExcept(*job->repository_id, keep); !dropped) return dropped.error();
      }
    }
    if (result.stats && job->kind == store::JobKind::kStats && job->repository_id) {
      if (auto added =
              tx.AddRepositoryStats(ToStatsRow(*result.stats, *job->repository_id, job->id,
                                               finished->job.finished_at.value_or(result.finished_at)));
          !added) {
        return added.error();
      }
    }
    return finished;
  });
  bool ack = true;
  bool ours = true;  // false: another host's job, whose pending cancel must survive
  if (stored) {
    if (!stored->replayed) {
      Logs()->info("job {} ({}) on host {} finished {}", result.job_id, store::ToString(stored->job.kind),
                   who.host_name, store::ToString(stored->job.status));
      ctx_.publish.Job(stored->job);
      ctx_.publish.Host(who.host_id);  // its last backup time may have moved
    }
  } else {
    switch (stored.error().code) {
      case ErrorCode::kNotFound:  // deleted with its host or schedule: nothing to keep
      case ErrorCode::kConflict:  // the server already holds a different final word
      case ErrorCode::kPermissionDenied:
        ours = stored.error().code != ErrorCode::kPermissionDenied;
        Logs()->warn("job.result {} from host {} not stored: {}", result.job_id, who.host_id,
                     stored.error().message);
        break;
      default:  // the store could not take it now: no ack, the agent sends it again
        Logs()->error("job.result {} from host {} not stored: {}", result.job_id, who.host_id,
                      stored.error().message);
        ack = false;
    }
  }
  if (!ack) return;
  if (ours) ctx_.watch.Forget(result.job_id);
  ctx_.Send(who.host_id, connection_id, protocol::ResultAck{result.job_id});
  dispatcher_.DispatchReady(who.host_id);
  // The job's lease is released: other hosts' jobs into its repository may start.
  if (stored && !stored->replayed && stored->job.repository_id) {
    dispatcher_.DispatchWaiting({*stored->job.repository_id}, who.host_id);
  }
}

}  // namespace rmgr::server::scheduling

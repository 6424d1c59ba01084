#include "server/agents/agent_controller.h"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <variant>

#include "common/cron/cron_parser.h"
#include "common/util/log.h"
#include "common/util/ulid.h"
#include "server/agents/schedule_jobs.h"
#include "server/api/json_views.h"
#include "server/agents/wire_mapping.h"
#include "server/auth/credentials.h"

namespace rmgr::server::agents {
namespace {

using store::JobStatus;

std::shared_ptr<spdlog::logger> Log() { return Logger("agents"); }

// Every job of the host in `status`, oldest first.
Result<std::vector<store::Job>> JobsIn(store::ReadTx& tx, const std::string& host_id, JobStatus status) {
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

// Jobs that hold their repository: dispatched or running.
Result<std::vector<store::Job>> ActiveJobs(store::ReadTx& tx, const std::string& host_id) {
  auto dispatched = JobsIn(tx, host_id, JobStatus::kDispatched);
  if (!dispatched) return dispatched;
  auto running = JobsIn(tx, host_id, JobStatus::kRunning);
  if (!running) return running;
  dispatched->insert(dispatched->end(), running->begin(), running->end());
  return dispatched;
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

store::JobResult ServerVerdict(JobStatus status, std::string error, std::string kind) {
  store::JobResult result;
  result.status = status;
  result.error = std::move(error);
  result.error_kind = std::move(kind);
  return result;
}

// Creates `jobs`, skipping fire slots that already have one (a re-sent fire).
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

}  // namespace

AgentController::AgentController(boost::asio::io_context& io, store::Store& store, const auth::SecretBox& secrets,
                                 AgentHub& hub, ControllerOptions options)
    : io_(io), store_(store), secrets_(secrets), hub_(hub), options_(std::move(options)) {}

AgentController::~AgentController() { Stop(); }

Result<AgentIdentity> AgentController::Authenticate(std::string_view bearer_token) {
  if (bearer_token.empty()) return MakeError(ErrorCode::kUnauthenticated, "no agent token");
  const std::string hash = auth::HashToken(bearer_token);
  auto host = store_.Read([&](store::ReadTx& tx) { return tx.GetHostByTokenHash(hash); });
  if (!host) {
    if (host.error().code == ErrorCode::kNotFound) {
      return MakeError(ErrorCode::kUnauthenticated, "unknown agent token; enroll the agent again");
    }
    return host.error();
  }
  return AgentIdentity{host->id, host->name};
}

void AgentController::Start() { ArmSweep(); }

void AgentController::Stop() {
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    for (auto& [host, timer] : catchup_) timer->cancel();
    catchup_.clear();
    if (sweep_) sweep_->cancel();
  }
  FailBrowses("", MakeError(ErrorCode::kUnavailable, "the server is stopping"));
}

// ------------------------------------------------------------------ links

void AgentController::OnAgentConnected(const AgentIdentity& who, std::uint64_t connection_id,
                                       const std::string& remote_address) {
  {
    std::lock_guard lock(mu_);
    links_[who.host_id] = Link{connection_id, false, options_.now()};
  }
  Log()->info("agent of host {} ({}) connected from {}", who.host_name, who.host_id, remote_address);
  store::HostStatus status;
  status.connected = true;
  status.seen_at = options_.now();
  auto noted = store_.Write([&](store::WriteTx& tx) { return tx.UpdateHostStatus(who.host_id, status); },
                            store::Durability::kRelaxed);
  if (!noted) Log()->warn("cannot mark host {} connected: {}", who.host_id, noted.error().message);
  PublishHost(who.host_id);
}

void AgentController::OnAgentDisconnected(const AgentIdentity& who, std::uint64_t connection_id) {
  {
    std::lock_guard lock(mu_);
    auto link = links_.find(who.host_id);
    // A replaced connection's goodbye must not unlink its successor.
    if (link == links_.end() || link->second.connection_id != connection_id) return;
    links_.erase(link);
  }
  Log()->info("agent of host {} ({}) disconnected", who.host_name, who.host_id);
  store::HostStatus status;
  status.connected = false;
  status.seen_at = options_.now();
  auto noted = store_.Write([&](store::WriteTx& tx) { return tx.UpdateHostStatus(who.host_id, status); },
                            store::Durability::kRelaxed);
  if (!noted) Log()->warn("cannot mark host {} disconnected: {}", who.host_id, noted.error().message);
  FailBrowses(who.host_id, MakeError(ErrorCode::kConflict, "the host's agent disconnected before it answered"));
  PublishHost(who.host_id);
}

std::optional<std::uint64_t> AgentController::ReadyConnection(const std::string& host_id) {
  std::lock_guard lock(mu_);
  auto link = links_.find(host_id);
  if (stopped_ || link == links_.end() || !link->second.ready) return std::nullopt;
  return link->second.connection_id;
}

bool AgentController::IsCurrent(const std::string& host_id, std::uint64_t connection_id) {
  std::lock_guard lock(mu_);
  auto link = links_.find(host_id);
  return link != links_.end() && link->second.connection_id == connection_id;
}

bool AgentController::Send(const std::string& host_id, std::uint64_t connection_id, protocol::Payload payload) {
  return hub_.SendOn(host_id, connection_id, protocol::Envelope{"", std::move(payload)});
}

void AgentController::NoteWord(const std::string& job_id) {
  std::lock_guard lock(mu_);
  last_word_[job_id] = options_.now();
}

void AgentController::Forget(const std::string& job_id) {
  std::lock_guard lock(mu_);
  last_word_.erase(job_id);
  cancels_.erase(job_id);
}

// --------------------------------------------------------------- messages

void AgentController::OnAgentMessage(const AgentIdentity& who, std::uint64_t connection_id,
                                     protocol::Envelope envelope) {
  if (!IsCurrent(who.host_id, connection_id)) return;  // a replaced connection's last words
  if (const auto* hello = std::get_if<protocol::Hello>(&envelope.payload)) {
    HandleHello(who, connection_id, *hello);
    return;
  }
  if (!ReadyConnection(who.host_id)) {
    Log()->warn("host {} sent {} before hello; ignored", who.host_id, protocol::TypeName(envelope.payload));
    return;
  }
  std::visit(
      [&](const auto& payload) {
        using T = std::decay_t<decltype(payload)>;
        if constexpr (std::is_same_v<T, protocol::ScheduleAck>) {
          HandleAck(who, payload);
        } else if constexpr (std::is_same_v<T, protocol::ScheduleFire>) {
          HandleFire(who, payload);
        } else if constexpr (std::is_same_v<T, protocol::JobStarted>) {
          HandleStarted(who, payload);
        } else if constexpr (std::is_same_v<T, protocol::JobProgress>) {
          HandleProgress(who, payload);
        } else if constexpr (std::is_same_v<T, protocol::JobLog>) {
          HandleLog(who, payload);
        } else if constexpr (std::is_same_v<T, protocol::JobResult>) {
          HandleResult(who, connection_id, payload);
        } else if constexpr (std::is_same_v<T, protocol::BrowseResult>) {
          if (auto waiter = TakeBrowse(payload.request_id, who.host_id)) {
            waiter->done(payload);
          } else {
            Log()->debug("host {} answered browse request {} (no waiter: timed out)", who.host_id, payload.request_id);
          }
        } else {
          Log()->warn("host {} sent {}, which only the server sends; ignored", who.host_id, T::kType);
        }
      },
      envelope.payload);
}

void AgentController::HandleHello(const AgentIdentity& who, std::uint64_t connection_id,
                                  const protocol::Hello& hello) {
  TimePoint connected_at;
  {
    std::lock_guard lock(mu_);
    auto link = links_.find(who.host_id);
    if (link == links_.end() || link->second.connection_id != connection_id) return;  // replaced meanwhile
    connected_at = link->second.connected_at;
  }
  const std::set<std::string> running(hello.running_job_ids.begin(), hello.running_job_ids.end());
  store::HostStatus status;
  status.hostname = hello.hostname;
  status.os = hello.os;
  status.arch = hello.arch;
  status.agent_version = hello.agent_version;
  status.restic_version = hello.restic_version;
  status.connected = true;
  status.seen_at = options_.now();

  // Jobs the server thinks are on the agent but the agent does not report:
  // it restarted or never got them. Only those dispatched before this
  // connection opened — a job dispatched since was sent on it.
  struct Reconciled {
    store::Host host;
    std::vector<std::string> interrupted;
    std::vector<std::string> unknown;  // running on the agent, unknown or finished here
  };
  auto reconciled = store_.Write([&](store::WriteTx& tx) -> Result<Reconciled> {
    if (auto updated = tx.UpdateHostStatus(who.host_id, status); !updated) return updated.error();
    auto host = tx.GetHost(who.host_id);
    if (!host) return host.error();
    Reconciled out{std::move(*host), {}, {}};
    auto active = ActiveJobs(tx, who.host_id);
    if (!active) return active.error();
    for (const auto& job : *active) {
      if (running.count(job.id) != 0) continue;
      if (job.dispatched_at && *job.dispatched_at > connected_at) continue;
      auto finished = tx.FinishJob(
          job.id, ServerVerdict(JobStatus::kInterrupted,
                                "the agent reconnected without this job (it restarted or never received it)",
                                "interrupted"));
      if (!finished) return finished.error();
      out.interrupted.push_back(job.id);
    }
    for (const auto& id : running) {
      auto job = tx.GetJob(id);
      if (!job && job.error().code != ErrorCode::kNotFound) return job.error();
      if (!job || job->host_id != who.host_id) out.unknown.push_back(id);
    }
    return out;
  });
  if (!reconciled) {
    Log()->error("hello from host {}: {}", who.host_id, reconciled.error().message);
    return;
  }
  for (const auto& id : reconciled->interrupted) {
    Log()->warn("job {} on host {} marked interrupted: the agent no longer runs it", id, who.host_name);
    Forget(id);
  }
  PublishHost(reconciled->host);
  PublishJobs(reconciled->interrupted);

  Send(who.host_id, connection_id, protocol::HelloOk{who.host_id, options_.now()});
  {
    std::lock_guard lock(mu_);
    auto link = links_.find(who.host_id);
    if (link == links_.end() || link->second.connection_id != connection_id) return;  // replaced meanwhile
    link->second.ready = true;
  }
  PushSchedules(who.host_id);
  // A job the server does not know (or that is another host's) must not run
  // on: stop it. A job the server already gave up on (lost, interrupted) runs
  // on — its real result replaces the guess. Cancels asked for while the
  // agent was away are delivered now.
  std::vector<std::string> cancels = reconciled->unknown;
  {
    std::lock_guard lock(mu_);
    for (const auto& id : running) {
      if (cancels_.count(id) != 0) cancels.push_back(id);
    }
  }
  for (const auto& id : cancels) Send(who.host_id, connection_id, protocol::CommandCancel{id});
  DispatchReady(who.host_id);
  if (!reconciled->host.always_on) ArmCatchup(who.host_id);
}

void AgentController::HandleAck(const AgentIdentity& who, const protocol::ScheduleAck& ack) {
  auto recorded = store_.Write(
      [&](store::WriteTx& tx) { return tx.SetHostAppliedScheduleVersion(who.host_id, ack.version, ack.applied_at); });
  if (!recorded) {
    Log()->warn("schedule.ack {} from host {} ignored: {}", ack.version, who.host_id, recorded.error().message);
    return;
  }
  Log()->debug("host {} applied schedule version {}", who.host_id, ack.version);
  PublishHost(who.host_id);
}

void AgentController::HandleFire(const AgentIdentity& who, const protocol::ScheduleFire& fire) {
  struct Outcome {
    std::vector<std::string> job_ids;
    bool pending = false;
    bool refused = false;
  };
  const TimePoint slot = fire.scheduled_at;
  auto outcome = store_.Write([&](store::WriteTx& tx) -> Result<Outcome> {
    Outcome out;
    auto schedule = tx.GetSchedule(who.host_id, fire.schedule_id);
    if (!schedule) {
      if (schedule.error().code != ErrorCode::kNotFound) return schedule.error();
      Log()->warn("host {} fired schedule {}, which is not one of its schedules; ignored", who.host_id,
                  fire.schedule_id);
      out.refused = true;
      return out;
    }
    if (!schedule->enabled) {
      Log()->info("host {} fired disabled schedule {}; ignored", who.host_id, schedule->name);
      out.refused = true;
      return out;
    }
    auto active = ActiveJobs(tx, who.host_id);
    if (!active) return active.error();
    auto queued = JobsIn(tx, who.host_id, JobStatus::kQueued);
    if (!queued) return queued.error();
    auto same_slot = [&](const store::Job& j) { return j.schedule_id == schedule->id && j.scheduled_at == slot; };
    if (std::any_of(active->begin(), active->end(), same_slot) ||
        std::any_of(queued->begin(), queued->end(), same_slot)) {
      return out;  // a re-sent fire whose jobs are still under way
    }
    const bool busy = std::any_of(active->begin(), active->end(),
                                  [&](const store::Job& j) { return RepositoryKey(j) == schedule->repository_id; }) ||
                      std::any_of(queued->begin(), queued->end(),
                                  [&](const store::Job& j) { return RepositoryKey(j) == schedule->repository_id; });
    boost::json::object detail{{"schedule", schedule->name}, {"scheduled_at", FormatRfc3339Utc(slot)}};
    if (busy) {
      auto upserted = tx.UpsertPendingRun(store::PendingRun{schedule->id, who.host_id, options_.now(), slot});
      if (!upserted) return upserted.error();
      out.pending = true;
      detail["pending"] = true;
    } else {
      auto ids = CreateJobs(tx, JobsForSchedule(*schedule, store::ActorKind::kSchedule, schedule->id, slot));
      if (!ids) return ids.error();
      out.job_ids = std::move(*ids);
      detail["job_ids"] = JsonIds(out.job_ids);
      if (out.job_ids.empty()) return out;  // a re-sent fire: nothing new, nothing to audit
    }
    auto logged = tx.AppendAudit(
        SystemAudit(store::ActorKind::kSchedule, schedule->id, "schedule.fire", "schedule", schedule->id, detail));
    if (!logged) return logged.error();
    return out;
  });
  if (!outcome) {
    Log()->error("schedule.fire {} from host {}: {}", fire.schedule_id, who.host_id, outcome.error().message);
    return;
  }
  if (outcome->pending) {
    Log()->info("schedule {} fired on busy host {}: pending run for {}", fire.schedule_id, who.host_name,
                FormatRfc3339Utc(slot));
  }
  PublishJobs(outcome->job_ids);
  if (!outcome->job_ids.empty()) DispatchReady(who.host_id);
}

// Only word about the host's own, unfinished jobs keeps a job from being swept as lost.
void AgentController::HandleStarted(const AgentIdentity& who, const protocol::JobStarted& started) {
  auto moved = store_.Write([&](store::WriteTx& tx) -> Result<void> {
    auto job = tx.GetJob(started.job_id);
    if (!job) return job.error();
    if (job->host_id != who.host_id) return MakeError(ErrorCode::kPermissionDenied, "not this host's job");
    if (job->status != JobStatus::kDispatched) return Ok();  // a resend, or already finished
    auto running = tx.TransitionJob(job->id, JobStatus::kRunning);
    if (!running) return running.error();
    return Ok();
  });
  if (!moved) {
    Log()->warn("job.started {} from host {}: {}", started.job_id, who.host_id, moved.error().message);
    return;
  }
  NoteWord(started.job_id);
  PublishJobs({started.job_id});
}

void AgentController::HandleProgress(const AgentIdentity& who, const protocol::JobProgress& progress) {
  boost::json::object shown = ProgressObject(progress);
  const std::string json = boost::json::serialize(shown);
  auto stored = store_.Write(
      [&](store::WriteTx& tx) -> Result<bool> {
        auto job = tx.GetJob(progress.job_id);
        if (!job) return job.error();
        if (job->host_id != who.host_id) return MakeError(ErrorCode::kPermissionDenied, "not this host's job");
        if (store::IsTerminal(job->status)) return false;  // late progress after the result
        if (auto set = tx.SetJobProgress(job->id, json); !set) return set.error();
        return true;
      },
      store::Durability::kRelaxed);
  if (!stored) {
    Log()->debug("job.progress {} from host {}: {}", progress.job_id, who.host_id, stored.error().message);
    return;
  }
  if (!*stored) return;
  NoteWord(progress.job_id);
  options_.events->Publish(events::Event{
      "job.progress",
      boost::json::object{{"job_id", progress.job_id}, {"host_id", who.host_id}, {"progress", std::move(shown)}}});
}

void AgentController::HandleLog(const AgentIdentity& who, const protocol::JobLog& log) {
  const auto lines = ToLogLines(log);
  auto stored = store_.Write(
      [&](store::WriteTx& tx) -> Result<bool> {
        auto job = tx.GetJob(log.job_id);
        if (!job) return job.error();
        if (job->host_id != who.host_id) return MakeError(ErrorCode::kPermissionDenied, "not this host's job");
        if (auto appended = tx.AppendJobLogs(job->id, lines); !appended) return appended.error();
        return !store::IsTerminal(job->status);
      },
      store::Durability::kRelaxed);
  if (!stored) {
    Log()->warn("job.log {} from host {}: {}", log.job_id, who.host_id, stored.error().message);
    return;
  }
  if (*stored) NoteWord(log.job_id);
  boost::json::array published;
  for (const auto& line : lines) published.emplace_back(api::JobLogJson(line));
  options_.events->Publish(events::Event{
      "job.log", boost::json::object{{"job_id", log.job_id}, {"host_id", who.host_id}, {"lines", std::move(published)}}});
}

void AgentController::HandleResult(const AgentIdentity& who, std::uint64_t connection_id,
                                   const protocol::JobResult& result) {
  const store::JobResult verdict = ToStoreResult(result);
  auto stored = store_.Write([&](store::WriteTx& tx) -> Result<store::FinishOutcome> {
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
    return finished;
  });
  bool ack = true;
  bool ours = true;  // false: another host's job, whose pending cancel must survive
  if (stored) {
    if (!stored->replayed) {
      Log()->info("job {} ({}) on host {} finished {}", result.job_id, store::ToString(stored->job.kind),
                  who.host_name, store::ToString(stored->job.status));
      PublishJob(stored->job);
      PublishHost(who.host_id);  // its last backup time may have moved
    }
  } else {
    switch (stored.error().code) {
      case ErrorCode::kNotFound:  // deleted with its host or schedule: nothing to keep
      case ErrorCode::kConflict:  // the server already holds a different final word
      case ErrorCode::kPermissionDenied:
        ours = stored.error().code != ErrorCode::kPermissionDenied;
        Log()->warn("job.result {} from host {} not stored: {}", result.job_id, who.host_id,
                    stored.error().message);
        break;
      default:  // the store could not take it now: no ack, the agent resends after reconnecting
        Log()->error("job.result {} from host {} not stored: {}", result.job_id, who.host_id,
                     stored.error().message);
        ack = false;
    }
  }
  if (!ack) return;
  if (ours) Forget(result.job_id);
  Send(who.host_id, connection_id, protocol::ResultAck{result.job_id});
  DispatchReady(who.host_id);
}

// --------------------------------------------------------------- pushing

void AgentController::PushSchedules(const std::string& host_id) {
  auto connection = ReadyConnection(host_id);
  if (!connection) return;  // pushed right after the next hello
  auto set = store_.Read([&](store::ReadTx& tx) { return BuildScheduleSet(tx, host_id); });
  if (!set) {
    Log()->error("schedule set of host {}: {}", host_id, set.error().message);
    return;
  }
  const int64_t version = set->version;
  if (Send(host_id, *connection, std::move(*set))) {
    Log()->debug("pushed schedule version {} to host {}", version, host_id);
  }
}

bool AgentController::DispatchReady(const std::string& host_id) {
  auto connection = ReadyConnection(host_id);
  if (!connection) return true;  // nothing is dispatched to an absent agent

  std::vector<std::string> changed;  // every job this dispatch moved or created
  auto dispatched = store_.Write([&](store::WriteTx& tx) -> Result<std::vector<Dispatched>> {
    std::vector<Dispatched> out;
    changed.clear();
    std::set<std::string> busy;
    auto active = ActiveJobs(tx, host_id);
    if (!active) return active.error();
    for (const auto& job : *active) busy.insert(RepositoryKey(job));

    // A queued job starts when its repository is free; one that can never
    // run (its repository or group is gone) fails here with the reason.
    auto start = [&](const store::Job& job) -> Result<void> {
      auto command = BuildCommandRun(tx, job, secrets_);
      if (!command) {
        auto failed = tx.FinishJob(job.id, ServerVerdict(JobStatus::kFailed, command.error().message, "other"));
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

    // Pending runs start once their repository has nothing running or queued.
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
  PublishJobs(changed);
  bool all_sent = true;
  for (auto& job : *dispatched) {
    NoteWord(job.job_id);
    if (!Send(host_id, *connection, std::move(job.command))) {
      // The connection went away: the next hello reconciles the job.
      Log()->warn("command.run {} could not be sent to host {}", job.job_id, host_id);
      all_sent = false;
    }
  }
  return all_sent;
}

// --------------------------------------------------------------- catch-up

void AgentController::ArmCatchup(const std::string& host_id) {
  std::lock_guard lock(mu_);
  if (stopped_) return;
  auto& timer = catchup_[host_id];
  if (timer) timer->cancel();  // flapping re-arms; it never stacks
  timer = std::make_unique<boost::asio::steady_timer>(io_, options_.catchup_settle);
  boost::asio::steady_timer* armed = timer.get();
  timer->async_wait([this, host_id, armed](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: re-armed or stopped
    {
      std::lock_guard fired_lock(mu_);
      auto current = catchup_.find(host_id);
      if (current == catchup_.end() || current->second.get() != armed) return;
      // Keep the timer object alive until this handler returns; drop it after.
      boost::asio::post(io_, [this, host_id, armed] {
        std::lock_guard erase_lock(mu_);
        auto done = catchup_.find(host_id);
        if (done != catchup_.end() && done->second.get() == armed) catchup_.erase(done);
      });
    }
    RunCatchup(host_id);
  });
}

void AgentController::RunCatchup(const std::string& host_id) {
  if (!ReadyConnection(host_id)) {
    Log()->info("catch-up for host {} skipped: it disconnected again", host_id);
    return;
  }
  enum class Skip { kNone, kAlwaysOn, kBusy };
  struct Outcome {
    Skip skip = Skip::kNone;
    std::vector<std::string> job_ids;
  };
  const TimePoint now = options_.now();
  auto outcome = store_.Write([&](store::WriteTx& tx) -> Result<Outcome> {
    Outcome out;
    auto host = tx.GetHost(host_id);
    if (!host) return host.error();
    if (host->always_on) {
      out.skip = Skip::kAlwaysOn;
      return out;
    }
    auto active = ActiveJobs(tx, host_id);
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
          const bool last_failed = known && state->second.last_status &&
                                   !(*state->second.last_status == JobStatus::kSucceeded ||
                                     *state->second.last_status == JobStatus::kPartial);
          if (!last_failed) continue;
          job.scheduled_at = std::nullopt;
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
    ArmCatchup(host_id);
    return;
  }
  switch (outcome->skip) {
    case Skip::kAlwaysOn:
      Log()->info("catch-up for host {} skipped: it is always-on now", host_id);
      return;
    case Skip::kBusy:
      // Try again after another quiet window rather than never.
      Log()->info("catch-up for host {} postponed: a job is running", host_id);
      ArmCatchup(host_id);
      return;
    case Skip::kNone:
      break;
  }
  if (!outcome->job_ids.empty()) {
    Log()->info("catch-up for host {}: {} overdue backup(s) queued", host_id, outcome->job_ids.size());
    PublishJobs(outcome->job_ids);
  }
  if (!DispatchReady(host_id)) ArmCatchup(host_id);
}

// ------------------------------------------------------------ lost sweep

void AgentController::ArmSweep() {
  std::lock_guard lock(mu_);
  if (stopped_) return;
  if (!sweep_) sweep_ = std::make_unique<boost::asio::steady_timer>(io_);
  sweep_->expires_after(options_.sweep_interval);
  sweep_->async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    SweepLostJobs();
    ArmSweep();
  });
}

int AgentController::SweepLostJobs() {
  const TimePoint now = options_.now();
  std::map<std::string, TimePoint, std::less<>> last_word;
  std::map<std::string, bool, std::less<>> connected;  // host id → ready link
  {
    std::lock_guard lock(mu_);
    last_word = last_word_;
    for (const auto& [host, link] : links_) connected[host] = link.ready;
  }
  // Connected hosts were heard from (the hub drops silent ones): note it.
  for (const auto& [host, ready] : connected) {
    store::HostStatus status;
    status.seen_at = now;
    auto seen = store_.Write([&](store::WriteTx& tx) { return tx.UpdateHostStatus(host, status); },
                             store::Durability::kRelaxed);
    if (!seen && seen.error().code != ErrorCode::kNotFound) {
      Log()->warn("cannot note host {} as seen: {}", host, seen.error().message);
    }
  }

  auto lost = store_.Write([&](store::WriteTx& tx) -> Result<std::vector<store::Job>> {
    std::vector<store::Job> candidates;
    for (JobStatus status : {JobStatus::kDispatched, JobStatus::kRunning}) {
      store::PageRequest page{"", store::kMaxPageLimit};
      for (;;) {
        auto got = tx.ListJobs(store::JobFilter{std::nullopt, status, std::nullopt}, page);
        if (!got) return got.error();
        candidates.insert(candidates.end(), got->items.begin(), got->items.end());
        if (got->next_cursor.empty()) break;
        page.cursor = got->next_cursor;
      }
    }
    std::vector<store::Job> marked;
    for (const auto& job : candidates) {
      // A running job on a connected agent is accounted for: the agent
      // listed it in its hello or started it on this connection.
      if (auto link = connected.find(job.host_id);
          job.status == JobStatus::kRunning && link != connected.end() && link->second) {
        continue;
      }
      TimePoint heard = job.started_at.value_or(job.dispatched_at.value_or(job.created_at));
      if (auto word = last_word.find(job.id); word != last_word.end()) heard = std::max(heard, word->second);
      if (now - heard < options_.lost_after) continue;
      const auto silent = std::chrono::duration_cast<std::chrono::seconds>(now - heard).count();
      auto finished = tx.FinishJob(
          job.id, ServerVerdict(JobStatus::kLost, "no word from the agent for " + std::to_string(silent) + " s", "lost"));
      if (!finished) return finished.error();
      auto logged = tx.AppendAudit(SystemAudit(store::ActorKind::kSystem, "", "job.lost", "job", job.id,
                                               {{"host_id", job.host_id}, {"silent_seconds", silent}}));
      if (!logged) return logged.error();
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
    Forget(job.id);
    hosts.insert(job.host_id);
    ids.push_back(job.id);
  }
  PublishJobs(ids);
  for (const auto& host : hosts) DispatchReady(host);
  return static_cast<int>(lost->size());
}

// ---------------------------------------------------------- REST notices

void AgentController::SchedulesChanged(const std::string& host_id) {
  boost::asio::post(io_, [this, host_id] { PushSchedules(host_id); });
}

void AgentController::JobsQueued(const std::string& host_id) {
  boost::asio::post(io_, [this, host_id] { DispatchReady(host_id); });
}

void AgentController::CancelRequested(const std::string& host_id, const std::string& job_id) {
  {
    std::lock_guard lock(mu_);
    cancels_.insert(job_id);
  }
  boost::asio::post(io_, [this, host_id, job_id] {
    auto connection = ReadyConnection(host_id);
    if (!connection) return;  // delivered after the next hello
    Send(host_id, *connection, protocol::CommandCancel{job_id});
  });
}

}  // namespace rmgr::server::agents

namespace rmgr::server::agents {

// ----------------------------------------------------------------- browse

void AgentController::Browse(api::BrowseQuery query, api::BrowseDone done) {
  auto connection = ReadyConnection(query.host_id);
  if (!connection) {
    done(MakeError(ErrorCode::kConflict, "the host is offline: its agent must be connected to list a snapshot"));
    return;
  }
  const std::string request_id = NewUlid(options_.now());
  auto request = store_.Read([&](store::ReadTx& tx) {
    return BuildBrowseRequest(tx, request_id, query.repository_id, query.snapshot_id, query.path, secrets_);
  });
  if (!request) {
    done(request.error());
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (stopped_) {
      // Answered outside the lock, below.
      request = MakeError(ErrorCode::kUnavailable, "the server is stopping");
    } else {
      auto timer = std::make_unique<boost::asio::steady_timer>(io_, options_.browse_timeout);
      const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(options_.browse_timeout).count();
      timer->async_wait([this, request_id, seconds](const boost::system::error_code& ec) {
        if (ec) return;  // answered, or stopped
        if (auto waiter = TakeBrowse(request_id)) {
          Log()->warn("browse request {} to host {}: no answer within {} s", request_id, waiter->host_id, seconds);
          waiter->done(MakeError(ErrorCode::kUnavailable,
                                 "the agent did not answer within " + std::to_string(seconds) + " s"));
        }
      });
      browses_.emplace(request_id, BrowseWaiter{query.host_id, std::move(done), std::move(timer)});
    }
  }
  if (!request) {
    done(request.error());
    return;
  }
  if (!Send(query.host_id, *connection, std::move(*request))) {
    if (auto waiter = TakeBrowse(request_id)) {
      waiter->done(MakeError(ErrorCode::kConflict, "the host's agent disconnected before it answered"));
    }
  }
}

std::optional<AgentController::BrowseWaiter> AgentController::TakeBrowse(const std::string& request_id,
                                                                         const std::string& host_id) {
  std::lock_guard lock(mu_);
  auto it = browses_.find(request_id);
  if (it == browses_.end()) return std::nullopt;
  if (!host_id.empty() && it->second.host_id != host_id) return std::nullopt;  // another host's answer
  BrowseWaiter waiter = std::move(it->second);
  browses_.erase(it);
  waiter.timer->cancel();
  return waiter;
}

void AgentController::FailBrowses(const std::string& host_id, const Error& error) {
  std::vector<BrowseWaiter> failed;
  {
    std::lock_guard lock(mu_);
    for (auto it = browses_.begin(); it != browses_.end();) {
      if (host_id.empty() || it->second.host_id == host_id) {
        it->second.timer->cancel();
        failed.push_back(std::move(it->second));
        it = browses_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& waiter : failed) waiter.done(error);
}

// ------------------------------------------------------------- publishing

void AgentController::PublishHost(const store::Host& host) {
  options_.events->Publish(events::Event{"host", api::HostJson(host)});
}

void AgentController::PublishHost(const std::string& host_id) {
  auto host = store_.Read([&](store::ReadTx& tx) { return tx.GetHost(host_id); });
  if (host) PublishHost(*host);
}

void AgentController::PublishJob(const store::Job& job) {
  options_.events->Publish(events::Event{"job", api::JobJson(job)});
}

void AgentController::PublishJobs(const std::vector<std::string>& job_ids) {
  if (job_ids.empty()) return;
  auto jobs = store_.Read([&](store::ReadTx& tx) -> Result<std::vector<store::Job>> {
    std::vector<store::Job> out;
    for (const auto& id : job_ids) {
      auto job = tx.GetJob(id);
      if (job) out.push_back(std::move(*job));
    }
    return out;
  });
  if (!jobs) return;
  for (const auto& job : *jobs) PublishJob(job);
}

}  // namespace rmgr::server::agents

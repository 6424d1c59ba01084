#include "server/scheduling/connection_handler.h"

#include <algorithm>
#include <set>

#include "common/protocol/close_codes.h"
#include "common/util/log.h"
#include "server/scheduling/job_queries.h"

namespace rmgr::server::scheduling {
namespace {

using store::JobStatus;

std::shared_ptr<spdlog::logger> Log() {
  return Logger("scheduling");
}

// Whether a result waiting in the agent's outbox may be the job's: its id is
// listed, or the agent did not list them all (an older agent lists none).
bool MayHaveResultFor(const protocol::Hello& hello, const std::string& job_id) {
  if (hello.unacked_results == 0) return false;
  if (!hello.unacked_job_ids || hello.unacked_job_ids->size() < hello.unacked_results) return true;
  return std::find(hello.unacked_job_ids->begin(), hello.unacked_job_ids->end(), job_id) !=
         hello.unacked_job_ids->end();
}

}  // namespace

void ConnectionHandler::Connected(const ws::AgentIdentity& who, std::uint64_t connection_id,
                                  const std::string& remote_address) {
  ctx_.presence.Connect(who.host_id, connection_id, ctx_.Now());
  Log()->info("agent of host {} ({}) connected from {}", who.host_name, who.host_id, remote_address);
  RecordConnected(who.host_id, true);
}

void ConnectionHandler::RecordConnected(const std::string& host_id, bool connected) {
  store::HostStatus status;
  status.connected = connected;
  status.seen_at = ctx_.Now();
  auto noted = ctx_.store.Write([&](store::WriteTx& tx) { return tx.UpdateHostStatus(host_id, status); },
                                store::Durability::kRelaxed);
  if (!noted) {
    Log()->warn("cannot mark host {} {}: {}", host_id, connected ? "connected" : "disconnected",
                noted.error().message);
  }
  ctx_.publish.Host(host_id);
}

void ConnectionHandler::Disconnected(const ws::AgentIdentity& who, std::uint64_t connection_id) {
  // A replaced connection's goodbye must not unlink its successor.
  if (!ctx_.presence.Disconnect(who.host_id, connection_id)) return;
  ctx_.watch.SetAgentRunning(who.host_id, {});
  Log()->info("agent of host {} ({}) disconnected", who.host_name, who.host_id);
  parts_.browse.Fail(who.host_id,
                     MakeError(ErrorCode::kConflict, "the host's agent disconnected before it answered"));
  RecordConnected(who.host_id, false);
}

void ConnectionHandler::Hello(const ws::AgentIdentity& who, std::uint64_t connection_id,
                              const protocol::Hello& hello) {
  auto link = ctx_.presence.Current(who.host_id, connection_id);
  if (!link) return;  // replaced meanwhile
  const TimePoint connected_at = link->connected_at;
  const std::set<std::string> running(hello.running_job_ids.begin(), hello.running_job_ids.end());
  store::HostStatus status;
  status.hostname = hello.hostname;
  status.os = hello.os;
  status.arch = hello.arch;
  status.agent_version = hello.agent_version;
  status.restic_version = hello.restic_version;
  status.connected = true;
  status.seen_at = ctx_.Now();
  // The agent's own policy, shown to operators and checked before a restore
  // is queued (the agent enforces it again itself).
  status.restore_root = hello.restore_root;
  status.restore_anywhere = hello.restore_anywhere;
  if (hello.hook_policy) status.hook_policy = std::string(protocol::ToString(*hello.hook_policy));
  status.hook_allow = hello.hook_allow;

  // Jobs the server thinks are on the agent but the agent does not report:
  // it restarted or never got them. Only those dispatched before this
  // connection opened — a job dispatched since was sent on it. One that
  // never started goes back to the queue (dispatched again below); one
  // that did is interrupted.
  struct Reconciled {
    store::Host host;
    bool duplicate_install = false;  // another installation owns the token: refused
    std::vector<std::string> interrupted;
    std::vector<std::string> requeued;  // dispatched, never received: sent again
    std::vector<std::string> cancels;   // running on the agent: unknown here, another host's, or cancelled
  };
  auto reconciled = ctx_.store.Write([&](store::WriteTx& tx) -> Result<Reconciled> {
    Reconciled out;
    if (hello.install_id) {
      auto binding = tx.BindHostInstall(who.host_id, *hello.install_id, ctx_.Now());
      if (!binding) return binding.error();
      if (*binding == store::InstallBinding::kConflict) {
        auto logged = tx.AppendAudit(
            SystemAudit(store::ActorKind::kSystem, "", "host.duplicate_install", "host", who.host_id,
                        {{"install_id", *hello.install_id}, {"hostname", hello.hostname}}));
        if (!logged) return logged.error();
        auto host = tx.GetHost(who.host_id);
        if (!host) return host.error();
        out.host = std::move(*host);
        out.duplicate_install = true;
        return out;
      }
    }
    if (auto updated = tx.UpdateHostStatus(who.host_id, status); !updated) return updated.error();
    auto host = tx.GetHost(who.host_id);
    if (!host) return host.error();
    out.host = std::move(*host);
    auto active = ActiveJobs(tx, who.host_id);
    if (!active) return active.error();
    for (const auto& job : *active) {
      if (running.count(job.id) != 0) continue;
      if (job.dispatched_at && *job.dispatched_at > connected_at) continue;
      // Never started, and no result in the agent's outbox is its: the
      // command never arrived (or died with the agent before restic ran).
      // Sending it again is the only way its window runs.
      if (job.status == JobStatus::kDispatched && !MayHaveResultFor(hello, job.id)) {
        auto requeued = tx.TransitionJob(job.id, JobStatus::kQueued);
        if (!requeued) return requeued.error();
        out.requeued.push_back(job.id);
        continue;
      }
      auto finished = tx.FinishJob(
          job.id, ServerVerdict(JobStatus::kInterrupted,
                                "the agent reconnected without this job (it restarted or never received it)",
                                store::ErrorKind::kInterrupted));
      if (!finished) return finished.error();
      out.interrupted.push_back(job.id);
    }
    // A job the server does not know (or that is another host's) must not
    // run on: stop it. A job the server already gave up on (lost,
    // interrupted) runs on — its real result replaces the guess — unless an
    // operator asked to cancel it (the request is kept in the store, so it
    // survives a server restart).
    for (const auto& id : running) {
      auto job = tx.GetJob(id);
      if (!job && job.error().code != ErrorCode::kNotFound) return job.error();
      if (!job || job->host_id != who.host_id || job->cancel_requested_at) out.cancels.push_back(id);
    }
    return out;
  });
  if (!reconciled) {
    // Closing makes the agent retry with its backoff instead of waiting on a
    // connection that will never be ready.
    Log()->error("hello from host {}: {}; closing its connection", who.host_id, reconciled.error().message);
    ctx_.sender.Close(who.host_id, connection_id, protocol::kCloseHelloFailed);
    return;
  }
  if (reconciled->duplicate_install) {
    Log()->error("host {} ({}): a second agent installation ({}, hostname {}) uses its token; refused",
                 who.host_name, who.host_id, hello.install_id.value_or(""), hello.hostname);
    ctx_.sender.Close(who.host_id, connection_id, protocol::kCloseDuplicateInstall);
    ctx_.publish.Host(reconciled->host);
    return;
  }
  for (const auto& id : reconciled->interrupted) {
    Log()->warn("job {} on host {} marked interrupted: the agent no longer runs it", id, who.host_name);
    ctx_.watch.Forget(id);
  }
  for (const auto& id : reconciled->requeued) {
    Log()->warn("job {} on host {} queued again: the agent never received it", id, who.host_name);
    ctx_.watch.Forget(id);
  }
  ctx_.watch.SetAgentRunning(who.host_id, running);
  ctx_.publish.Host(reconciled->host);
  ctx_.publish.Jobs(reconciled->interrupted);
  ctx_.publish.Jobs(reconciled->requeued);

  ctx_.Send(who.host_id, connection_id, protocol::HelloOk{who.host_id, ctx_.Now()});
  if (ctx_.options.next_certificate) {
    // Over the connection the agent just verified: it accepts the next certificate before the switch.
    if (auto next = ctx_.options.next_certificate(); !next.empty()) {
      ctx_.Send(who.host_id, connection_id, protocol::TlsNext{std::move(next)});
    }
  }
  if (!ctx_.presence.MarkReady(who.host_id, connection_id)) return;  // replaced meanwhile
  parts_.pusher.Push(who.host_id);
  for (const auto& id : reconciled->cancels)
    ctx_.Send(who.host_id, connection_id, protocol::CommandCancel{id});
  parts_.dispatcher.DispatchReady(who.host_id);
  // Jobs the hello ended released their repositories' leases for other hosts too.
  parts_.dispatcher.DispatchWaiting({}, who.host_id);
  if (!reconciled->host.always_on) parts_.catchup.Arm(who.host_id);
}

}  // namespace rmgr::server::scheduling

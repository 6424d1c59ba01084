#pragma once
// RolloutEngine: moves agent rollouts along (docs/agent-updates.md). The
// store holds every decision (rollouts, rollout_hosts), so a restarted server
// resumes; the engine only reacts:
//
//   Advance (API start/cancel, every tick) → for each running rollout, the
//     current wave is the lowest one with a host pending or updating. Its
//     pending hosts become updating with a deadline; a connected agent gets
//     agent.update now, an offline one at its next hello. A wave whose hosts
//     are all done lets the next one start; no host left → succeeded.
//   hello with the rollout's version from an updating host → done.
//   agent.update.status refused / rolled_back → that host failed /
//     rolled_back; a deadline passing → failed. Any of these stops a running
//     rollout: it is failed, its pending hosts skipped (later waves untouched).
//     Updating hosts of a stopped rollout are still followed to their end.
//   waiting (jobs run on the agent) → the host's deadline starts again.
//   Rollback of the stopped wave: when a rollout fails, its hosts of the
//     stopped wave that are done — and those still updating once they report
//     the new version — become rolling_back: a connected agent gets
//     agent.rollback now (and a deadline), an offline one at its next hello.
//     rolled_back from it → rolled_back; refused or the deadline → failed.
// Rollout outcomes and each rollback decision are audited as the system.
// Thread safety: none; runs on the scheduling thread.

#include <cstdint>
#include <string>

#include "common/protocol/messages.h"
#include "common/util/periodic_task.h"
#include "server/scheduling/scheduling_context.h"
#include "server/ws/agent_hub.h"

namespace rmgr::server::scheduling {

class RolloutEngine {
 public:
  explicit RolloutEngine(SchedulingContext& ctx);

  //! Starts the periodic tick (deadlines, waves).
  void Start() { task_.Start(); }
  //! Stops it.
  void Stop() { task_.Stop(); }
  //! Re-evaluates every rollout with work left.
  void Advance();
  //! An agent said hello (after hello.ok) reporting `agent_version`.
  void Hello(const std::string& host_id, std::uint64_t connection_id, const std::string& agent_version);
  //! An agent reported what became of an agent.update.
  void Status(const ws::AgentIdentity& who, const protocol::AgentUpdateStatus& status);

 private:
  void AdvanceOne(const std::string& rollout_id);
  //! Sends agent.update for `rollout` to the host and notes its version; false when not connected.
  bool SendUpdate(const store::Rollout& rollout, const std::string& host_id, const std::string& from_version);
  //! A host failed: the running rollout stops (failed), its pending hosts are skipped, its done hosts of
  //! the stopped wave roll back.
  void StopRollout(const std::string& rollout_id, const std::string& error);
  //! Sends agent.rollback to a rolling_back host and starts its deadline; false when not connected.
  bool SendRollback(const store::Rollout& rollout, const std::string& host_id);
  //! A host of a failed rollout runs its version: it becomes rolling_back (audited) and is sent
  //! agent.rollback.
  void RollBackHost(const store::Rollout& rollout, const store::RolloutHost& host);
  //! Sends agent.rollback to the connected rolling_back hosts that were not sent it yet.
  void SendDueRollbacks(const store::Rollout& rollout);
  //! A rolling_back host's agent.update.status.
  void RollbackStatus(const store::Rollout& rollout, const store::RolloutHost& host,
                      const protocol::AgentUpdateStatus& status);

  SchedulingContext& ctx_;
  PeriodicTask task_;
};

}  // namespace rmgr::server::scheduling

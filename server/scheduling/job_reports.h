#pragma once
// JobReports: what an agent says about a job it runs. `job.started` moves a
// dispatched job to running; progress and log lines are stored and
// published; `job.result` is stored idempotently by job id (a late real
// result replaces the server's lost/interrupted guess), the snapshot index
// is refreshed, `result.ack` is sent only once it is stored, and the next
// job of the host is dispatched. Only word about the host's own, unfinished
// jobs keeps a job from being swept as lost; the agent's periodic
// jobs.running report finds the jobs it no longer runs (a restic that died,
// a command.run that never arrived) within minutes, while it stays connected.
// Thread safety: none; runs on the scheduling thread.

#include <chrono>
#include <cstdint>

#include "server/scheduling/dispatcher.h"
#include "server/scheduling/scheduling_context.h"
#include "server/ws/agent_hub.h"

namespace rmgr::server::scheduling {

//! job.started / job.progress / job.log / job.result.
class JobReports {
 public:
  //! A job not listed by jobs.running is lost only once it was silent this long
  //! (a command.run still on its way, or a result just sent, is not).
  static constexpr std::chrono::seconds kUnlistedGrace{90};

  JobReports(SchedulingContext& ctx, Dispatcher& dispatcher) : ctx_(ctx), dispatcher_(dispatcher) {}

  //! The job began on the agent.
  void Started(const ws::AgentIdentity& who, const protocol::JobStarted& started);
  //! restic's progress.
  void Progress(const ws::AgentIdentity& who, const protocol::JobProgress& progress);
  //! A batch of log lines.
  void Log(const ws::AgentIdentity& who, const protocol::JobLog& log);
  //! The agent's periodic list of what it runs and what waits in its
  //! outbox: a job the server has as dispatched or running that is in
  //! neither list, and was not heard of for a grace period, is `lost`.
  void Running(const ws::AgentIdentity& who, const protocol::JobsRunning& report);
  //! The final word, answered with result.ack on `connection_id` once stored.
  void Result(const ws::AgentIdentity& who, std::uint64_t connection_id, const protocol::JobResult& result);

 private:
  SchedulingContext& ctx_;
  Dispatcher& dispatcher_;
};

}  // namespace rmgr::server::scheduling

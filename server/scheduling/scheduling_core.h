#pragma once
// SchedulingCore: the server's half of the closed loop (DESIGN.md "Wire
// protocol", "Job kinds and lifecycle"). It hears the agents through the
// hub (ws::AgentEvents) and the REST API through AgentNotifier, and routes
// each message to the part that owns the decision:
//
//   connect / hello / disconnect → ConnectionHandler
//   schedule.ack, schedule pushes → SchedulePusher
//   schedule.fire                → FireHandler → Dispatcher
//   job.started/progress/log/result → JobReports → Dispatcher
//   run now / queued jobs        → Dispatcher
//   settle timers                → Catchup
//   the periodic sweep           → LostSweep
//   browse                       → BrowseBroker
//   agent.update.status, rollouts → RolloutEngine (also told of every hello)
//
// Every decision runs on the core's own scheduling thread, one at a time:
// network threads only enqueue, so a slow store (fsync'd writes) never
// stalls a connection's pings, and the parts need no locks. Agents are
// reached only through ws::CommandSender.
//
// Thread safety: every public member may be called from any thread except
// the scheduling thread itself (SweepLostJobs and Stop wait for it).

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "server/scheduling/agent_notifier.h"
#include "server/scheduling/browse_broker.h"
#include "server/scheduling/catchup.h"
#include "server/scheduling/connection_handler.h"
#include "server/scheduling/dispatcher.h"
#include "server/scheduling/fire_handler.h"
#include "server/scheduling/job_reports.h"
#include "server/scheduling/job_watch.h"
#include "server/scheduling/lost_sweep.h"
#include "server/scheduling/publisher.h"
#include "server/scheduling/rollout_engine.h"
#include "server/scheduling/schedule_pusher.h"
#include "server/scheduling/scheduling_context.h"
#include "server/scheduling/scheduling_options.h"
#include "server/store/store.h"
#include "server/ws/agent_hub.h"
#include "server/ws/command_sender.h"
#include "server/ws/presence.h"

namespace rmgr::server::scheduling {

//! Routes agent messages and API notices to the scheduling parts, on one thread.
class SchedulingCore final : public ws::AgentEvents, public AgentNotifier {
 public:
  //! Starts the scheduling thread; nothing is scheduled until Start.
  SchedulingCore(store::Store& store, const auth::SecretBox& secrets, ws::CommandSender& sender,
                 SchedulingOptions options = {});
  //! Stops and joins the scheduling thread.
  ~SchedulingCore() override;
  SchedulingCore(const SchedulingCore&) = delete;
  SchedulingCore& operator=(const SchedulingCore&) = delete;

  //! Starts the periodic sweep. Call once.
  void Start();
  //! Cancels every timer and fails waiting browses; messages still arriving
  //! (the goodbyes of a stopping hub) are handled. Idempotent; waits.
  void Stop();

  //! Runs the lost-job sweep once, now; returns how many jobs it marked lost. Waits.
  int SweepLostJobs();
  //! Waits until everything enqueued before this call has been handled.
  void Drain();
  //! Agent events and API notices enqueued but not yet handled (for metrics). Any thread.
  std::size_t QueueDepth() const;

  // ws::AgentEvents (from the hub's connection strands: enqueued)
  void OnAgentConnected(const ws::AgentIdentity& who, std::uint64_t connection_id,
                        const std::string& remote_address) override;
  void OnAgentMessage(const ws::AgentIdentity& who, std::uint64_t connection_id,
                      protocol::Envelope envelope) override;
  void OnAgentDisconnected(const ws::AgentIdentity& who, std::uint64_t connection_id) override;

  // AgentNotifier (from the REST API, after commit: enqueued)
  void SchedulesChanged(const std::string& host_id) override;
  void JobsQueued(const std::string& host_id) override;
  void CancelRequested(const std::string& host_id, const std::string& job_id) override;
  void HostDeleted(const std::string& host_id) override;
  void Browse(BrowseQuery query, BrowseDone done) override;
  void RolloutsChanged() override;

 private:
  //! Runs `work` on the scheduling thread.
  template <class F>
  void Post(F&& work);
  //! Runs `work` on the scheduling thread and waits for its value.
  template <class F>
  auto Call(F&& work) -> decltype(work());

  void Route(const ws::AgentIdentity& who, std::uint64_t connection_id, protocol::Envelope envelope);

  // Declared first: destroyed last, after every timer of the parts below.
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::atomic<std::size_t> queued_{0};  // posted through Post, not yet run
  const SchedulingOptions options_;
  ws::Presence presence_;
  JobWatch watch_;
  Publisher publisher_;
  SchedulingContext ctx_;
  Dispatcher dispatcher_;
  SchedulePusher pusher_;
  Catchup catchup_;
  FireHandler fires_;
  JobReports reports_;
  LostSweep sweep_;
  BrowseBroker browse_;
  RolloutEngine rollouts_;
  ConnectionHandler connections_;
  bool stopped_ = false;  // scheduling thread only
  std::thread thread_;    // last: started once everything above exists
};

}  // namespace rmgr::server::scheduling

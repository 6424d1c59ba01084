#pragma once
// AgentController: the server's half of the closed loop (DESIGN.md "Wire
// protocol", "Job kinds and lifecycle"). It reacts to what agents say over
// the AgentHub and to what the REST API changed, and it owns every decision
// about jobs: the agent's cron only says "schedule S fired for slot T".
//
//   hello          → host status, interrupted-job reconciliation, hello.ok,
//                    the full schedule.set, resent cancels, dispatch, and a
//                    catch-up timer for intermittent hosts
//   schedule.ack   → applied version (0 or above canonical: ignored, logged)
//   schedule.fire  → one job per source group (unique per schedule × slot ×
//                    group, so a re-sent fire is a no-op), or one coalesced
//                    pending run when the repository is busy; audited
//   job.*          → running / progress / logs / result (idempotent by job
//                    id; result.ack only once stored), then the next job
//   timers         → catch-up after the settle window; the lost-job sweep
//   browse         → browse.request to the host's agent; its browse.result
//                    (or a timeout, or the host going away) answers the caller
//
// Every change a person watches — a job's state, progress and log lines, a
// host connecting, leaving or applying schedules — is published to the
// EventSink after it committed.
//
// One job per repository per host at a time: dispatch moves a queued job to
// `dispatched` only when no other job of that host and repository is
// dispatched or running, inside one store write transaction (SQLite
// serializes writers, so two dispatchers never both win).
//
// Thread safety: every public member may be called from any thread; hub
// events arrive on connection strands, API notifications are posted to the
// io_context so an HTTP response never waits on an agent.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/protocol/messages.h"
#include "common/util/time_format.h"
#include "server/agents/agent_hub.h"
#include "server/api/api_deps.h"
#include "server/events/event_bus.h"
#include "server/store/store.h"

namespace rmgr::server::auth {
class SecretBox;
}

namespace rmgr::server::agents {

//! Timing of the controller's own decisions.
struct ControllerOptions {
  //! Quiet time after an intermittent host connects before catch-up runs.
  std::chrono::milliseconds catchup_settle{std::chrono::seconds(60)};
  //! A dispatched job (or a running one whose agent is gone) with no word for this long is `lost`.
  std::chrono::milliseconds lost_after{std::chrono::minutes(10)};
  //! How often the lost-job sweep runs (and connected hosts' last_seen is written).
  std::chrono::milliseconds sweep_interval{std::chrono::seconds(30)};
  //! How long a browse request waits for the agent's listing.
  std::chrono::milliseconds browse_timeout{std::chrono::seconds(30)};
  //! Wall clock (tests may pin it; timers still use the steady clock).
  std::function<TimePoint()> now = [] { return Clock::now(); };
  //! Where job, progress, log and host changes are published for the UI; never null.
  events::EventSink* events = &events::NoEvents();
};

class AgentController final : public AgentEvents, public api::AgentNotifier {
 public:
  AgentController(boost::asio::io_context& io, store::Store& store, const auth::SecretBox& secrets, AgentHub& hub,
                  ControllerOptions options = {});
  ~AgentController() override;
  AgentController(const AgentController&) = delete;
  AgentController& operator=(const AgentController&) = delete;

  //! The hub's authenticator: the host whose agent token hashes to `bearer_token`.
  Result<AgentIdentity> Authenticate(std::string_view bearer_token);

  //! Starts the sweep timer. Call once.
  void Start();
  //! Cancels every timer; events after it are ignored. Idempotent.
  void Stop();

  //! Runs the lost-job sweep once, now; returns how many jobs it marked lost.
  int SweepLostJobs();

  // AgentEvents (from the hub)
  void OnAgentConnected(const AgentIdentity& who, std::uint64_t connection_id,
                        const std::string& remote_address) override;
  void OnAgentMessage(const AgentIdentity& who, std::uint64_t connection_id, protocol::Envelope envelope) override;
  void OnAgentDisconnected(const AgentIdentity& who, std::uint64_t connection_id) override;

  // api::AgentNotifier (from the REST API, after commit)
  void SchedulesChanged(const std::string& host_id) override;
  void JobsQueued(const std::string& host_id) override;
  void CancelRequested(const std::string& host_id, const std::string& job_id) override;
  void Browse(api::BrowseQuery query, api::BrowseDone done) override;

 private:
  struct BrowseWaiter {
    std::string host_id;
    api::BrowseDone done;
    std::unique_ptr<boost::asio::steady_timer> timer;
  };
  struct Link {
    std::uint64_t connection_id = 0;
    bool ready = false;       // hello handled: commands may be sent
    TimePoint connected_at;   // jobs dispatched before this were not sent on this connection
  };
  struct Dispatched {
    std::string job_id;
    protocol::CommandRun command;
  };

  void HandleHello(const AgentIdentity& who, std::uint64_t connection_id, const protocol::Hello& hello);
  void HandleAck(const AgentIdentity& who, const protocol::ScheduleAck& ack);
  void HandleFire(const AgentIdentity& who, const protocol::ScheduleFire& fire);
  void HandleStarted(const AgentIdentity& who, const protocol::JobStarted& started);
  void HandleProgress(const AgentIdentity& who, const protocol::JobProgress& progress);
  void HandleLog(const AgentIdentity& who, const protocol::JobLog& log);
  void HandleResult(const AgentIdentity& who, std::uint64_t connection_id, const protocol::JobResult& result);

  //! Sends the host's schedule set on its live connection.
  void PushSchedules(const std::string& host_id);
  //! Dispatches what can start on the host (queued jobs, then pending runs) and sends the commands.
  //! Returns false when a command could not be sent.
  bool DispatchReady(const std::string& host_id);
  //! (Re)arms the host's catch-up timer; an armed one is replaced, never stacked.
  void ArmCatchup(const std::string& host_id);
  //! Runs catch-up for the host (the timer's handler).
  void RunCatchup(const std::string& host_id);
  void ArmSweep();

  //! The live, ready connection of the host, if any.
  std::optional<std::uint64_t> ReadyConnection(const std::string& host_id);
  //! Whether `connection_id` is still the host's live connection.
  bool IsCurrent(const std::string& host_id, std::uint64_t connection_id);
  void NoteWord(const std::string& job_id);
  void Forget(const std::string& job_id);
  bool Send(const std::string& host_id, std::uint64_t connection_id, protocol::Payload payload);
  //! Removes and returns the browse waiter `request_id` of `host_id` (any host when empty).
  std::optional<BrowseWaiter> TakeBrowse(const std::string& request_id, const std::string& host_id = {});
  //! Answers every browse waiter of `host_id` (all when empty) with `error`.
  void FailBrowses(const std::string& host_id, const Error& error);

  // Publishing (after commit; a read failure only costs the live update).
  void PublishHost(const store::Host& host);
  void PublishHost(const std::string& host_id);
  void PublishJob(const store::Job& job);
  void PublishJobs(const std::vector<std::string>& job_ids);

  boost::asio::io_context& io_;
  store::Store& store_;
  const auth::SecretBox& secrets_;
  AgentHub& hub_;
  const ControllerOptions options_;

  std::mutex mu_;  // guards everything below
  bool stopped_ = false;
  std::map<std::string, Link, std::less<>> links_;                                      // host id → live connection
  std::map<std::string, std::unique_ptr<boost::asio::steady_timer>, std::less<>> catchup_;  // host id → armed timer
  std::map<std::string, TimePoint, std::less<>> last_word_;                             // job id → last job.* message
  std::set<std::string, std::less<>> cancels_;                                          // job ids to cancel
  std::unique_ptr<boost::asio::steady_timer> sweep_;
  std::map<std::string, BrowseWaiter, std::less<>> browses_;                           // request id → caller
};

}  // namespace rmgr::server::agents

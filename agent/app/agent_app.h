#pragma once
// AgentApp: the agent's composition root. It wires the WebSocket connection,
// the local cron, the job executor and the result outbox together and owns
// the process's lifecycle:
//
//   server ──schedule.set──▶ LocalScheduler ──▶ FireOutbox (fsync'd) ──schedule.fire──▶ server
//   server ──fire.answer───▶ FireOutbox (the fire is dropped)
//   server ──command.run───▶ JobExecutor ──job.* / job.result──▶ server
//                                  └─▶ Outbox (fsync'd) ──result.ack drops it
//   Redelivery: after hello.ok, both outboxes are sent, unanswered frames again
//   on the same connection (fires every 30 s, results 30 s → 5 min), and a
//   jobs.running report every 60 s.
//
// The last applied schedule set is kept in <state>/schedules.json, so a host
// that starts while the server is unreachable still fires on time (the fires
// wait in the FireOutbox, marked late, and go out after hello.ok), and the
// scheduler's evaluation record in <state>/schedule_record.json, so a slot
// missed while the agent was down fires once when it is back.
//
// Close codes: when the server closes with 4001 (host deleted) or 4002
// (another installation uses this host token) the agent stops its cron, says
// why in an error and Run returns kExitConfig instead of reconnecting.
//
// Updates (agent.update, docs/agent-updates.md): once no job runs, the bundle
// is downloaded, verified against the pinned update key and installed as
// pending; Run then returns kExitUpdate and the supervisor tries it.
//
// Shutdown (SIGTERM/SIGINT): the cron stops, running jobs get
// `shutdown_grace` to finish and are then interrupted (SIGINT to restic),
// their results land in the outbox, then the connection closes.
//
// Thread safety: construct, Init and Run on the main thread; RequestStop from
// any thread. Handler callbacks run on the io_context's threads.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agent/connection/agent_connection.h"
#include "agent/executor/local_policy.h"
#include "common/result.h"

namespace rmgr::agent {

class FireOutbox;
class JobExecutor;
class LocalScheduler;
class Outbox;
class Redelivery;
struct AgentState;

//! What `restic-manager-agent run` is told on its command line.
struct AgentOptions {
  std::filesystem::path state_dir;       ///< agent.json, outbox/, cache/, schedules.json.
  std::string restic_binary = "restic";  ///< restic to run (PATH lookup without '/').
  LocalPolicy policy{};                  ///< Restore root, restore consent, hooks (reported in hello).
                                         ///< An empty restore_root means <state_dir>/restore.
  std::chrono::milliseconds shutdown_grace{30000};  ///< On SIGTERM, how long running jobs may finish.
  std::chrono::milliseconds cancel_grace{30000};    ///< SIGINT → SIGKILL for cancelled jobs.
  std::chrono::milliseconds reconnect_max{60000};   ///< Longest reconnect backoff.
  std::chrono::milliseconds fire_resend{30000};     ///< Unanswered fire → sent again on the connection.
  std::chrono::milliseconds report_every{60000};    ///< jobs.running period.
};

//! Run's exit status after an update was installed: restart into it (agent/update/supervisor.h).
inline constexpr int kExitUpdate = 75;

//! Run's exit status when the server told the agent to stop for good (EX_CONFIG).
inline constexpr int kExitConfig = 78;

class AgentApp final : public ConnectionHandler {
 public:
  explicit AgentApp(AgentOptions options);
  ~AgentApp() override;
  AgentApp(const AgentApp&) = delete;
  AgentApp& operator=(const AgentApp&) = delete;

  //! Loads the state file, opens the outbox, finds restic's version, restores
  //! the last schedule set. Errors name what to fix (e.g. "not enrolled").
  Result<void> Init();

  //! Connects and serves until SIGINT/SIGTERM or RequestStop; returns the exit code.
  int Run();

  //! Asks Run to shut down (see the file comment). Any thread, idempotent.
  void RequestStop();

 private:
  // Waits for the shutdown thread RequestStop started, if any.
  void JoinShutdown();
  // Fills in the default restore root, makes it absolute and creates it.
  Result<void> PrepareRestoreRoot();
  // ConnectionHandler: called by the connection only.
  protocol::Hello MakeHello() override;
  void OnOpen() override;
  void OnMessage(protocol::Envelope envelope) override;
  void OnClosed(std::string_view reason) override;
  void OnRefused(std::uint16_t close_code, std::string_view reason) override;
  void OnPinRotated(std::string_view fingerprint) override;
  //! tls.next from the server: accept that certificate beside the pin.
  void AcceptNextCertificate(const std::string& fingerprint);
  //! Runs `work` on the update thread (updating_ set) unless one is under way or the agent stops.
  bool StartOnUpdateThread(std::function<void()> work);
  //! agent.update: install on the update thread once no job runs, then restart into it.
  void StartUpdate(const protocol::AgentUpdate& update);
  void RunUpdate(protocol::AgentUpdate update);
  //! agent.rollback: once no job runs, hand the supervisor rollback.json and restart into previous.
  void StartRollback(const protocol::AgentRollback& rollback);
  void RunRollback(protocol::AgentRollback rollback);
  //! On the update thread: waits until no job runs, telling the server "waiting" once; false when stopping.
  bool WaitForJobs(const std::string& rollout_id, const std::string& version, const std::string& what);
  //! After hello.ok: reports an update the supervisor rolled back.
  void ReportRolledBackUpdate();

  bool Send(protocol::Payload payload);
  void ApplySchedules(const protocol::ScheduleSet& set, bool from_server);
  void Fire(const std::string& schedule_id, Seconds slot, bool late);
  protocol::JobsRunning Report();
  // Results in the outbox awaiting result.ack (at most the wire's limit).
  std::vector<std::string> UnackedJobIds() const;
  void Shutdown();

  AgentOptions options_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  boost::asio::signal_set signals_{io_};
  std::unique_ptr<AgentState> state_;
  std::string restic_version_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<FireOutbox> fire_outbox_;
  std::unique_ptr<LocalScheduler> scheduler_;
  std::unique_ptr<Redelivery> redelivery_;
  std::unique_ptr<JobExecutor> executor_;
  std::unique_ptr<AgentConnection> connection_;
  std::atomic<bool> stopping_{false};
  // Shutdown runs on its own thread (it blocks); Run joins it, so the app is
  // never destroyed while that thread still touches it (work_.reset() writes
  // the guard after io_.run() may already have returned). Guarded by shutdown_mu_.
  std::mutex shutdown_mu_;
  std::thread shutdown_thread_;
  std::atomic<bool> ready_{false};  // hello.ok received on the current connection
  std::atomic<int> exit_code_{0};
  std::atomic<bool> updating_{false};  // an agent.update is being installed (or an agent.rollback prepared)
  std::thread update_thread_;          // installs it (downloads block); joined by the destructor
};

}  // namespace rmgr::agent

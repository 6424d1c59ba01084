#pragma once
// AlertEngine: runs the rules and the lifecycle (DESIGN.md "Alerts and
// observability"). Evaluation is event-driven where it can be and periodic
// where it must be:
//
//   a job finished         → its schedule × group's job-outcome rules, and
//                            its host's fleet rules (a success may end
//                            "unprotected")
//   a host connected / left / acked → that host's fleet rules
//   every `period`         → the fleet rules for every host (time passes:
//                            overdue, offline, drift), orphans (alerts of
//                            deleted schedules or hosts, or disabled rules)
//                            resolved, silences ended, reminders sent
//   at Start               → every schedule × group with a job finished in
//                            the last `rescan` (a change heard by nobody —
//                            the server died between commit and event — is
//                            caught here), then a full pass
//
// Changes heard are coalesced and evaluated together on the engine's own
// thread; inputs are read in one snapshot, the open alerts are read and
// changed in one write transaction (so an operator's acknowledgement is
// never overwritten by a stale copy), and the changed alerts are published
// after the commit.
//
// Thread safety: every public member may be called from any thread except
// the engine's own; the ChangeObserver members only enqueue.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "server/alerts/alert_lifecycle.h"
#include "server/alerts/alert_notice.h"
#include "server/alerts/alert_rules.h"
#include "server/events/event_bus.h"
#include "server/scheduling/change_observer.h"
#include "server/store/store.h"

namespace rmgr::server::alerts {

//! Knobs of the alert engine; the defaults suit production.
struct AlertEngineOptions {
  //! How often the full pass runs.
  std::chrono::milliseconds period{std::chrono::minutes(1)};
  //! After the server starts, how long agents get to reconnect and deliver
  //! what they kept before an overdue backup may open an alert.
  std::chrono::milliseconds settle{std::chrono::minutes(10)};
  //! At start, schedule × groups with a job finished this recently are re-evaluated.
  std::chrono::hours rescan{24 * 7};
  //! Wall clock (tests pin it; the timer still uses the steady clock).
  std::function<TimePoint()> now = [] { return Clock::now(); };
  //! Where changed alerts are published for the UI; never null.
  events::EventSink* events = &events::NoEvents();
  //! Where notices go; null: none are sent (alerts are still kept).
  AlertNoticeSink* sink = nullptr;
};

//! What one evaluation did (logs, tests, the benchmark).
struct PassStats {
  int hosts = 0;                         ///< Hosts whose fleet rules ran.
  int subjects = 0;                      ///< Schedule × groups whose job-outcome rules ran.
  int conditions = 0;                    ///< Conditions found.
  int fired = 0;                         ///< Alerts fired.
  int resolved = 0;                      ///< Alerts resolved.
  int reminded = 0;                      ///< Reminders queued.
  std::chrono::microseconds read{};      ///< Time reading the inputs.
  std::chrono::microseconds evaluate{};  ///< Time in the rules.
  std::chrono::microseconds write{};     ///< Time in the write transaction.
};

//! The alert engine: one thread, fed by the scheduling core's observers and a timer.
class AlertEngine final : public scheduling::ChangeObserver {
 public:
  //! Starts the engine's thread; nothing is evaluated until Start.
  AlertEngine(store::Store& store, AlertEngineOptions options);
  //! Stops and joins the thread.
  ~AlertEngine() override;
  AlertEngine(const AlertEngine&) = delete;
  AlertEngine& operator=(const AlertEngine&) = delete;

  //! Rescans recent job outcomes, runs a full pass and starts the timer. Call once.
  void Start();
  //! Stops the timer; changes heard later are ignored. Idempotent; waits.
  void Stop();

  //! Runs the full pass now and waits for it.
  Result<PassStats> RunPass();
  //! Runs the full pass soon, without waiting (after an admin changed a rule).
  void RequestPass();
  //! Waits until every change heard before this call has been evaluated; returns what that did.
  Result<PassStats> Drain();

  // scheduling::ChangeObserver (the scheduling thread: enqueued)
  void JobChanged(const store::Job& job) override;
  void HostChanged(const store::Host& host) override;

 private:
  template <class F>
  auto Call(F&& work) -> decltype(work());
  void ScheduleFlush();
  //! Evaluates the hosts and subjects heard of since the last flush.
  Result<PassStats> Flush();
  Result<PassStats> FullPass();
  Result<PassStats> EvaluateSubjects(std::set<std::pair<std::string, std::string>> subjects,
                                     std::set<std::string> hosts);
  void Arm();
  RuleSet LoadRules();
  void Publish(const std::vector<store::Alert>& alerts);

  // Declared first: destroyed last, after the timer.
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  store::Store& store_;
  const AlertEngineOptions options_;
  boost::asio::steady_timer timer_;
  TimePoint watching_since_{};                                    // engine thread only
  std::set<std::string> dirty_hosts_;                             // engine thread only
  std::set<std::pair<std::string, std::string>> dirty_subjects_;  // engine thread only
  std::set<std::string> reported_problems_;                       // engine thread only
  std::map<std::string, TimePoint> connected_since_;              // engine thread only
  bool flush_posted_ = false;                                     // engine thread only
  bool started_ = false;                                          // engine thread only
  bool stopped_ = false;                                          // engine thread only
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace rmgr::server::alerts

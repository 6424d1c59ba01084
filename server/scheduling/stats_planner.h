#pragma once
// StatsPlanner: keeps every repository's size series fresh (issue 11, "real
// repository size"). A periodic pass queues a `stats` job for each
// repository whose last measurement is older than the interval, through one
// host that uses it (a host with a schedule on it: a connected always-on
// one first, then any connected one, then any always-on one, then any; the
// lowest host id breaks ties), unless a stats job for it is already queued
// or running, or the last one was made less than `retry_after` ago (a
// failing repository is retried, not hammered). The job is queued like
// run-now queues one — one write transaction with its audit entry (actor
// "system") — and then AgentNotifier::JobsQueued dispatches it.
//
// PlanStats and PickStatsHost are the pure decisions; POST
// /repositories/{id}/stats uses PickStatsHost and NewStatsJob too.
//
// Thread safety: Start, Stop, RunOnce and the timer's handler may run on any
// threads; one mutex serialises them.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "server/events/event_bus.h"
#include "server/scheduling/agent_notifier.h"
#include "server/store/store.h"

namespace rmgr::server::scheduling {

//! The actor id of the jobs and audit entries the planner makes.
inline constexpr std::string_view kStatsPlannerActor = "stats_planner";

//! When a repository is measured again.
struct StatsPlanSettings {
  std::chrono::milliseconds interval{std::chrono::hours(24)};    ///< Measure when the last is older.
  std::chrono::milliseconds retry_after{std::chrono::hours(1)};  ///< Not sooner after the last attempt.
};

//! One stats job to queue.
struct StatsPick {
  std::string repository_id;  ///< The repository to measure.
  std::string host_id;        ///< The host whose agent runs it.

  friend bool operator==(const StatsPick&, const StatsPick&) = default;
};

//! The host that should run `candidate`'s stats job; none when no host uses it.
std::optional<std::string> PickStatsHost(const store::StatsCandidate& candidate);

//! The stats jobs due at `now`, one per repository at most, by repository id.
std::vector<StatsPick> PlanStats(const std::vector<store::StatsCandidate>& candidates, TimePoint now,
                                 const StatsPlanSettings& settings);

//! The queued stats job for `pick`, made by `actor_kind` / `actor_id`.
store::NewJob NewStatsJob(const StatsPick& pick, store::ActorKind actor_kind, std::string actor_id);

//! The periodic pass.
class StatsPlanner {
 public:
  //! Tuning; the defaults suit a server.
  struct Settings {
    StatsPlanSettings plan{};                                         ///< When a repository is due.
    std::chrono::milliseconds check_every{std::chrono::minutes(10)};  ///< How often the pass runs.
  };

  //! `store`, `agents` and `events` must outlive the planner; `now` is its clock.
  StatsPlanner(boost::asio::any_io_executor executor, store::Store& store, AgentNotifier& agents,
               events::EventSink& events, Settings settings, std::function<TimePoint()> now = Clock::now);
  ~StatsPlanner() = default;
  StatsPlanner(const StatsPlanner&) = delete;
  StatsPlanner& operator=(const StatsPlanner&) = delete;

  //! Runs the first pass soon (after one check period) and every check period after.
  void Start();
  //! Stops the timer; idempotent. A pass already running finishes.
  void Stop();
  //! One pass now: queues what is due and returns the jobs it queued.
  Result<std::vector<store::Job>> RunOnce();

 private:
  void ArmLocked();

  store::Store& store_;
  AgentNotifier& agents_;
  events::EventSink& events_;
  const Settings settings_;
  const std::function<TimePoint()> now_;
  std::mutex mu_;
  boost::asio::steady_timer timer_;  // guarded by mu_
  bool stopped_ = false;             // guarded by mu_
};

}  // namespace rmgr::server::scheduling

#include "server/scheduling/stats_planner.h"

#include <algorithm>
#include <boost/json.hpp>
#include <utility>

#include "common/util/log.h"
#include "server/views/json_views.h"

namespace rmgr::server::scheduling {
namespace {

std::shared_ptr<spdlog::logger> Logs() {
  return Logger("stats");
}

//! Lower is better: connected always-on, connected, always-on, the rest.
int Rank(const store::StatsHost& host) {
  if (host.connected && host.always_on) return 0;
  if (host.connected) return 1;
  if (host.always_on) return 2;
  return 3;
}

}  // namespace

std::optional<std::string> PickStatsHost(const store::StatsCandidate& candidate) {
  const store::StatsHost* best = nullptr;
  for (const auto& host : candidate.hosts) {
    if (best == nullptr || Rank(host) < Rank(*best) ||
        (Rank(host) == Rank(*best) && host.host_id < best->host_id)) {
      best = &host;
    }
  }
  if (best == nullptr) return std::nullopt;
  return best->host_id;
}

std::vector<StatsPick> PlanStats(const std::vector<store::StatsCandidate>& candidates, TimePoint now,
                                 const StatsPlanSettings& settings) {
  std::vector<StatsPick> picks;
  for (const auto& candidate : candidates) {
    if (candidate.stats_job_open) continue;
    if (candidate.last_stats_at && now - *candidate.last_stats_at < settings.interval) continue;
    if (candidate.last_attempt_at && now - *candidate.last_attempt_at < settings.retry_after) continue;
    auto host = PickStatsHost(candidate);
    if (!host) continue;
    picks.push_back(StatsPick{candidate.repository_id, std::move(*host)});
  }
  std::sort(picks.begin(), picks.end(),
            [](const StatsPick& a, const StatsPick& b) { return a.repository_id < b.repository_id; });
  return picks;
}

store::NewJob NewStatsJob(const StatsPick& pick, store::ActorKind actor_kind, std::string actor_id) {
  store::NewJob job;
  job.host_id = pick.host_id;
  job.kind = store::JobKind::kStats;
  job.actor_kind = actor_kind;
  job.actor_id = std::move(actor_id);
  job.repository_id = pick.repository_id;
  return job;
}

StatsPlanner::StatsPlanner(boost::asio::any_io_executor executor, store::Store& store, AgentNotifier& agents,
                           events::EventSink& events, Settings settings, std::function<TimePoint()> now)
    : store_(store),
      agents_(agents),
      events_(events),
      settings_(settings),
      now_(std::move(now)),
      timer_(std::move(executor)) {}

void StatsPlanner::Start() {
  std::lock_guard lock(mu_);
  stopped_ = false;
  ArmLocked();
}

void StatsPlanner::Stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  timer_.cancel();
}

void StatsPlanner::ArmLocked() {
  if (stopped_) return;
  timer_.expires_after(settings_.check_every);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled by Stop
    if (auto ran = RunOnce(); !ran) Logs()->warn("stats planning failed: {}", ran.error().message);
    std::lock_guard lock(mu_);
    ArmLocked();
  });
}

Result<std::vector<store::Job>> StatsPlanner::RunOnce() {
  const TimePoint now = now_();
  auto candidates = store_.Read([](store::ReadTx& tx) { return tx.ListStatsCandidates(); });
  if (!candidates) return candidates.error();
  std::vector<store::Job> queued;
  for (const auto& pick : PlanStats(*candidates, now, settings_.plan)) {
    // Re-checked in the write transaction: a run-now or a second pass may have queued one meanwhile.
    auto made = store_.Write([&](store::WriteTx& tx) -> Result<std::optional<store::Job>> {
      auto fresh = tx.ListStatsCandidates();
      if (!fresh) return fresh.error();
      const auto still = PlanStats(*fresh, now, settings_.plan);
      if (std::find(still.begin(), still.end(), pick) == still.end()) return std::optional<store::Job>();
      auto job = tx.CreateJob(NewStatsJob(pick, store::ActorKind::kSystem, std::string(kStatsPlannerActor)));
      if (!job) return job.error();
      store::AuditEntry entry;
      entry.actor_kind = store::ActorKind::kSystem;
      entry.actor_id = std::string(kStatsPlannerActor);
      entry.action = "repository.stats";
      entry.target_kind = "repository";
      entry.target_id = pick.repository_id;
      entry.detail_json =
          boost::json::serialize(boost::json::object{{"job_id", job->id},
                                                     {"host_id", pick.host_id},
                                                     {"reason", "the last size is older than the interval"}});
      if (auto logged = tx.AppendAudit(entry); !logged) return logged.error();
      return std::optional<store::Job>(std::move(*job));
    });
    if (!made) {
      Logs()->warn("cannot queue the stats job of repository {}: {}", pick.repository_id,
                   made.error().message);
      continue;
    }
    if (!*made) continue;
    Logs()->info("queued stats job {} of repository {} on host {}", (*made)->id, pick.repository_id,
                 pick.host_id);
    agents_.JobsQueued(pick.host_id);
    events_.Publish(events::Event{"job", views::JobJson(**made)});
    queued.push_back(std::move(**made));
  }
  return queued;
}

}  // namespace rmgr::server::scheduling

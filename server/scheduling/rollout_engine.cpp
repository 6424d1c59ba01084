#include "server/scheduling/rollout_engine.h"

#include <algorithm>
#include <optional>

#include "common/util/log.h"
#include "server/scheduling/job_queries.h"

namespace rmgr::server::scheduling {
namespace {

using store::Rollout;
using store::RolloutHost;
using store::RolloutHostState;
using store::RolloutState;

std::shared_ptr<spdlog::logger> Log() {
  return Logger("rollout");
}

const RolloutHost* FindHost(const Rollout& rollout, std::string_view host_id) {
  for (const auto& host : rollout.hosts) {
    if (host.host_id == host_id) return &host;
  }
  return nullptr;
}

bool Open(RolloutHostState state) {
  return state == RolloutHostState::kPending || state == RolloutHostState::kUpdating;
}

}  // namespace

RolloutEngine::RolloutEngine(SchedulingContext& ctx)
    : ctx_(ctx),
      task_(ctx.executor, "rollout tick", PeriodicTask::Settings{ctx.options.rollout_tick},
            [this] { Advance(); }) {}

void RolloutEngine::Advance() {
  auto ids = ctx_.store.Read([](store::ReadTx& tx) { return tx.ListRunningRollouts(); });
  if (!ids) {
    Log()->warn("cannot list rollouts: {}", ids.error().Describe());
    return;
  }
  for (const auto& id : *ids) AdvanceOne(id);
}

bool RolloutEngine::SendUpdate(const Rollout& rollout, const std::string& host_id,
                               const std::string& from_version) {
  auto connection = ctx_.presence.Ready(host_id);
  if (!connection) return false;
  const bool sent = ctx_.Send(host_id, *connection,
                              protocol::AgentUpdate{rollout.id, rollout.version, rollout.bundle_path,
                                                    static_cast<std::uint64_t>(rollout.bundle_size),
                                                    rollout.bundle_sha256, rollout.signature});
  if (!sent) return false;
  // from_version set = the update went out (an offline host gets it at its hello).
  auto noted = ctx_.store.Write([&](store::WriteTx& tx) {
    return tx.SetRolloutHostState(rollout.id, host_id, RolloutHostState::kUpdating, "",
                                  ctx_.Now() + ctx_.options.rollout_host_timeout,
                                  from_version.empty() ? std::string("unknown") : from_version);
  });
  if (!noted)
    Log()->warn("rollout {}: cannot note host {}: {}", rollout.id, host_id, noted.error().Describe());
  Log()->info("rollout {}: agent.update {} sent to host {}", rollout.id, rollout.version, host_id);
  return true;
}

void RolloutEngine::AdvanceOne(const std::string& rollout_id) {
  auto rollout = ctx_.store.Read([&](store::ReadTx& tx) { return tx.GetRollout(rollout_id); });
  if (!rollout) return;
  const TimePoint now = ctx_.Now();
  // Deadlines first: a host that never came back fails (and stops a running rollout).
  for (const auto& host : rollout->hosts) {
    if (host.state != RolloutHostState::kUpdating || !host.deadline_at || *host.deadline_at > now) continue;
    const std::string error = "did not reconnect on " + rollout->version + " in time";
    auto failed = ctx_.store.Write([&](store::WriteTx& tx) {
      return tx.SetRolloutHostState(rollout->id, host.host_id, RolloutHostState::kFailed, error,
                                    std::nullopt);
    });
    if (failed) StopRollout(rollout->id, "host " + host.host_name + ": " + error);
    return;
  }
  if (rollout->state != RolloutState::kRunning) return;
  for (const auto& host : rollout->hosts) {
    if (host.state == RolloutHostState::kFailed || host.state == RolloutHostState::kRolledBack) {
      StopRollout(rollout->id, "host " + host.host_name + ": " + host.error);
      return;
    }
  }
  std::optional<int64_t> wave;
  for (const auto& host : rollout->hosts) {
    if (Open(host.state)) wave = wave ? std::min(*wave, host.wave) : host.wave;
  }
  if (!wave) {
    auto done = ctx_.store.Write([&](store::WriteTx& tx) -> Result<void> {
      if (auto set = tx.SetRolloutState(rollout->id, RolloutState::kSucceeded, ""); !set) return set;
      auto logged = tx.AppendAudit(SystemAudit(store::ActorKind::kSystem, "", "rollout.succeeded", "rollout",
                                               rollout->id, {{"version", rollout->version}}));
      if (!logged) return logged.error();
      return Ok();
    });
    if (done) Log()->info("rollout {}: every host runs {}", rollout->id, rollout->version);
    return;
  }
  for (const auto& host : rollout->hosts) {
    if (host.wave != *wave || host.state != RolloutHostState::kPending) continue;
    auto agent = ctx_.store.Read([&](store::ReadTx& tx) { return tx.GetHost(host.host_id); });
    const std::string version = agent ? agent->agent_version : std::string();
    if (agent && agent->connected && version == rollout->version) {
      // Already there (updated by hand or by an earlier rollout).
      auto done = ctx_.store.Write([&](store::WriteTx& tx) {
        return tx.SetRolloutHostState(rollout->id, host.host_id, RolloutHostState::kDone, "", std::nullopt,
                                      version);
      });
      if (!done) Log()->warn("rollout {}: {}", rollout->id, done.error().Describe());
      continue;
    }
    auto started = ctx_.store.Write([&](store::WriteTx& tx) {
      return tx.SetRolloutHostState(rollout->id, host.host_id, RolloutHostState::kUpdating, "",
                                    now + ctx_.options.rollout_host_timeout);
    });
    if (!started) {
      Log()->warn("rollout {}: {}", rollout->id, started.error().Describe());
      continue;
    }
    if (!SendUpdate(*rollout, host.host_id, version)) {
      Log()->info("rollout {}: host {} is offline; it gets the update when it connects", rollout->id,
                  host.host_name);
    }
  }
}

void RolloutEngine::StopRollout(const std::string& rollout_id, const std::string& error) {
  auto stopped = ctx_.store.Write([&](store::WriteTx& tx) -> Result<bool> {
    auto rollout = tx.GetRollout(rollout_id);
    if (!rollout) return rollout.error();
    if (rollout->state != RolloutState::kRunning) return false;
    for (const auto& host : rollout->hosts) {
      if (host.state != RolloutHostState::kPending) continue;
      if (auto set =
              tx.SetRolloutHostState(rollout_id, host.host_id, RolloutHostState::kSkipped, "", std::nullopt);
          !set) {
        return set.error();
      }
    }
    if (auto set = tx.SetRolloutState(rollout_id, RolloutState::kFailed, error); !set) return set.error();
    auto logged = tx.AppendAudit(SystemAudit(store::ActorKind::kSystem, "", "rollout.failed", "rollout",
                                             rollout_id, {{"version", rollout->version}, {"error", error}}));
    if (!logged) return logged.error();
    return true;
  });
  if (!stopped) {
    Log()->error("rollout {}: cannot stop it: {}", rollout_id, stopped.error().Describe());
  } else if (*stopped) {
    Log()->warn("rollout {} failed and stopped: {}", rollout_id, error);
  }
}

void RolloutEngine::Hello(const std::string& host_id, std::uint64_t connection_id,
                          const std::string& agent_version) {
  if (!ctx_.presence.Current(host_id, connection_id)) return;
  auto ids = ctx_.store.Read([](store::ReadTx& tx) { return tx.ListRunningRollouts(); });
  if (!ids) return;
  for (const auto& id : *ids) {
    auto rollout = ctx_.store.Read([&](store::ReadTx& tx) { return tx.GetRollout(id); });
    if (!rollout) continue;
    const RolloutHost* host = FindHost(*rollout, host_id);
    if (host == nullptr || host->state != RolloutHostState::kUpdating) continue;
    if (agent_version == rollout->version) {
      auto done = ctx_.store.Write([&](store::WriteTx& tx) {
        return tx.SetRolloutHostState(id, host_id, RolloutHostState::kDone, "", std::nullopt);
      });
      if (done) Log()->info("rollout {}: host {} is back on {}", id, host->host_name, agent_version);
      AdvanceOne(id);
    } else if (host->from_version.empty() && rollout->state == RolloutState::kRunning) {
      SendUpdate(*rollout, host_id, agent_version);  // it was offline when its wave started
    }
  }
}

void RolloutEngine::Status(const ws::AgentIdentity& who, const protocol::AgentUpdateStatus& status) {
  auto rollout = ctx_.store.Read([&](store::ReadTx& tx) { return tx.GetRollout(status.rollout_id); });
  if (!rollout) {
    Log()->info("host {} reports {} for unknown rollout {}", who.host_id, protocol::ToString(status.outcome),
                status.rollout_id);
    return;
  }
  const RolloutHost* host = FindHost(*rollout, who.host_id);
  if (host == nullptr || host->state != RolloutHostState::kUpdating) return;
  const std::string reason = status.reason.value_or("");
  Log()->info("rollout {}: host {} reports {} {}{}", rollout->id, host->host_name,
              protocol::ToString(status.outcome), status.version, reason.empty() ? "" : ": " + reason);
  std::optional<RolloutHostState> next;
  std::optional<TimePoint> deadline;
  switch (status.outcome) {
    case protocol::UpdateOutcome::kWaiting:
      next = RolloutHostState::kUpdating;  // jobs run: the deadline starts again
      deadline = ctx_.Now() + ctx_.options.rollout_host_timeout;
      break;
    case protocol::UpdateOutcome::kInstalling:
      return;
    case protocol::UpdateOutcome::kRefused:
      next = RolloutHostState::kFailed;
      break;
    case protocol::UpdateOutcome::kRolledBack:
      next = RolloutHostState::kRolledBack;
      break;
  }
  if (!next) return;
  const std::string error = *next == RolloutHostState::kUpdating
                                ? std::string()
                                : std::string(protocol::ToString(status.outcome)) + ": " + reason;
  auto set = ctx_.store.Write([&](store::WriteTx& tx) {
    return tx.SetRolloutHostState(rollout->id, who.host_id, *next, error, deadline);
  });
  if (!set) {
    Log()->warn("rollout {}: {}", rollout->id, set.error().Describe());
    return;
  }
  AdvanceOne(rollout->id);
}

}  // namespace rmgr::server::scheduling

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

//! The wave a failed rollout stopped in: the highest one any host got to (later ones stay pending).
std::optional<int64_t> StoppedWave(const Rollout& rollout) {
  std::optional<int64_t> wave;
  for (const auto& host : rollout.hosts) {
    if (host.state == RolloutHostState::kPending || host.state == RolloutHostState::kSkipped) continue;
    wave = wave ? std::max(*wave, host.wave) : host.wave;
  }
  return wave;
}

//! Marks a host of a failed rollout that runs its version rolling_back, audited as rollout.rollback.
Result<void> MarkRollingBack(store::WriteTx& tx, const Rollout& rollout, const RolloutHost& host) {
  const std::string to = host.from_version.empty() || host.from_version == "unknown"
                             ? std::string("its previous version")
                             : host.from_version;
  if (auto set = tx.SetRolloutHostState(rollout.id, host.host_id, RolloutHostState::kRollingBack,
                                        "rollout failed: rolling back to " + to, std::nullopt);
      !set) {
    return set;
  }
  auto logged =
      tx.AppendAudit(SystemAudit(store::ActorKind::kSystem, "", "rollout.rollback", "rollout", rollout.id,
                                 {{"version", rollout.version},
                                  {"host_id", host.host_id},
                                  {"host", host.host_name},
                                  {"to_version", host.from_version}}));
  if (!logged) return logged.error();
  return Ok();
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
  // A host that did not roll back in time fails (its rollout already stopped).
  for (const auto& host : rollout->hosts) {
    if (host.state != RolloutHostState::kRollingBack || !host.deadline_at || *host.deadline_at > now)
      continue;
    const std::string error = "did not roll back from " + rollout->version + " in time";
    auto failed = ctx_.store.Write([&](store::WriteTx& tx) {
      return tx.SetRolloutHostState(rollout->id, host.host_id, RolloutHostState::kFailed, error,
                                    std::nullopt);
    });
    if (failed) Log()->warn("rollout {}: host {} {}", rollout->id, host.host_name, error);
  }
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
  if (rollout->state != RolloutState::kRunning) {
    SendDueRollbacks(*rollout);
    return;
  }
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
    // The stopped wave goes back: its hosts that came up on the version roll back.
    const std::optional<int64_t> wave = StoppedWave(*rollout);
    for (const auto& host : rollout->hosts) {
      if (host.wave != wave || host.state != RolloutHostState::kDone) continue;
      if (auto marked = MarkRollingBack(tx, *rollout, host); !marked) return marked.error();
    }
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
    auto rollout = ctx_.store.Read([&](store::ReadTx& tx) { return tx.GetRollout(rollout_id); });
    if (rollout) SendDueRollbacks(*rollout);
  }
}

bool RolloutEngine::SendRollback(const Rollout& rollout, const std::string& host_id) {
  auto connection = ctx_.presence.Ready(host_id);
  if (!connection) return false;
  if (!ctx_.Send(host_id, *connection, protocol::AgentRollback{rollout.id, rollout.version})) return false;
  // deadline set = agent.rollback went out (an offline host gets it at its hello).
  auto noted = ctx_.store.Write([&](store::WriteTx& tx) -> Result<void> {
    auto current = tx.GetRollout(rollout.id);
    if (!current) return current.error();
    const RolloutHost* host = FindHost(*current, host_id);
    if (host == nullptr || host->state != RolloutHostState::kRollingBack) return Ok();
    return tx.SetRolloutHostState(rollout.id, host_id, RolloutHostState::kRollingBack, host->error,
                                  ctx_.Now() + ctx_.options.rollout_host_timeout);
  });
  if (!noted)
    Log()->warn("rollout {}: cannot note host {}: {}", rollout.id, host_id, noted.error().Describe());
  Log()->info("rollout {}: agent.rollback from {} sent to host {}", rollout.id, rollout.version, host_id);
  return true;
}

void RolloutEngine::RollBackHost(const Rollout& rollout, const RolloutHost& host) {
  auto marked = ctx_.store.Write([&](store::WriteTx& tx) { return MarkRollingBack(tx, rollout, host); });
  if (!marked) {
    Log()->warn("rollout {}: cannot roll back host {}: {}", rollout.id, host.host_name,
                marked.error().Describe());
    return;
  }
  Log()->info("rollout {} failed: host {} came up on {} and rolls back", rollout.id, host.host_name,
              rollout.version);
  if (!SendRollback(rollout, host.host_id)) {
    Log()->info("rollout {}: host {} is offline; it gets the rollback when it connects", rollout.id,
                host.host_name);
  }
}

void RolloutEngine::SendDueRollbacks(const Rollout& rollout) {
  for (const auto& host : rollout.hosts) {
    if (host.state == RolloutHostState::kRollingBack && !host.deadline_at)
      SendRollback(rollout, host.host_id);
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
    if (host != nullptr && host->state == RolloutHostState::kRollingBack) {
      if (agent_version == rollout->version) {
        SendRollback(*rollout, host_id);  // offline when it was due, or it never acted on it
      } else if (!host->deadline_at) {
        // Never sent, and it runs another version already (rolled back by hand): nothing to do.
        auto set = ctx_.store.Write([&](store::WriteTx& tx) {
          return tx.SetRolloutHostState(id, host_id, RolloutHostState::kRolledBack,
                                        "reconnected on " + agent_version, std::nullopt);
        });
        if (!set) Log()->warn("rollout {}: {}", id, set.error().Describe());
      }  // else: its agent.update.status follows this hello
      continue;
    }
    if (host == nullptr || host->state != RolloutHostState::kUpdating) continue;
    if (agent_version == rollout->version && rollout->state == RolloutState::kFailed) {
      RollBackHost(*rollout, *host);  // came up after its wave failed
    } else if (agent_version == rollout->version) {
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
  if (host != nullptr && host->state == RolloutHostState::kRollingBack) {
    RollbackStatus(*rollout, *host, status);
    return;
  }
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

void RolloutEngine::RollbackStatus(const Rollout& rollout, const RolloutHost& host,
                                   const protocol::AgentUpdateStatus& status) {
  const std::string reason = status.reason.value_or("");
  Log()->info("rollout {}: host {} reports {} on its rollback from {}{}", rollout.id, host.host_name,
              protocol::ToString(status.outcome), status.version, reason.empty() ? "" : ": " + reason);
  RolloutHostState next = RolloutHostState::kRollingBack;
  std::string error = host.error;
  std::optional<TimePoint> deadline;
  switch (status.outcome) {
    case protocol::UpdateOutcome::kWaiting:
      deadline = ctx_.Now() + ctx_.options.rollout_host_timeout;  // jobs run: the deadline starts again
      break;
    case protocol::UpdateOutcome::kInstalling:
      return;
    case protocol::UpdateOutcome::kRefused:
      next = RolloutHostState::kFailed;
      error = "rollback refused: " + reason;
      break;
    case protocol::UpdateOutcome::kRolledBack:
      next = RolloutHostState::kRolledBack;
      error = "rolled_back: " + reason;
      break;
  }
  auto set = ctx_.store.Write([&](store::WriteTx& tx) {
    return tx.SetRolloutHostState(rollout.id, host.host_id, next, error, deadline);
  });
  if (!set) Log()->warn("rollout {}: {}", rollout.id, set.error().Describe());
}

}  // namespace rmgr::server::scheduling

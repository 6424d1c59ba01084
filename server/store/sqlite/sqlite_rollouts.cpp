// SqliteTx: rollouts of agent releases and their hosts (migrations 0014, 0017).
#include <algorithm>
#include <set>
#include <string>

#include "common/util/ulid.h"
#include "server/store/sqlite/sqlite_tx.h"

namespace rmgr::store::sqlite {
namespace {

constexpr std::string_view kRolloutColumns =
    "SELECT id, version, bundle_path, bundle_size, bundle_sha256, signature, wave_size, selector, state, "
    "error,"
    " created_by, created_at, finished_at FROM rollouts";

Rollout MapRollout(Row& row) {
  Rollout r;
  r.id = row.Text(0);
  r.version = row.Text(1);
  r.bundle_path = row.Text(2);
  r.bundle_size = row.Int(3);
  r.bundle_sha256 = row.Text(4);
  r.signature = row.Text(5);
  r.wave_size = row.Int(6);
  r.selector = row.Text(7);
  r.state = ParseRolloutState(row.Text(8)).value_or(RolloutState::kFailed);
  r.error = row.Text(9);
  r.created_by = row.Text(10);
  r.created_at = row.Time(11);
  r.finished_at = row.OptTime(12);
  return r;
}

RolloutHost MapHost(Row& row) {
  RolloutHost h;
  h.host_id = row.Text(0);
  h.host_name = row.Text(1);
  h.position = row.Int(2);
  h.wave = row.Int(3);
  h.state = ParseRolloutHostState(row.Text(4)).value_or(RolloutHostState::kFailed);
  h.from_version = row.Text(5);
  h.error = row.Text(6);
  h.deadline_at = row.OptTime(7);
  h.updated_at = row.Time(8);
  return h;
}

Result<void> LoadHosts(Connection& conn, Rollout& rollout) {
  auto hosts = QueryAll<RolloutHost>(
      conn,
      "SELECT rh.host_id, COALESCE(h.name, ''), rh.position, rh.wave, rh.state, rh.from_version, rh.error,"
      " rh.deadline_at, rh.updated_at FROM rollout_hosts rh LEFT JOIN hosts h ON h.id = rh.host_id"
      " WHERE rh.rollout_id = ? ORDER BY rh.position",
      MapHost, rollout.id);
  if (!hosts) return hosts.error();
  rollout.hosts = std::move(*hosts);
  return Ok();
}

}  // namespace

Result<Rollout> SqliteTx::GetRollout(std::string_view id) {
  auto rollout = QueryOne<Rollout>(conn_, "rollout", std::string(kRolloutColumns) + " WHERE id = ?",
                                   MapRollout, std::string(id));
  if (!rollout) return rollout.error();
  if (auto loaded = LoadHosts(conn_, *rollout); !loaded) return loaded.error();
  return rollout;
}

Result<std::vector<Rollout>> SqliteTx::ListRollouts(int limit) {
  const int64_t bounded = std::clamp(limit, 1, 200);
  auto rollouts =
      QueryAll<Rollout>(conn_, std::string(kRolloutColumns) + " ORDER BY created_at DESC, id DESC LIMIT ?",
                        MapRollout, bounded);
  if (!rollouts) return rollouts.error();
  for (auto& rollout : *rollouts) {
    if (auto loaded = LoadHosts(conn_, rollout); !loaded) return loaded.error();
  }
  return rollouts;
}

Result<std::vector<std::string>> SqliteTx::ListRunningRollouts() {
  return QueryAll<std::string>(
      conn_,
      "SELECT id FROM rollouts r WHERE state = 'running' OR EXISTS (SELECT 1 FROM rollout_hosts rh"
      " WHERE rh.rollout_id = r.id AND rh.state IN ('updating', 'rolling_back')) ORDER BY created_at, id",
      [](Row& row) { return row.Text(0); });
}

Result<Rollout> SqliteTx::CreateRollout(const NewRollout& rollout) {
  if (rollout.host_ids.empty())
    return MakeError(ErrorCode::kInvalidArgument, "a rollout needs hosts", "host_ids");
  if (std::set<std::string>(rollout.host_ids.begin(), rollout.host_ids.end()).size() !=
      rollout.host_ids.size()) {
    return MakeError(ErrorCode::kInvalidArgument, "a host is listed twice", "host_ids");
  }
  if (rollout.wave_size < 1)
    return MakeError(ErrorCode::kInvalidArgument, "wave_size must be >= 1", "wave_size");
  const TimePoint now = Now();
  const std::string id = NewUlid(now);
  auto inserted =
      Execute(conn_,
              "INSERT INTO rollouts (id, version, bundle_path, bundle_size, bundle_sha256, signature,"
              " wave_size, selector, state, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
              " 'running', ?, ?)",
              id, rollout.version, rollout.bundle_path, rollout.bundle_size, rollout.bundle_sha256,
              rollout.signature, rollout.wave_size, rollout.selector, rollout.created_by, now);
  if (!inserted) return inserted.error();
  for (std::size_t i = 0; i < rollout.host_ids.size(); ++i) {
    const auto position = static_cast<int64_t>(i);
    auto host = Execute(conn_,
                        "INSERT INTO rollout_hosts (rollout_id, host_id, position, wave, state, updated_at)"
                        " VALUES (?, ?, ?, ?, 'pending', ?)",
                        id, rollout.host_ids[i], position, position / rollout.wave_size, now);
    if (!host) return host.error();
  }
  return GetRollout(id);
}

Result<void> SqliteTx::SetRolloutState(std::string_view id, RolloutState state, std::string_view error) {
  const std::optional<TimePoint> finished =
      state == RolloutState::kRunning ? std::nullopt : std::optional<TimePoint>(Now());
  auto changed = Execute(conn_, "UPDATE rollouts SET state = ?, error = ?, finished_at = ? WHERE id = ?",
                         std::string(ToString(state)), std::string(error), finished, std::string(id));
  if (!changed) return changed.error();
  if (*changed == 0) return MakeError(ErrorCode::kNotFound, "rollout not found");
  return Ok();
}

Result<void> SqliteTx::SetRolloutHostState(std::string_view rollout_id, std::string_view host_id,
                                           RolloutHostState state, std::string_view error,
                                           std::optional<TimePoint> deadline_at,
                                           std::optional<std::string> from_version) {
  auto changed = Execute(conn_,
                         "UPDATE rollout_hosts SET state = ?, error = ?, deadline_at = ?,"
                         " from_version = COALESCE(?, from_version), updated_at = ?"
                         " WHERE rollout_id = ? AND host_id = ?",
                         std::string(ToString(state)), std::string(error), deadline_at, from_version, Now(),
                         std::string(rollout_id), std::string(host_id));
  if (!changed) return changed.error();
  if (*changed == 0) return MakeError(ErrorCode::kNotFound, "rollout host not found");
  return Ok();
}

}  // namespace rmgr::store::sqlite

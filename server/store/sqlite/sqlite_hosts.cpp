// SqliteTx: hosts.
#include <string>

#include "common/util/ulid.h"
#include "server/store/page_cursor.h"
#include "server/store/sqlite/codec.h"
#include "server/store/sqlite/sqlite_tx.h"

namespace rmgr::store::sqlite {
namespace {

constexpr std::string_view kHostListing = "hosts";

constexpr std::string_view kSelectHosts =
    "SELECT id, name, hostname, os, arch, agent_version, restic_version, always_on, token_hash,"
    " schedule_version_canonical, schedule_version_applied, schedule_applied_at, current_job_id,"
    " connected, last_seen_at, last_backup_at, created_at, install_id, install_conflict_at, "
    "schedule_rejected,"
    " schedule_changed_at, labels, restore_root, restore_anywhere, hook_policy, hook_allow FROM hosts";

Host MapHost(Row& row) {
  Host host;
  host.id = row.Text(0);
  host.name = row.Text(1);
  host.hostname = row.Text(2);
  host.os = row.Text(3);
  host.arch = row.Text(4);
  host.agent_version = row.Text(5);
  host.restic_version = row.Text(6);
  host.always_on = row.Bool(7);
  host.token_hash = row.Text(8);
  host.schedule_version_canonical = row.Int(9);
  host.schedule_version_applied = row.Int(10);
  host.schedule_applied_at = row.OptTime(11);
  host.current_job_id = row.OptText(12);
  host.connected = row.Bool(13);
  host.last_seen_at = row.OptTime(14);
  host.last_backup_at = row.OptTime(15);
  host.created_at = row.Time(16);
  host.install_id = row.OptText(17);
  host.install_conflict_at = row.OptTime(18);
  host.schedule_rejected_json = row.Text(19);
  host.schedule_changed_at = row.OptTime(20);
  host.labels = row.StringMap(21);
  host.restore_root = row.Text(22);
  host.restore_anywhere = row.Bool(23);
  host.hook_policy = row.Text(24);
  host.hook_allow = row.StringList(25);
  return host;
}

}  // namespace

Result<Host> SqliteTx::GetHost(std::string_view id) {
  static const std::string kSql = JoinSql(kSelectHosts, " WHERE id = ?");
  return QueryOne<Host>(conn_, "host", kSql, MapHost, id);
}

Result<Host> SqliteTx::GetHostByName(std::string_view name) {
  static const std::string kSql = JoinSql(kSelectHosts, " WHERE name = ?");
  return QueryOne<Host>(conn_, "host", kSql, MapHost, name);
}

Result<Host> SqliteTx::GetHostByTokenHash(std::string_view token_hash) {
  static const std::string kSql = JoinSql(kSelectHosts, " WHERE token_hash = ?");
  if (token_hash.empty()) return MakeError(ErrorCode::kNotFound, "host not found");
  return QueryOne<Host>(conn_, "host", kSql, MapHost, token_hash);
}

Result<Page<Host>> SqliteTx::ListHosts(const PageRequest& page) {
  return SearchHosts(HostFilter{}, page);
}

Result<Page<Host>> SqliteTx::SearchHosts(const HostFilter& host_filter, const PageRequest& page) {
  const int limit = ClampPageLimit(page.limit);
  SqlFilter filter;
  if (!host_filter.query.empty()) {
    // instr() rather than LIKE: no wildcard characters to escape. A substring
    // search cannot use an index; a scan of the hosts table is cheap enough.
    filter.And("(instr(lower(name), lower(?)) > 0 OR instr(lower(hostname), lower(?)) > 0)",
               host_filter.query, host_filter.query);
  }
  for (const labels::Term& term : host_filter.selector.terms()) {
    // Keys are [a-z0-9._/-] (common/labels), so the quoted path cannot break
    // out; it is bound as a value all the same.
    std::string path = "$.\"" + term.key + "\"";
    switch (term.op) {
      case labels::Op::kEquals:
        filter.And("json_extract(labels, ?) = ?", std::move(path), term.value);
        break;
      case labels::Op::kNotEquals:
        filter.And("json_extract(labels, ?) IS NOT ?", std::move(path), term.value);
        break;
      case labels::Op::kExists:
        filter.And("json_type(labels, ?) IS NOT NULL", std::move(path));
        break;
      case labels::Op::kAbsent:
        filter.And("json_type(labels, ?) IS NULL", std::move(path));
        break;
    }
  }
  if (!page.cursor.empty()) {
    auto after = DecodeCursor(page.cursor, kHostListing, 1);
    if (!after.ok()) return after.error();
    filter.And("name > ?", std::move(after->front()));
  }
  filter.values().emplace_back(int64_t{limit} + 1);
  const std::string sql = JoinSql(kSelectHosts, filter.sql() + " ORDER BY name LIMIT ?");
  auto rows = QueryAllBound<Host>(conn_, sql, filter.values(), MapHost);
  if (!rows.ok()) return rows.error();
  return MakePage(std::move(*rows), limit, kHostListing,
                  [](const Host& host) { return std::vector<std::string>{host.name}; });
}

Result<Host> SqliteTx::RenameHost(std::string_view id, std::string_view name) {
  if (name.empty()) return MakeError(ErrorCode::kInvalidArgument, "host name must not be empty", "name");
  auto changed = Execute(conn_, "UPDATE hosts SET name = ? WHERE id = ?", name, id);
  if (auto found = RequireChanged(changed, "host"); !found.ok()) return found.error();
  return GetHost(id);
}

Result<void> SqliteTx::DeleteHost(std::string_view id) {
  // Foreign keys do the rest: groups, schedules (with their links, group
  // state and pending runs), jobs (with logs) and bound enrollment tokens
  // cascade; history (used_by_host, snapshots.host_id) is set NULL.
  return RequireChanged(Execute(conn_, "DELETE FROM hosts WHERE id = ?", id), "host");
}

Result<int64_t> SqliteTx::GetHostScheduleVersion(std::string_view host_id) {
  return QueryInt(conn_, "host", "SELECT schedule_version_canonical FROM hosts WHERE id = ?", host_id);
}

Result<Host> SqliteTx::CreateHost(const NewHost& host) {
  if (host.name.empty()) return MakeError(ErrorCode::kInvalidArgument, "host name must not be empty", "name");
  if (auto valid = labels::Validate(host.labels); !valid.ok()) return valid.error();
  const TimePoint now = Now();
  const std::string id = NewUlid(now);
  auto inserted = Execute(conn_,
                          "INSERT INTO hosts (id, name, hostname, always_on, token_hash, labels, created_at)"
                          " VALUES (?, ?, ?, ?, ?, ?, ?)",
                          id, host.name, host.hostname, host.always_on, NullIfEmpty(host.token_hash),
                          EncodeStringMap(host.labels), now);
  if (!inserted.ok()) return inserted.error();
  return GetHost(id);
}

Result<void> SqliteTx::UpdateHostStatus(std::string_view id, const HostStatus& status) {
  auto changed = Execute(
      conn_,
      "UPDATE hosts SET hostname = COALESCE(?, hostname), os = COALESCE(?, os),"
      " arch = COALESCE(?, arch), agent_version = COALESCE(?, agent_version),"
      " restic_version = COALESCE(?, restic_version), connected = COALESCE(?, connected),"
      " last_seen_at = COALESCE(?, last_seen_at), restore_root = COALESCE(?, restore_root),"
      " restore_anywhere = COALESCE(?, restore_anywhere), hook_policy = COALESCE(?, hook_policy),"
      " hook_allow = COALESCE(?, hook_allow) WHERE id = ?",
      status.hostname, status.os, status.arch, status.agent_version, status.restic_version, status.connected,
      status.seen_at, status.restore_root, status.restore_anywhere, status.hook_policy,
      status.hook_allow ? std::optional<std::string>(EncodeStringList(*status.hook_allow)) : std::nullopt,
      id);
  if (auto found = RequireChanged(changed, "host"); !found.ok()) return found;
  if (!status.connected) return Ok();
  return RecordPresence(id, *status.connected, status.seen_at ? TruncateToMs(*status.seen_at) : Now());
}

Result<void> SqliteTx::SetHostAlwaysOn(std::string_view id, bool always_on) {
  return RequireChanged(Execute(conn_, "UPDATE hosts SET always_on = ? WHERE id = ?", always_on, id), "host");
}

Result<void> SqliteTx::SetHostLabels(std::string_view id, const labels::Labels& labels) {
  if (auto valid = labels::Validate(labels); !valid.ok()) return valid;
  return RequireChanged(
      Execute(conn_, "UPDATE hosts SET labels = ? WHERE id = ?", EncodeStringMap(labels), id), "host");
}

Result<void> SqliteTx::SetHostTokenHash(std::string_view id, std::string_view token_hash) {
  if (token_hash.empty())
    return MakeError(ErrorCode::kInvalidArgument, "token hash must not be empty", "token_hash");
  return RequireChanged(Execute(conn_, "UPDATE hosts SET token_hash = ? WHERE id = ?", token_hash, id),
                        "host");
}

Result<std::vector<Host>> SqliteTx::ListAllHosts() {
  static const std::string kSql = JoinSql(kSelectHosts, " ORDER BY id");
  return QueryAll<Host>(conn_, kSql, MapHost);
}

Result<int64_t> SqliteTx::BumpHostScheduleVersion(std::string_view id) {
  return QueryInt(conn_, "host",
                  "UPDATE hosts SET schedule_version_canonical = schedule_version_canonical + 1,"
                  " schedule_changed_at = ? WHERE id = ? RETURNING schedule_version_canonical",
                  Now(), id);
}

Result<void> SqliteTx::SetHostAppliedScheduleVersion(std::string_view id, int64_t version,
                                                     TimePoint applied_at, std::string_view rejected_json) {
  if (version <= 0) {
    return MakeError(ErrorCode::kInvalidArgument, "applied schedule version must be positive", "version");
  }
  auto changed = Execute(conn_,
                         "UPDATE hosts SET schedule_version_applied = ?, schedule_applied_at = ?,"
                         " schedule_rejected = ? WHERE id = ? AND schedule_version_canonical >= ?",
                         version, applied_at, std::string(rejected_json), id, version);
  if (!changed.ok()) return changed.error();
  if (*changed > 0) return Ok();
  auto canonical = GetHostScheduleVersion(id);
  if (!canonical.ok()) return canonical.error();
  return MakeError(ErrorCode::kConflict,
                   "applied schedule version " + std::to_string(version) +
                       " is above the canonical version " + std::to_string(*canonical),
                   "version");
}

Result<InstallBinding> SqliteTx::BindHostInstall(std::string_view id, std::string_view install_id,
                                                 TimePoint at) {
  if (install_id.empty())
    return MakeError(ErrorCode::kInvalidArgument, "install id must not be empty", "install_id");
  auto bound =
      Execute(conn_, "UPDATE hosts SET install_id = ? WHERE id = ? AND install_id IS NULL", install_id, id);
  if (!bound.ok()) return bound.error();
  if (*bound > 0) return InstallBinding::kBound;
  auto host = GetHost(id);
  if (!host.ok()) return host.error();
  if (host->install_id == std::string(install_id)) return InstallBinding::kSame;
  auto flagged = Execute(conn_, "UPDATE hosts SET install_conflict_at = ? WHERE id = ?", at, id);
  if (!flagged.ok()) return flagged.error();
  return InstallBinding::kConflict;
}

Result<void> SqliteTx::ClearHostInstall(std::string_view id) {
  return RequireChanged(
      Execute(conn_, "UPDATE hosts SET install_id = NULL, install_conflict_at = NULL WHERE id = ?", id),
      "host");
}

}  // namespace rmgr::store::sqlite

// SqliteTx: repositories and source groups (what schedules point at).
#include <algorithm>
#include <string>

#include "common/util/ulid.h"
#include "server/store/page_cursor.h"
#include "server/store/sqlite/sqlite_tx.h"

namespace rmgr::store::sqlite {
namespace {

constexpr std::string_view kRepositoryListing = "repositories";
constexpr std::string_view kGroupListing = "source_groups";

constexpr std::string_view kSelectRepositories =
    "SELECT id, name, url, secret_ciphertext, secret_nonce, created_at, updated_at, max_concurrent_backups,"
    " maintenance_cron, maintenance_minutes FROM repositories";

Repository MapRepository(Row& row) {
  Repository repository;
  repository.id = row.Text(0);
  repository.name = row.Text(1);
  repository.url = row.Text(2);
  repository.secret_ciphertext = row.Blob(3);
  repository.secret_nonce = row.Blob(4);
  repository.created_at = row.Time(5);
  repository.updated_at = row.Time(6);
  repository.max_concurrent_backups = static_cast<int>(row.Int(7));
  repository.maintenance_cron = row.Text(8);
  repository.maintenance_minutes = static_cast<int>(row.Int(9));
  return repository;
}

constexpr std::string_view kSelectGroups =
    "SELECT id, host_id, name, paths, excludes, tags, created_at, updated_at FROM source_groups";

SourceGroup MapGroup(Row& row) {
  SourceGroup group;
  group.id = row.Text(0);
  group.host_id = row.Text(1);
  group.name = row.Text(2);
  group.paths = row.StringList(3);
  group.excludes = row.StringList(4);
  group.tags = row.StringList(5);
  group.created_at = row.Time(6);
  group.updated_at = row.Time(7);
  return group;
}

Result<void> RequireName(const std::string& name) {
  if (name.empty()) return MakeError(ErrorCode::kInvalidArgument, "name must not be empty", "name");
  return Ok();
}

}  // namespace

// --------------------------------------------------------- repositories --

Result<Repository> SqliteTx::GetRepository(std::string_view id) {
  static const std::string kSql = JoinSql(kSelectRepositories, " WHERE id = ?");
  return QueryOne<Repository>(conn_, "repository", kSql, MapRepository, id);
}

Result<std::vector<Repository>> SqliteTx::ListRepositories() {
  static const std::string kSql = JoinSql(kSelectRepositories, " ORDER BY name");
  return QueryAll<Repository>(conn_, kSql, MapRepository);
}

// Three indexed probes (schedules_repository, jobs_host_repository_finished,
// snapshots_host_time).
Result<bool> SqliteTx::HostUsesRepository(std::string_view host_id, std::string_view repository_id) {
  static constexpr std::string_view kSql =
      "SELECT EXISTS (SELECT 1 FROM schedules WHERE repository_id = ?1 AND host_id = ?2)"
      " OR EXISTS (SELECT 1 FROM jobs WHERE host_id = ?2 AND repository_id = ?1)"
      " OR EXISTS (SELECT 1 FROM snapshots WHERE repository_id = ?1 AND host_id = ?2)";
  auto uses = QueryInt(conn_, "repository use", kSql, repository_id, host_id);
  if (!uses) return uses.error();
  return *uses != 0;
}

Result<std::vector<SealedRecord>> SqliteTx::ListSealedSecrets() {
  static constexpr std::string_view kSql =
      "SELECT 0, id, secret_nonce, secret_ciphertext FROM repositories"
      " UNION ALL SELECT 1, id, secret_nonce, secret_ciphertext FROM notification_channels"
      "   WHERE secret_ciphertext IS NOT NULL AND length(secret_ciphertext) > 0"
      " UNION ALL SELECT 2, user_id, secret_nonce, secret_ciphertext FROM user_totp"
      " ORDER BY 1, 2";
  return QueryAll<SealedRecord>(conn_, kSql, [](Row& row) {
    SealedRecord record;
    constexpr SealedKind kKinds[] = {SealedKind::kRepositoryPassword, SealedKind::kChannelSecret,
                                     SealedKind::kTotpSecret};
    record.kind = kKinds[std::clamp<int64_t>(row.Int(0), 0, 2)];
    record.id = row.Text(1);
    record.nonce = row.Blob(2);
    record.ciphertext = row.Blob(3);
    return record;
  });
}

Result<void> SqliteTx::ResealSecret(const SealedRecord& record) {
  // updated_at stays: the secret's value did not change, only its wrapping.
  std::string_view sql;
  switch (record.kind) {
    case SealedKind::kRepositoryPassword:
      sql = "UPDATE repositories SET secret_nonce = ?, secret_ciphertext = ? WHERE id = ?";
      break;
    case SealedKind::kChannelSecret:
      sql = "UPDATE notification_channels SET secret_nonce = ?, secret_ciphertext = ? WHERE id = ?";
      break;
    case SealedKind::kTotpSecret:
      sql = "UPDATE user_totp SET secret_nonce = ?, secret_ciphertext = ? WHERE user_id = ?";
      break;
  }
  return RequireChanged(Execute(conn_, sql, record.nonce, record.ciphertext, record.id), "sealed secret");
}

Result<Page<Repository>> SqliteTx::ListRepositoriesPage(const PageRequest& page) {
  const int limit = ClampPageLimit(page.limit);
  SqlFilter where;
  if (!page.cursor.empty()) {
    auto after = DecodeCursor(page.cursor, kRepositoryListing, 1);
    if (!after.ok()) return after.error();
    where.And("name > ?", std::move(after->front()));
  }
  where.values().emplace_back(int64_t{limit} + 1);
  const std::string sql = JoinSql(kSelectRepositories, where.sql() + " ORDER BY name LIMIT ?");
  auto rows = QueryAllBound<Repository>(conn_, sql, where.values(), MapRepository);
  if (!rows.ok()) return rows.error();
  return MakePage(std::move(*rows), limit, kRepositoryListing,
                  [](const Repository& repository) { return std::vector<std::string>{repository.name}; });
}

Result<Repository> SqliteTx::CreateRepository(const Repository& repository) {
  if (auto named = RequireName(repository.name); !named.ok()) return named.error();
  const TimePoint now = Now();
  const std::string id = repository.id.empty() ? NewUlid(now) : repository.id;
  auto inserted =
      Execute(conn_,
              "INSERT INTO repositories (id, name, url, secret_ciphertext, secret_nonce, created_at,"
              " updated_at, max_concurrent_backups, maintenance_cron, maintenance_minutes)"
              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              id, repository.name, repository.url, repository.secret_ciphertext, repository.secret_nonce, now,
              now, int64_t{repository.max_concurrent_backups}, std::string(repository.maintenance_cron),
              int64_t{repository.maintenance_minutes});
  if (!inserted.ok()) return inserted.error();
  return GetRepository(id);
}

Result<std::vector<HostVersion>> SqliteTx::UpdateRepository(const Repository& repository) {
  if (auto named = RequireName(repository.name); !named.ok()) return named.error();
  auto changed =
      Execute(conn_,
              "UPDATE repositories SET name = ?, url = ?, secret_ciphertext = ?, secret_nonce = ?,"
              " updated_at = ?, max_concurrent_backups = ?, maintenance_cron = ?,"
              " maintenance_minutes = ? WHERE id = ?",
              repository.name, repository.url, repository.secret_ciphertext, repository.secret_nonce, Now(),
              int64_t{repository.max_concurrent_backups}, std::string(repository.maintenance_cron),
              int64_t{repository.maintenance_minutes}, repository.id);
  if (auto found = RequireChanged(changed, "repository"); !found.ok()) return found.error();
  auto bumped = QueryAll<HostVersion>(
      conn_,
      "UPDATE hosts SET schedule_version_canonical = schedule_version_canonical + 1, schedule_changed_at = ?"
      " WHERE id IN (SELECT host_id FROM schedules WHERE repository_id = ?)"
      " RETURNING id, schedule_version_canonical",
      [](Row& row) {
        return HostVersion{row.Text(0), row.Int(1)};
      },
      Now(), repository.id);
  if (!bumped.ok()) return bumped.error();
  // RETURNING order is unspecified; callers (and tests) get a stable one.
  std::sort(bumped->begin(), bumped->end(),
            [](const HostVersion& a, const HostVersion& b) { return a.host_id < b.host_id; });
  return bumped;
}

Result<void> SqliteTx::DeleteRepository(std::string_view id) {
  return RequireChanged(Execute(conn_, "DELETE FROM repositories WHERE id = ?", id), "repository");
}

// -------------------------------------------------------- source groups --

Result<SourceGroup> SqliteTx::GetSourceGroup(std::string_view host_id, std::string_view id) {
  static const std::string kSql = JoinSql(kSelectGroups, " WHERE id = ? AND host_id = ?");
  return QueryOne<SourceGroup>(conn_, "source group", kSql, MapGroup, id, host_id);
}

Result<std::vector<SourceGroup>> SqliteTx::ListSourceGroups(std::string_view host_id) {
  static const std::string kSql = JoinSql(kSelectGroups, " WHERE host_id = ? ORDER BY name");
  return QueryAll<SourceGroup>(conn_, kSql, MapGroup, host_id);
}

Result<std::vector<SourceGroup>> SqliteTx::ListAllSourceGroups() {
  static const std::string kSql = JoinSql(kSelectGroups, " ORDER BY host_id, name");
  return QueryAll<SourceGroup>(conn_, kSql, MapGroup);
}

Result<SourceGroup> SqliteTx::GetSourceGroupById(std::string_view id) {
  static const std::string kSql = JoinSql(kSelectGroups, " WHERE id = ?");
  return QueryOne<SourceGroup>(conn_, "source group", kSql, MapGroup, id);
}

Result<Page<SourceGroup>> SqliteTx::ListSourceGroupsPage(const std::optional<std::string>& host_id,
                                                         const PageRequest& page) {
  const int limit = ClampPageLimit(page.limit);
  SqlFilter where;
  if (host_id) where.And("host_id = ?", *host_id);
  if (!page.cursor.empty()) {
    auto after = DecodeCursor(page.cursor, kGroupListing, 2);
    if (!after.ok()) return after.error();
    where.And("(name, id) > (?, ?)", std::move((*after)[0]), std::move((*after)[1]));
  }
  where.values().emplace_back(int64_t{limit} + 1);
  const std::string sql = JoinSql(kSelectGroups, where.sql() + " ORDER BY name, id LIMIT ?");
  auto rows = QueryAllBound<SourceGroup>(conn_, sql, where.values(), MapGroup);
  if (!rows.ok()) return rows.error();
  return MakePage(std::move(*rows), limit, kGroupListing, [](const SourceGroup& group) {
    return std::vector<std::string>{group.name, group.id};
  });
}

Result<SourceGroup> SqliteTx::CreateSourceGroup(const SourceGroup& group) {
  if (auto named = RequireName(group.name); !named.ok()) return named.error();
  const TimePoint now = Now();
  const std::string id = group.id.empty() ? NewUlid(now) : group.id;
  auto inserted = Execute(conn_,
                          "INSERT INTO source_groups (id, host_id, name, paths, excludes, tags, created_at,"
                          " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                          id, group.host_id, group.name, EncodeStringList(group.paths),
                          EncodeStringList(group.excludes), EncodeStringList(group.tags), now, now);
  if (!inserted.ok()) return inserted.error();
  return GetSourceGroup(group.host_id, id);
}

Result<SourceGroup> SqliteTx::UpdateSourceGroup(const SourceGroup& group) {
  if (auto named = RequireName(group.name); !named.ok()) return named.error();
  auto changed =
      Execute(conn_,
              "UPDATE source_groups SET name = ?, paths = ?, excludes = ?, tags = ?, updated_at = ?"
              " WHERE id = ? AND host_id = ?",
              group.name, EncodeStringList(group.paths), EncodeStringList(group.excludes),
              EncodeStringList(group.tags), Now(), group.id, group.host_id);
  if (auto found = RequireChanged(changed, "source group"); !found.ok()) return found.error();
  return GetSourceGroup(group.host_id, group.id);
}

Result<void> SqliteTx::DeleteSourceGroup(std::string_view host_id, std::string_view id) {
  return RequireChanged(Execute(conn_, "DELETE FROM source_groups WHERE id = ? AND host_id = ?", id, host_id),
                        "source group");
}

}  // namespace rmgr::store::sqlite

// SqliteTx: the repository-size series (repository_stats), what the stats
// planner reads, and each host's last restore drill.
#include <algorithm>
#include <map>
#include <string>

#include "server/store/sqlite/sqlite_tx.h"

namespace rmgr::store::sqlite {
namespace {

constexpr std::string_view kSelectStats =
    "SELECT repository_id, at, raw_data_bytes, COALESCE(uncompressed_bytes, -1), restore_size_bytes, "
    "snapshots,"
    " blobs, job_id FROM repository_stats";

RepositoryStatsRow MapStats(Row& row) {
  RepositoryStatsRow out;
  out.repository_id = row.Text(0);
  out.at = row.Time(1);
  out.raw_data_bytes = row.Int(2);
  if (const int64_t uncompressed = row.Int(3); uncompressed >= 0) out.uncompressed_bytes = uncompressed;
  out.restore_size_bytes = row.Int(4);
  out.snapshots = row.Int(5);
  out.blobs = row.Int(6);
  out.job_id = row.OptText(7);
  return out;
}

//! Most rows one series read returns (years of daily points).
constexpr int kMaxSeriesRows = 10000;

}  // namespace

Result<std::vector<RepositoryStatsRow>> SqliteTx::ListRepositoryStats(std::string_view repository_id,
                                                                      TimePoint since, int limit) {
  if (limit <= 0 || limit > kMaxSeriesRows) limit = kMaxSeriesRows;
  static const std::string kSql =
      std::string(kSelectStats) + " WHERE repository_id = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT ?";
  auto rows = QueryAll<RepositoryStatsRow>(conn_, kSql, MapStats, repository_id, since, limit);
  if (!rows) return rows;
  std::reverse(rows->begin(), rows->end());
  return rows;
}

Result<std::vector<RepositoryStatsRow>> SqliteTx::ListLatestRepositoryStats() {
  // The newest row per repository: the one no later row of its repository follows.
  static const std::string kSql =
      std::string(kSelectStats) +
      " AS s WHERE NOT EXISTS (SELECT 1 FROM repository_stats AS t WHERE t.repository_id = s.repository_id"
      " AND (t.at > s.at OR (t.at = s.at AND t.id > s.id))) ORDER BY repository_id";
  return QueryAll<RepositoryStatsRow>(conn_, kSql, MapStats);
}

Result<std::vector<StatsCandidate>> SqliteTx::ListStatsCandidates() {
  auto repositories = QueryAll<StatsCandidate>(
      conn_,
      "SELECT r.id,"
      " (SELECT MAX(at) FROM repository_stats WHERE repository_id = r.id),"
      " (SELECT MAX(created_at) FROM jobs WHERE repository_id = r.id AND kind = 'stats'),"
      " EXISTS (SELECT 1 FROM jobs WHERE repository_id = r.id AND kind = 'stats'"
      "         AND status IN ('queued', 'dispatched', 'running'))"
      " FROM repositories AS r ORDER BY r.id",
      [](Row& row) {
        StatsCandidate out;
        out.repository_id = row.Text(0);
        out.last_stats_at = row.OptTime(1);
        out.last_attempt_at = row.OptTime(2);
        out.stats_job_open = row.Bool(3);
        return out;
      });
  if (!repositories) return repositories;
  struct Link {
    std::string repository_id;
    StatsHost host;
  };
  auto links = QueryAll<Link>(conn_,
                              "SELECT DISTINCT s.repository_id, h.id, h.always_on, h.connected"
                              " FROM schedules AS s JOIN hosts AS h ON h.id = s.host_id"
                              " ORDER BY s.repository_id, h.id",
                              [](Row& row) {
                                return Link{row.Text(0), StatsHost{row.Text(1), row.Bool(2), row.Bool(3)}};
                              });
  if (!links) return links.error();
  std::map<std::string, StatsCandidate*> by_id;
  for (auto& candidate : *repositories) by_id[candidate.repository_id] = &candidate;
  for (auto& link : *links) {
    if (auto found = by_id.find(link.repository_id); found != by_id.end()) {
      found->second->hosts.push_back(std::move(link.host));
    }
  }
  return repositories;
}

Result<std::vector<LastDrill>> SqliteTx::ListLastDrills() {
  struct Newest {
    std::string host_id;
    std::string job_id;
  };
  // finished_at orders them; the id breaks a tie.
  auto newest = QueryAll<Newest>(
      conn_,
      "SELECT j.host_id, j.id FROM jobs AS j WHERE j.kind = 'drill'"
      " AND j.status IN ('succeeded', 'partial', 'failed') AND j.finished_at IS NOT NULL"
      " AND NOT EXISTS (SELECT 1 FROM jobs AS k WHERE k.host_id = j.host_id AND k.kind = 'drill'"
      "   AND k.status IN ('succeeded', 'partial', 'failed') AND k.finished_at IS NOT NULL"
      "   AND (k.finished_at > j.finished_at OR (k.finished_at = j.finished_at AND k.id > j.id)))"
      " ORDER BY j.host_id",
      [](Row& row) {
        return Newest{row.Text(0), row.Text(1)};
      });
  if (!newest) return newest.error();
  std::vector<LastDrill> out;
  out.reserve(newest->size());
  for (const auto& n : *newest) {
    auto job = GetJob(n.job_id);
    if (!job) return job.error();
    out.push_back(LastDrill{n.host_id, std::move(*job)});
  }
  return out;
}

Result<void> SqliteTx::AddRepositoryStats(const RepositoryStatsRow& row) {
  if (row.raw_data_bytes < 0 || row.restore_size_bytes < 0 || row.snapshots < 0 || row.blobs < 0 ||
      (row.uncompressed_bytes && *row.uncompressed_bytes < 0)) {
    return MakeError(ErrorCode::kInvalidArgument, "repository stats cannot be negative");
  }
  auto written =
      Execute(conn_,
              "INSERT INTO repository_stats (repository_id, at, raw_data_bytes, uncompressed_bytes,"
              " restore_size_bytes, snapshots, blobs, job_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
              row.repository_id, TruncateToMs(row.at), row.raw_data_bytes, row.uncompressed_bytes,
              row.restore_size_bytes, row.snapshots, row.blobs, row.job_id);
  if (!written.ok()) return written.error();
  return Ok();
}

}  // namespace rmgr::store::sqlite

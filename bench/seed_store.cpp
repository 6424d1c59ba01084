// seed_store: fills a restic-manager SQLite database with N hosts and M jobs
// through the real Store, for the API load benchmark (bench/api_load.sh).
// Usage: seed_store DB_FILE HOSTS JOBS
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "server/store/store.h"

namespace {

using rmgr::store::JobKind;
using rmgr::store::JobStatus;

int Fail(const rmgr::Error& error) {
  std::fprintf(stderr, "seed_store: %s\n", error.Describe().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: seed_store DB_FILE HOSTS JOBS\n");
    return 2;
  }
  const long hosts = std::strtol(argv[2], nullptr, 10);
  const long jobs = std::strtol(argv[3], nullptr, 10);
  // A clock that advances one second per call spreads created_at like a
  // real history, so keyset paging works on distinct timestamps.
  auto fake_now = std::make_shared<rmgr::TimePoint>(rmgr::Clock::now() - std::chrono::hours(24 * 365));
  rmgr::store::SqliteOptions options;
  options.clock = [fake_now] { return *fake_now += std::chrono::seconds(1); };
  auto store = rmgr::store::OpenSqliteStore(argv[1], options);
  if (!store) return Fail(store.error());

  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> host_ids;
  host_ids.reserve(static_cast<size_t>(hosts));
  constexpr long kBatch = 5000;
  for (long first = 0; first < hosts; first += kBatch) {
    auto ok = (*store)->Write([&](rmgr::store::WriteTx& tx) -> rmgr::Result<void> {
      for (long i = first; i < std::min(hosts, first + kBatch); ++i) {
        rmgr::store::NewHost host;
        host.name = "host-" + std::to_string(i);
        host.hostname = host.name + ".example.internal";
        host.always_on = i % 4 != 0;
        auto created = tx.CreateHost(host);
        if (!created) return created.error();
        host_ids.push_back(created->id);
      }
      return rmgr::Ok();
    });
    if (!ok) return Fail(ok.error());
  }
  const JobKind kinds[] = {JobKind::kBackup, JobKind::kBackup, JobKind::kBackup, JobKind::kForget, JobKind::kCheck};
  for (long first = 0; first < jobs; first += kBatch) {
    auto ok = (*store)->Write([&](rmgr::store::WriteTx& tx) -> rmgr::Result<void> {
      for (long i = first; i < std::min(jobs, first + kBatch); ++i) {
        rmgr::store::NewJob job;
        job.host_id = host_ids[static_cast<size_t>(i) % host_ids.size()];
        job.kind = kinds[i % 5];
        job.actor_kind = rmgr::store::ActorKind::kApi;
        job.actor_id = "seed";
        auto created = tx.CreateJob(job);
        if (!created) return created.error();
        if (i % 10 == 0) continue;  // a tenth stay queued
        auto dispatched = tx.TransitionJob(created->id, JobStatus::kDispatched);
        if (!dispatched) return dispatched.error();
        rmgr::store::JobResult result;
        result.status = i % 17 == 0 ? JobStatus::kFailed : JobStatus::kSucceeded;
        result.exit_code = result.status == JobStatus::kFailed ? 1 : 0;
        if (result.status == JobStatus::kFailed) result.error = "repository is already locked";
        auto finished = tx.FinishJob(created->id, result);
        if (!finished) return finished.error();
      }
      return rmgr::Ok();
    });
    if (!ok) return Fail(ok.error());
  }
  const auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("seeded %ld hosts and %ld jobs in %.1f s\n", hosts, jobs, secs);
  return 0;
}

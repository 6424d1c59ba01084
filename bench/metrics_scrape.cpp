// metrics_scrape: the cost of one GET /metrics scrape (ServerMetrics::Scrape:
// the store snapshot plus the text) against a store seeded like a large
// fleet, then again with an index jobs (kind, status) added, to see what
// such an index would buy the job counts.
// Usage: metrics_scrape [HOSTS=10000] [JOBS_PER_PAIR=5] [SNAPSHOTS_PER_PAIR=5] [SCRAPES=20] [DB_DIR=/tmp]
// Each host has two source groups, one backup schedule over both (two
// pairs); hosts share repositories 100 to one; every repository has one
// failed check. Prints seeding time, the scrape's size, and scrape times.
// RMGR_BENCH_KEEP=1 keeps the database (to look at single queries).
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "server/metrics/server_metrics.h"
#include "server/store/store.h"

namespace {

using rmgr::store::JobStatus;
namespace store = rmgr::store;

int Fail(const rmgr::Error& error) {
  std::fprintf(stderr, "metrics_scrape: %s\n", error.Describe().c_str());
  return 1;
}

long Arg(int argc, char** argv, int i, long fallback) {
  return argc > i ? std::strtol(argv[i], nullptr, 10) : fallback;
}

struct Timing {
  double median_ms = 0;
  double p95_ms = 0;
  double max_ms = 0;
  std::size_t bytes = 0;
  double median_store_ms = 0;    // the store snapshot's part (rmgr_metrics_store_read_seconds)
  double cpu_ms_per_scrape = 0;  // process CPU time (user + system) per scrape: less noisy on a busy machine
};

// The value of `rmgr_metrics_store_read_seconds` in a scrape, in ms.
double StoreReadMs(const std::string& text) {
  constexpr std::string_view kLine = "\nrmgr_metrics_store_read_seconds ";
  const auto at = text.find(kLine);
  return at == std::string::npos ? -1 : std::strtod(text.c_str() + at + kLine.size(), nullptr) * 1000;
}

rmgr::Result<Timing> Measure(rmgr::server::metrics::ServerMetrics& metrics, long scrapes) {
  const std::clock_t cpu_began = std::clock();
  std::vector<double> ms;
  std::vector<double> store_ms;
  std::size_t bytes = 0;
  for (long i = 0; i < scrapes; ++i) {
    const auto began = std::chrono::steady_clock::now();
    auto text = metrics.Scrape();
    if (!text.ok()) return text.error();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - began).count());
    bytes = text->size();
    store_ms.push_back(StoreReadMs(*text));
  }
  const double cpu_ms = 1000.0 * static_cast<double>(std::clock() - cpu_began) / CLOCKS_PER_SEC;
  std::sort(ms.begin(), ms.end());
  std::sort(store_ms.begin(), store_ms.end());
  return Timing{ms[ms.size() / 2],
                ms[std::min(ms.size() - 1, ms.size() * 95 / 100)],
                ms.back(),
                bytes,
                store_ms[store_ms.size() / 2],
                cpu_ms / static_cast<double>(scrapes)};
}

}  // namespace

int main(int argc, char** argv) {
  const long hosts = Arg(argc, argv, 1, 10000);
  const long jobs_per_pair = Arg(argc, argv, 2, 5);
  const long snapshots_per_pair = Arg(argc, argv, 3, 5);
  const long scrapes = Arg(argc, argv, 4, 20);
  const std::filesystem::path dir = std::filesystem::path(argc > 5 ? argv[5] : "/tmp") /
                                    ("rmgr-metrics-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto db = dir / "restic-manager.db";
  auto opened = store::OpenSqliteStore(db);
  if (!opened) return Fail(opened.error());
  auto& st = **opened;

  const auto seed_began = std::chrono::steady_clock::now();
  std::vector<std::string> repositories;
  for (long r = 0; r < std::max(1L, hosts / 100); ++r) {
    store::Repository repository;
    repository.name = "repo-" + std::to_string(r);
    repository.url = "/srv/restic/" + repository.name;
    repository.secret_ciphertext = {1};
    repository.secret_nonce = {2};
    auto made = st.Write([&](store::WriteTx& tx) { return tx.CreateRepository(repository); });
    if (!made) return Fail(made.error());
    repositories.push_back(made->id);
  }
  constexpr long kBatch = 200;
  long snapshot_seq = 0;
  for (long first = 0; first < hosts; first += kBatch) {
    auto ok = st.Write([&](store::WriteTx& tx) -> rmgr::Result<void> {
      for (long i = first; i < std::min(hosts, first + kBatch); ++i) {
        const std::string name = "host-" + std::to_string(i);
        auto host = tx.CreateHost(store::NewHost{
            .name = name, .hostname = name, .always_on = i % 4 != 0, .token_hash = "token-" + name});
        if (!host) return host.error();
        store::HostStatus status;
        status.connected = i % 10 != 0;
        status.seen_at = rmgr::Clock::now();
        if (auto updated = tx.UpdateHostStatus(host->id, status); !updated) return updated.error();
        const std::string& repository_id = repositories[static_cast<std::size_t>(i) % repositories.size()];
        std::vector<std::string> groups;
        for (const char* group_name : {"etc", "home"}) {
          store::SourceGroup group;
          group.host_id = host->id;
          group.name = group_name;
          group.paths = {std::string("/") + group_name};
          auto made = tx.CreateSourceGroup(group);
          if (!made) return made.error();
          groups.push_back(made->id);
        }
        store::Schedule schedule;
        schedule.host_id = host->id;
        schedule.name = "nightly";
        schedule.cron = "0 3 * * *";
        schedule.repository_id = repository_id;
        schedule.source_group_ids = groups;
        auto made = tx.CreateSchedule(schedule);
        if (!made) return made.error();
        std::vector<store::Snapshot> snapshots;
        for (const auto& group_id : groups) {
          for (long j = 0; j < jobs_per_pair; ++j) {
            store::NewJob job;
            job.host_id = host->id;
            job.actor_kind = store::ActorKind::kSchedule;
            job.schedule_id = made->schedule.id;
            job.source_group_id = group_id;
            job.repository_id = repository_id;
            job.scheduled_at = rmgr::Clock::now() - std::chrono::hours(24 * (jobs_per_pair - j));
            auto created = tx.CreateJob(job);
            if (!created) return created.error();
            if (auto d = tx.TransitionJob(created->id, JobStatus::kDispatched); !d) return d.error();
            store::JobResult result;
            result.status = (i + j) % 17 == 0 ? JobStatus::kFailed : JobStatus::kSucceeded;
            if (result.status == JobStatus::kSucceeded) {
              result.summary_json =
                  R"({"files_new":12,"files_changed":3,"total_files_processed":40000,)"
                  R"("data_added":1048576,"total_bytes_processed":987654321,"total_duration":93.5})";
            }
            auto finished = tx.FinishJob(created->id, result);
            if (!finished) return finished.error();
          }
          for (long s = 0; s < snapshots_per_pair; ++s) {
            store::Snapshot snapshot;
            char id[65];
            std::snprintf(id, sizeof id, "%064lx", ++snapshot_seq);
            snapshot.id = id;
            snapshot.short_id = snapshot.id.substr(56);
            snapshot.time = rmgr::Clock::now() - std::chrono::hours(24 * s);
            snapshot.hostname = name;
            snapshot.host_id = host->id;
            snapshots.push_back(snapshot);
          }
        }
        if (auto up = tx.UpsertSnapshots(repository_id, snapshots); !up) return up.error();
      }
      return rmgr::Ok();
    });
    if (!ok) return Fail(ok.error());
  }
  const double seed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - seed_began).count();
  std::printf("seeded %ld hosts, %ld repositories, %ld backup jobs, %ld snapshots in %.1f s\n", hosts,
              static_cast<long>(repositories.size()), hosts * 2 * jobs_per_pair, snapshot_seq, seed_s);

  rmgr::server::metrics::MetricsSources sources;
  sources.store = &st;
  sources.version = "bench";
  rmgr::server::metrics::ServerMetrics metrics(sources);
  auto plain = Measure(metrics, scrapes);
  if (!plain) return Fail(plain.error());
  std::printf(
      "scrape: %zu bytes; median %.1f ms (store read %.1f ms), p95 %.1f ms, max %.1f ms, "
      "CPU %.1f ms per scrape, over %ld scrapes\n",
      plain->bytes, plain->median_ms, plain->median_store_ms, plain->p95_ms, plain->max_ms,
      plain->cpu_ms_per_scrape, scrapes);

  // The same with an index jobs (kind, status), added from outside the store.
  sqlite3* raw = nullptr;
  if (sqlite3_open(db.c_str(), &raw) != SQLITE_OK ||
      sqlite3_exec(raw, "CREATE INDEX IF NOT EXISTS bench_jobs_kind_status ON jobs (kind, status)", nullptr,
                   nullptr, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "metrics_scrape: cannot add the index: %s\n", sqlite3_errmsg(raw));
    return 1;
  }
  sqlite3_close(raw);
  opened->reset();  // reopen so every pooled connection sees the new schema
  auto reopened = store::OpenSqliteStore(db);
  if (!reopened) return Fail(reopened.error());
  sources.store = reopened->get();
  rmgr::server::metrics::ServerMetrics indexed_metrics(sources);
  auto indexed = Measure(indexed_metrics, scrapes);
  if (!indexed) return Fail(indexed.error());
  std::printf(
      "with index jobs (kind, status): median %.1f ms (store read %.1f ms), p95 %.1f ms, max %.1f ms, "
      "CPU %.1f ms per scrape\n",
      indexed->median_ms, indexed->median_store_ms, indexed->p95_ms, indexed->max_ms,
      indexed->cpu_ms_per_scrape);
  reopened->reset();
  if (std::getenv("RMGR_BENCH_KEEP") != nullptr) {
    std::printf("kept %s\n", db.c_str());
  } else {
    std::filesystem::remove_all(dir);
  }
  return 0;
}

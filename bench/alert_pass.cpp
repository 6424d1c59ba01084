// alert_pass: the alert engine's cost at fleet size (issue 11). Seeds a
// fresh SQLite store with HOSTS hosts — each with two source groups, a
// daily backup schedule over both and a weekly check — whose last
// successes, failures and presence vary like a real fleet's, then measures
// through the real AlertEngine:
//   - the first full pass (every alert of the fleet fires),
//   - the steady full pass (nothing changes: what the periodic timer costs),
//   - the event path: one job result → its subject and host evaluated.
// Usage: alert_pass DB_FILE [HOSTS]   (prints its figures; see bench/RESULTS.md)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "server/alerts/alert_engine.h"
#include "server/store/store.h"

namespace {

using rmgr::TimePoint;
using rmgr::store::JobStatus;
using SteadyClock = std::chrono::steady_clock;

int Fail(const rmgr::Error& error) {
  std::fprintf(stderr, "alert_pass: %s\n", error.Describe().c_str());
  return 1;
}

double Ms(std::chrono::microseconds us) {
  return static_cast<double>(us.count()) / 1000.0;
}

void Print(const char* what, const rmgr::server::alerts::PassStats& s, double wall_ms) {
  std::printf(
      "%-22s %7.1f ms wall  (read %7.1f, rules %6.1f, write %7.1f)  hosts %d, subjects %d, conditions %d, "
      "fired %d, resolved %d, reminded %d\n",
      what, wall_ms, Ms(s.read), Ms(s.evaluate), Ms(s.write), s.hosts, s.subjects, s.conditions, s.fired,
      s.resolved, s.reminded);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: alert_pass DB_FILE [HOSTS]\n");
    return 2;
  }
  const long hosts = argc == 3 ? std::strtol(argv[2], nullptr, 10) : 10000;
  // The store's clock starts 10 days ago and is moved to "now" after seeding.
  auto now = std::make_shared<TimePoint>(rmgr::Clock::now() - std::chrono::hours(24 * 10));
  rmgr::store::SqliteOptions options;
  options.clock = [now] { return *now; };
  auto opened = rmgr::store::OpenSqliteStore(argv[1], options);
  if (!opened) return Fail(opened.error());
  rmgr::store::Store& store = **opened;

  const auto seed_start = SteadyClock::now();
  rmgr::store::Repository repository;
  repository.name = "fleet-repo";
  repository.url = "/srv/restic/fleet";
  auto repo = store.Write([&](rmgr::store::WriteTx& tx) { return tx.CreateRepository(repository); });
  if (!repo) return Fail(repo.error());
  struct Seeded {
    std::string host, backup, check;
    std::vector<std::string> groups;
  };
  std::vector<Seeded> fleet;
  fleet.reserve(static_cast<size_t>(hosts));
  constexpr long kBatch = 1000;
  for (long first = 0; first < hosts; first += kBatch) {
    auto ok = store.Write([&](rmgr::store::WriteTx& tx) -> rmgr::Result<void> {
      for (long i = first; i < std::min(hosts, first + kBatch); ++i) {
        rmgr::store::NewHost host;
        host.name = "host-" + std::to_string(i);
        host.always_on = i % 4 != 0;
        auto made = tx.CreateHost(host);
        if (!made) return made.error();
        rmgr::store::HostStatus status;
        status.connected = i % 50 != 0;  // 2 % away
        status.seen_at = *now;
        status.agent_version = "0.1.0";
        status.restic_version = i % 100 == 1 ? "0.9.6" : "0.14.0";
        if (auto set = tx.UpdateHostStatus(made->id, status); !set) return set.error();
        Seeded seeded{made->id, {}, {}, {}};
        for (const char* name : {"etc", "home"}) {
          rmgr::store::SourceGroup group;
          group.host_id = made->id;
          group.name = name;
          group.paths = {std::string("/") + name};
          auto g = tx.CreateSourceGroup(group);
          if (!g) return g.error();
          seeded.groups.push_back(g->id);
        }
        rmgr::store::Schedule backup;
        backup.host_id = made->id;
        backup.name = "nightly";
        backup.cron = "0 3 * * *";
        backup.repository_id = repo->id;
        backup.source_group_ids = seeded.groups;
        auto b = tx.CreateSchedule(backup);
        if (!b) return b.error();
        seeded.backup = b->schedule.id;
        rmgr::store::Schedule check = backup;
        check.name = "weekly check";
        check.kind = rmgr::store::JobKind::kCheck;
        check.cron = "0 5 * * 0";
        check.source_group_ids = {};
        auto c = tx.CreateSchedule(check);
        if (!c) return c.error();
        seeded.check = c->schedule.id;
        fleet.push_back(std::move(seeded));
      }
      return rmgr::Ok();
    });
    if (!ok) return Fail(ok.error());
  }
  // Ten days of history, one night at a time: most backups succeed; 1 in 20
  // hosts failed last night; 1 in 40 stopped backing up four days ago.
  for (int day = 0; day < 10; ++day) {
    *now += std::chrono::hours(24);
    for (long first = 0; first < hosts; first += kBatch) {
      auto ok = store.Write([&](rmgr::store::WriteTx& tx) -> rmgr::Result<void> {
        for (long i = first; i < std::min(hosts, first + kBatch); ++i) {
          const Seeded& h = fleet[static_cast<size_t>(i)];
          if (i % 40 == 3 && day >= 6) continue;
          for (const auto& group : h.groups) {
            rmgr::store::NewJob job;
            job.host_id = h.host;
            job.actor_kind = rmgr::store::ActorKind::kSchedule;
            job.actor_id = h.backup;
            job.schedule_id = h.backup;
            job.source_group_id = group;
            job.repository_id = repo->id;
            auto made = tx.CreateJob(job);
            if (!made) return made.error();
            if (auto sent = tx.TransitionJob(made->id, JobStatus::kDispatched); !sent) return sent.error();
            rmgr::store::JobResult result;
            result.status = (i % 20 == 5 && day == 9) ? JobStatus::kFailed : JobStatus::kSucceeded;
            if (result.status == JobStatus::kFailed) result.error = "unable to open repository";
            if (auto done = tx.FinishJob(made->id, result); !done) return done.error();
          }
        }
        return rmgr::Ok();
      });
      if (!ok) return Fail(ok.error());
    }
  }
  *now = rmgr::Clock::now();
  const double seed_s = std::chrono::duration<double>(SteadyClock::now() - seed_start).count();
  std::printf(
      "seeded %ld hosts (2 groups, a daily backup and a weekly check each) with 10 nights of jobs in %.1f "
      "s\n",
      hosts, seed_s);

  rmgr::server::alerts::AlertEngineOptions engine_options;
  engine_options.period = std::chrono::hours(1000);
  engine_options.now = [now] { return *now; };
  engine_options.rescan = std::chrono::hours(24);
  rmgr::server::alerts::AlertEngine engine(store, engine_options);
  auto start = SteadyClock::now();
  engine.Start();  // the rescan of last night's outcomes, then a full pass
  std::printf(
      "%-22s %7.1f ms wall  (rescan of every subject with a job in the last 24 h, then a full pass)\n",
      "start", std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count());
  // Start's passes ran at the engine's start time: "overdue" opens only
  // after the settle time; move past it, as a server that has run a while.
  *now += std::chrono::minutes(11);
  for (const char* what : {"full pass (fires)", "full pass (steady)", "full pass (steady)"}) {
    start = SteadyClock::now();
    auto pass = engine.RunPass();
    if (!pass) return Fail(pass.error());
    Print(what, *pass, std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count());
  }
  std::vector<double> event_ms;
  for (int i = 0; i < 200; ++i) {
    const Seeded& h = fleet[static_cast<size_t>(i * 37 % hosts)];
    rmgr::store::Job job;
    job.host_id = h.host;
    job.schedule_id = h.backup;
    job.source_group_id = h.groups[0];
    job.status = JobStatus::kSucceeded;
    start = SteadyClock::now();
    engine.JobChanged(job);
    auto drained = engine.Drain();
    if (!drained) return Fail(drained.error());
    event_ms.push_back(std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count());
  }
  std::sort(event_ms.begin(), event_ms.end());
  std::printf("%-22s p50 %.2f ms, p99 %.2f ms, max %.2f ms over %zu job results (subject + host evaluated)\n",
              "event path", event_ms[event_ms.size() / 2], event_ms[event_ms.size() * 99 / 100],
              event_ms.back(), event_ms.size());
  engine.Stop();
  return 0;
}

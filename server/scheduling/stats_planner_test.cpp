// The stats planner: the pure choice of host and due repositories, and the
// pass against a real SQLite store — one job per due repository through the
// preferred host, audited as the system, no second job while one is open or
// right after an attempt, a new one once the last size is older than the
// interval, and the series stored from a stats result.
#include "server/scheduling/stats_planner.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <mutex>

#include "server/scheduling/wire_mapping.h"

namespace rmgr::server::scheduling {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::minutes;

store::StatsCandidate Candidate(std::string id, std::vector<store::StatsHost> hosts) {
  store::StatsCandidate c;
  c.repository_id = std::move(id);
  c.hosts = std::move(hosts);
  return c;
}

TEST(PickStatsHost, PrefersConnectedAlwaysOnThenConnectedThenAlwaysOn) {
  EXPECT_EQ(PickStatsHost(Candidate("R", {})), std::nullopt);
  EXPECT_EQ(PickStatsHost(Candidate("R", {{"A", false, false}, {"B", true, false}})), "B");
  EXPECT_EQ(PickStatsHost(Candidate("R", {{"A", true, false}, {"B", false, true}})), "B");
  EXPECT_EQ(PickStatsHost(Candidate("R", {{"C", true, true}, {"A", false, true}, {"B", true, true}})), "B");
  EXPECT_EQ(PickStatsHost(Candidate("R", {{"B", false, false}, {"A", false, false}})), "A");
}

TEST(PlanStats, DueWhenOlderThanTheIntervalAndNothingOpenOrJustTried) {
  const TimePoint now = Clock::now();
  const StatsPlanSettings settings{.interval = hours(24), .retry_after = hours(1)};
  auto never = Candidate("R1", {{"H", true, true}});
  auto fresh = Candidate("R2", {{"H", true, true}});
  fresh.last_stats_at = now - hours(23);
  auto stale = Candidate("R3", {{"H", true, true}});
  stale.last_stats_at = now - hours(25);
  stale.last_attempt_at = now - hours(25);
  auto open = Candidate("R4", {{"H", true, true}});
  open.stats_job_open = true;
  auto tried = Candidate("R5", {{"H", true, true}});
  tried.last_attempt_at = now - minutes(30);
  auto unused = Candidate("R6", {});
  const auto picks = PlanStats({never, fresh, stale, open, tried, unused}, now, settings);
  EXPECT_EQ(picks, (std::vector<StatsPick>{{"R1", "H"}, {"R3", "H"}}));
}

class RecordingNotifier : public AgentNotifier {
 public:
  void SchedulesChanged(const std::string&) override {}
  void JobsQueued(const std::string& host_id) override {
    std::lock_guard lock(mu_);
    queued.push_back(host_id);
  }
  void CancelRequested(const std::string&, const std::string&) override {}
  void HostDeleted(const std::string&) override {}
  void Browse(BrowseQuery, BrowseDone done) override { done(MakeError(ErrorCode::kConflict, "offline")); }

  std::mutex mu_;
  std::vector<std::string> queued;
};

class StatsPlannerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "rmgr-stats-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto opened = store::OpenSqliteStore(dir_ / "store.db");
    ASSERT_TRUE(opened.ok()) << opened.error().Describe();
    store_ = std::move(opened).value();
    now_ = Clock::now();
  }
  void TearDown() override {
    planner_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }

  template <class T>
  static T Must(Result<T> result) {
    EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().Describe());
    return std::move(result).value();
  }

  store::Host Host(const std::string& name, bool always_on, bool connected) {
    return Must(store_->Write([&](store::WriteTx& tx) -> Result<store::Host> {
      auto host = tx.CreateHost(store::NewHost{name, name, always_on, ""});
      if (!host) return host;
      store::HostStatus status;
      status.connected = connected;
      if (auto set = tx.UpdateHostStatus(host->id, status); !set) return set.error();
      return tx.GetHost(host->id);
    }));
  }

  store::Repository Repository(const std::string& name) {
    store::Repository r;
    r.name = name;
    r.url = "/srv/" + name;
    r.secret_ciphertext = {1};
    r.secret_nonce = {2};
    return Must(store_->Write([&](store::WriteTx& tx) { return tx.CreateRepository(r); }));
  }

  void Schedule(const store::Host& host, const store::Repository& repository) {
    store::Schedule s;
    s.host_id = host.id;
    s.name = "prune-" + repository.name;
    s.kind = store::JobKind::kPrune;
    s.cron = "0 3 * * *";
    s.repository_id = repository.id;
    Must(store_->Write([&](store::WriteTx& tx) { return tx.CreateSchedule(s); }));
  }

  StatsPlanner& Planner() {
    if (!planner_) {
      planner_ = std::make_unique<StatsPlanner>(io_.get_executor(), *store_, notifier_, events::NoEvents(),
                                                StatsPlanner::Settings{}, [this] { return now_; });
    }
    return *planner_;
  }

  std::vector<store::Job> Pass() { return Must(Planner().RunOnce()); }

  void Finish(const store::Job& job, uint64_t raw_bytes) {
    protocol::JobResult result;
    result.job_id = job.id;
    result.status = protocol::JobStatus::kSucceeded;
    result.finished_at = now_;
    result.stats =
        protocol::RepositoryStats{.raw_data_bytes = raw_bytes, .snapshots = 3, .restore_size_bytes = 9};
    Must(store_->Write([&](store::WriteTx& tx) -> Result<bool> {
      if (auto moved = tx.TransitionJob(job.id, store::JobStatus::kDispatched); !moved) return moved.error();
      if (auto moved = tx.TransitionJob(job.id, store::JobStatus::kRunning); !moved) return moved.error();
      auto finished = tx.FinishJob(job.id, ToStoreResult(result));
      if (!finished) return finished.error();
      if (auto added = tx.AddRepositoryStats(ToStatsRow(*result.stats, *job.repository_id, job.id, now_));
          !added)
        return added.error();
      return true;
    }));
  }

  fs::path dir_;
  std::unique_ptr<store::Store> store_;
  boost::asio::io_context io_;
  RecordingNotifier notifier_;
  std::unique_ptr<StatsPlanner> planner_;
  TimePoint now_;
};

TEST_F(StatsPlannerTest, QueuesOneJobPerRepositoryThroughThePreferredHostAndNotTwice) {
  const auto offline = Host("offline", true, false);
  const auto laptop = Host("laptop", false, true);
  const auto server = Host("server", true, true);
  const auto repo = Repository("main");
  Repository("unused");  // no host has a schedule on it
  Schedule(offline, repo);
  Schedule(laptop, repo);
  Schedule(server, repo);

  const auto first = Pass();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].kind, store::JobKind::kStats);
  EXPECT_EQ(first[0].host_id, server.id);
  EXPECT_EQ(first[0].repository_id, repo.id);
  EXPECT_EQ(first[0].status, store::JobStatus::kQueued);
  EXPECT_EQ(first[0].actor_kind, store::ActorKind::kSystem);
  EXPECT_EQ(notifier_.queued, std::vector<std::string>{server.id});
  const auto audit = Must(store_->Read(
      [](store::ReadTx& tx) { return tx.ListAudit(store::AuditFilter{}, store::PageRequest{}); }));
  ASSERT_FALSE(audit.items.empty());
  EXPECT_EQ(audit.items.front().action, "repository.stats");
  EXPECT_EQ(audit.items.front().actor_kind, store::ActorKind::kSystem);
  EXPECT_EQ(audit.items.front().target_id, repo.id);

  now_ += hours(2);
  EXPECT_TRUE(Pass().empty()) << "a stats job is still queued";

  Finish(first[0], 1000);
  EXPECT_TRUE(Pass().empty()) << "measured just now";
  now_ += hours(23);
  EXPECT_TRUE(Pass().empty()) << "not yet a day old";
  now_ += hours(2);
  const auto next = Pass();
  ASSERT_EQ(next.size(), 1u) << "older than the interval";
  Finish(next[0], 800);  // after a prune: the series goes down

  const auto series =
      Must(store_->Read([&](store::ReadTx& tx) { return tx.ListRepositoryStats(repo.id, TimePoint{}, 0); }));
  ASSERT_EQ(series.size(), 2u);
  EXPECT_EQ(series[0].raw_data_bytes, 1000);
  EXPECT_EQ(series[1].raw_data_bytes, 800);
  EXPECT_EQ(series[1].restore_size_bytes, 9);
  EXPECT_EQ(series[1].snapshots, 3);
  EXPECT_EQ(series[1].job_id, next[0].id);
}

TEST_F(StatsPlannerTest, AFailedAttemptIsRetriedOnlyAfterTheRetryDelay) {
  const auto server = Host("server", true, true);
  const auto repo = Repository("main");
  Schedule(server, repo);
  const auto first = Pass();
  ASSERT_EQ(first.size(), 1u);
  Must(store_->Write([&](store::WriteTx& tx) {
    store::JobResult failed;
    failed.status = store::JobStatus::kFailed;
    return tx.FinishJob(first[0].id, failed);
  }));
  now_ += minutes(30);
  EXPECT_TRUE(Pass().empty());
  now_ += minutes(31);
  EXPECT_EQ(Pass().size(), 1u);
}

TEST_F(StatsPlannerTest, TimerRunsThePassAndStopEndsIt) {
  const auto server = Host("server", true, true);
  Schedule(server, Repository("main"));
  planner_ = std::make_unique<StatsPlanner>(
      io_.get_executor(), *store_, notifier_, events::NoEvents(),
      StatsPlanner::Settings{.check_every = std::chrono::milliseconds(1)}, [this] { return now_; });
  planner_->Start();
  io_.run_one();  // the first pass
  EXPECT_EQ(notifier_.queued.size(), 1u);
  planner_->Stop();
  io_.run();  // the re-armed timer is cancelled: run() returns
  EXPECT_EQ(notifier_.queued.size(), 1u);
}

}  // namespace
}  // namespace rmgr::server::scheduling

// Repositories shared between hosts (server/scheduling/repository_leases.h),
// across processes: two real agents write to one local repository with the
// real restic. The server orders their jobs by repository leases, so none
// fails on restic's lock.
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/testing/restic.h"
#include "tests/loop/loop_fixture.h"

namespace rmgr::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

class LoopLeasesTest : public LoopTest {
 protected:
  // Two hosts sharing one repository: `slow` runs restic throttled (a backup
  // of BigTree lasts a while), `maint` runs restic with slow downloads (a
  // check reading all data lasts a while).
  void SetUp() override {
    LoopTest::SetUp();
    ASSERT_NO_FATAL_FAILURE(StartServer());
    slow_ = EnrollAgent("slow");
    maint_ = EnrollAgent("maint");
    ASSERT_TRUE(slow_ != nullptr && maint_ != nullptr);
    ASSERT_NO_FATAL_FAILURE(StartAgent(*slow_, {"--restic", ThrottledRestic().string()}));
    ASSERT_NO_FATAL_FAILURE(StartAgent(*maint_, {"--restic", SlowReadRestic().string()}));
    ASSERT_TRUE(WaitConnected(*slow_) && WaitConnected(*maint_)) << Logs();
    repo_ = dir_ / "shared-repo";
    ASSERT_NO_FATAL_FAILURE(ResticInit(repo_, kPassword));
    repo_id_ = CreateRepository("shared", repo_, kPassword);
    big_ = CreateGroup(slow_->host_id, "big", {BigTree().string()});
    ASSERT_FALSE(repo_id_.empty() || big_.empty());
  }

  //! restic with downloads limited, so reading BigTree's data back takes a while (it execs the real restic).
  fs::path SlowReadRestic() {
    const fs::path script = dir_ / "restic-slow-read";
    std::ofstream(script) << "#!/bin/sh\nexec " << test_support::ResticBinary()
                          << " --limit-download 2048 \"$@\"\n";
    fs::permissions(script, fs::perms::owner_all);
    return script;
  }

  //! A schedule that never fires by itself (run through POST /schedules/{id}/run).
  std::string YearlySchedule(const std::string& host_id, const std::string& name, const std::string& kind,
                             json::object extra = {}) {
    json::object body{{"host_id", host_id},
                      {"name", name},
                      {"kind", kind},
                      {"cron", "0 0 1 1 *"},
                      {"repository_id", repo_id_}};
    for (auto& [key, value] : extra) body[key] = value;
    const auto made = CreateSchedule(std::move(body));
    return made.is_object() ? Str(made, "id") : std::string{};
  }

  //! Runs the schedule now: its first job's id.
  std::string RunSchedule(const std::string& schedule_id) {
    const auto run = api().Post("/schedules/" + schedule_id + "/run");
    EXPECT_EQ(run.status, 201) << run.Describe();
    if (run.status != 201) return {};
    return Str(run.json.at("jobs").at(0), "id");
  }

  //! The agent's host name on the server (its machine's hostname at enrollment).
  std::string HostName(const LoopAgent& agent) {
    const auto host = api().Get("/hosts/" + agent.host_id);
    EXPECT_EQ(host.status, 200) << host.Describe();
    return host.status == 200 ? Str(host.json, "name") : std::string{};
  }

  //! No job log line of the job speaks of restic's lock.
  void NoLockTrouble(const std::string& job_id) {
    const auto logs = api().Get("/jobs/" + job_id + "/logs");
    ASSERT_EQ(logs.status, 200) << logs.Describe();
    EXPECT_EQ(logs.body.find("already locked"), std::string::npos) << logs.body;
    EXPECT_EQ(logs.body.find("unable to create lock"), std::string::npos) << logs.body;
  }

  static constexpr const char* kPassword = "shared-repo-password";
  LoopAgent* slow_ = nullptr;
  LoopAgent* maint_ = nullptr;
  fs::path repo_;
  std::string repo_id_;
  std::string big_;
};

TEST_F(LoopLeasesTest, APruneWaitsForAnotherHostsBackupAndABackupWaitsForMaintenance) {
  const std::string backup_schedule = YearlySchedule(slow_->host_id, "big-backup", "backup",
                                                     {{"source_group_ids", json::array{json::value(big_)}}});
  const std::string prune_schedule = YearlySchedule(maint_->host_id, "prune", "prune");
  const std::string check_schedule =
      YearlySchedule(maint_->host_id, "check-all", "check",
                     {{"options", json::object{{"check", json::object{{"read_data_subset", "100%"}}}}}});
  ASSERT_FALSE(backup_schedule.empty() || prune_schedule.empty() || check_schedule.empty());

  // 1. A long backup on `slow`; the prune of `maint`'s maintenance schedule waits for it.
  const std::string backup = RunSchedule(backup_schedule);
  ASSERT_FALSE(WaitRunning(backup).is_null()) << Logs();
  const std::string prune = RunSchedule(prune_schedule);
  ASSERT_FALSE(prune.empty());
  json::value waiting;
  ASSERT_TRUE(WaitUntil([&] {
    waiting = GetJob(prune);
    return Str(waiting, "wait_reason") != "";
  })) << json::serialize(waiting)
      << Logs();
  if (Str(GetJob(backup), "status") != "running") {
    GTEST_SKIP() << "the backup ended before the prune was queued: nothing to observe on this machine";
  }
  EXPECT_EQ(Str(waiting, "status"), "queued");
  EXPECT_EQ(Str(waiting, "wait_reason"),
            "waiting for backup of repository shared on host " + HostName(*slow_));

  const auto backup_done = WaitFinished(backup);
  EXPECT_EQ(Str(backup_done, "status"), "succeeded") << json::serialize(backup_done) << Logs();
  const auto prune_done = WaitFinished(prune);
  EXPECT_EQ(Str(prune_done, "status"), "succeeded") << json::serialize(prune_done) << Logs();
  EXPECT_GE(TimeMs(prune_done, "dispatched_at"), TimeMs(backup_done, "finished_at"));
  NoLockTrouble(backup);
  NoLockTrouble(prune);

  // 2. A check reading all data on `maint` holds the exclusive lease; a backup
  // fired meanwhile waits and succeeds after it.
  const std::string check = RunSchedule(check_schedule);
  ASSERT_FALSE(WaitRunning(check).is_null()) << Logs();
  const std::string second = RunSchedule(backup_schedule);
  ASSERT_FALSE(second.empty());
  ASSERT_TRUE(WaitUntil([&] {
    waiting = GetJob(second);
    return Str(waiting, "wait_reason") != "" || IsFinal(Str(waiting, "status"));
  })) << Logs();
  if (Str(GetJob(check), "status") != "running") {
    GTEST_SKIP() << "the check ended before the backup was queued: nothing to observe on this machine";
  }
  EXPECT_EQ(Str(waiting, "wait_reason"),
            "waiting for check of repository shared on host " + HostName(*maint_));
  const auto check_done = WaitFinished(check);
  EXPECT_EQ(Str(check_done, "status"), "succeeded") << json::serialize(check_done) << Logs();
  const auto second_done = WaitFinished(second);
  EXPECT_EQ(Str(second_done, "status"), "succeeded") << json::serialize(second_done) << Logs();
  EXPECT_GE(TimeMs(second_done, "dispatched_at"), TimeMs(check_done, "finished_at"));
  NoLockTrouble(check);
  NoLockTrouble(second);

  // The waits are in the audit log.
  bool audited = false;
  for (const auto& entry : AuditFor(prune)) audited = audited || Str(entry, "action") == "job.waiting";
  EXPECT_TRUE(audited);
}

}  // namespace
}  // namespace rmgr::testing

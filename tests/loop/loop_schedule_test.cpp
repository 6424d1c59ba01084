// The schedule half of the closed loop with real processes: enrollment,
// schedule push and ack, agent-side fires that become real restic backups,
// pending runs for a busy repository, and catch-up for intermittent hosts.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <ctime>
#include <set>
#include <thread>

#include "tests/loop/loop_fixture.h"

namespace rmgr::testing {
namespace {

namespace json = boost::json;

// The jobs of `schedule_id` among `jobs`, oldest first.
json::array JobsOf(const json::array& jobs, const std::string& schedule_id) {
  json::array out;
  for (auto it = jobs.rbegin(); it != jobs.rend(); ++it) {
    if (Str(*it, "schedule_id") == schedule_id) out.push_back(*it);
  }
  return out;
}

std::string ThisYear() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  return std::to_string(tm.tm_year + 1900);
}

TEST_F(LoopTest, EnrolledAgentAppliesAScheduleWhoseFiresBecomeRealBackups) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  // The CLI's offline helper and the server share one cron engine: a seconds
  // interval keeps this test short.
  const auto next = Cli({"cron", "next", "@every 5s", "-n", "2"});
  ASSERT_EQ(next.code, 0) << next.out << next.err;

  std::string token;
  LoopAgent* agent = EnrollAgent("first", &token);
  ASSERT_NE(agent, nullptr);

  // An enrollment token works once; a second enroll with it is refused and leaves nothing behind.
  auto again = AgentEnroll(token, dir_ / "second-state");
  EXPECT_EQ(again.code, 1) << again.out << again.err;
  EXPECT_NE(again.err.find("already used"), std::string::npos) << again.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "second-state" / "agent.json"));
  // A revoked token is refused too, saying so.
  const std::string revoked_name = "to-be-revoked";
  const std::string revoked = NewEnrollmentToken(revoked_name);
  ASSERT_FALSE(revoked.empty());
  const auto list = Cli({"enroll", "list", "--all", "--json"});
  ASSERT_EQ(list.code, 0) << list.err;
  std::string revoked_id;
  const json::value tokens = json::parse(list.out);
  for (const auto& t : tokens.at("items").as_array()) {
    if (Str(t, "name") == revoked_name) revoked_id = Str(t, "id");
  }
  ASSERT_FALSE(revoked_id.empty()) << list.out;
  const auto revoke = Cli({"enroll", "revoke", revoked_id});
  ASSERT_EQ(revoke.code, 0) << revoke.out << revoke.err;
  again = AgentEnroll(revoked, dir_ / "third-state");
  EXPECT_EQ(again.code, 1) << again.out << again.err;
  EXPECT_NE(again.err.find("revoked"), std::string::npos) << again.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "third-state" / "agent.json"));

  ASSERT_NO_FATAL_FAILURE(StartAgent(*agent, {}));
  ASSERT_TRUE(WaitConnected(*agent)) << Logs();

  const auto repo = dir_ / "repo";
  const std::string password = "first-repo-password";
  const std::string repo_id = CreateRepository("first-repo", repo, password);
  ASSERT_FALSE(repo_id.empty());
  const auto init = RunToEnd({{"host_id", agent->host_id}, {"kind", "init"}, {"repository_id", repo_id}});
  ASSERT_EQ(Str(init, "status"), "succeeded") << json::serialize(init);
  const std::string group_id = CreateGroup(agent->host_id, "docs", {SmallTree("docs").string()});
  ASSERT_FALSE(group_id.empty());

  const auto schedule = CreateSchedule({{"host_id", agent->host_id},
                                        {"name", "every-five-seconds"},
                                        {"kind", "backup"},
                                        {"cron", "@every 5s"},
                                        {"repository_id", repo_id},
                                        {"source_group_ids", json::array{json::value(group_id)}}});
  ASSERT_TRUE(schedule.is_object());
  const std::string schedule_id = Str(schedule, "id");
  const std::int64_t version = Int(schedule, "schedule_version");
  ASSERT_GT(version, 0) << json::serialize(schedule);

  // The agent acks the pushed set: applied == canonical, at least this schedule's version.
  json::value versions;
  const bool applied = WaitUntil([&] {
    const auto host = api().Get("/hosts/" + agent->host_id);
    if (host.status != 200) return false;
    versions = host.json.at("schedule_version");
    return Int(versions, "applied") >= version && Int(versions, "applied") == Int(versions, "canonical");
  });
  ASSERT_TRUE(applied) << json::serialize(versions) << Logs();

  // The agent's cron fires; the server makes a backup job for that slot.
  json::value fired;
  const bool finished = WaitUntil([&] {
    const auto jobs = JobsOf(HostJobs(agent->host_id), schedule_id);
    if (jobs.empty()) return false;
    fired = jobs.front();
    return IsFinal(Str(fired, "status"));
  });
  // Later fires only add more backups; stop them before looking closer.
  const auto disabled = api().Patch("/schedules/" + schedule_id, json::object{{"enabled", false}});
  EXPECT_EQ(disabled.status, 200) << disabled.Describe();
  ASSERT_TRUE(finished) << "no finished job from a fire; last seen: " << json::serialize(fired) << Logs();
  EXPECT_EQ(Str(fired, "status"), "succeeded") << json::serialize(fired);
  EXPECT_EQ(Str(fired, "actor_kind"), "schedule");
  EXPECT_EQ(Str(fired, "kind"), "backup");
  EXPECT_EQ(Str(fired, "source_group_id"), group_id);
  EXPECT_FALSE(Str(fired, "scheduled_at").empty()) << "a fire carries its cron slot";
  const std::string snapshot_id = Str(fired, "snapshot_id");
  ASSERT_FALSE(snapshot_id.empty()) << json::serialize(fired);
  // The job names the full id even though restic 0.14 reports the short one.
  EXPECT_EQ(snapshot_id.size(), 64U) << snapshot_id;

  // restic itself knows the snapshot (0.14 reports the 8-hex short id).
  bool in_repo = false;
  for (const auto& s : ResticSnapshots(repo, password)) {
    if (Str(s, "short_id") == snapshot_id || Str(s, "id") == snapshot_id) in_repo = true;
  }
  EXPECT_TRUE(in_repo) << snapshot_id;
  // So does the server's snapshot index, attributed to the host, and the CLI shows it.
  bool indexed = false;
  for (const auto& s : ServerSnapshots(repo_id)) {
    if (Str(s, "short_id") == snapshot_id || Str(s, "id").rfind(snapshot_id, 0) == 0) {
      indexed = true;
      EXPECT_EQ(Str(s, "host_id"), agent->host_id) << json::serialize(s);
    }
  }
  EXPECT_TRUE(indexed) << json::serialize(ServerSnapshots(repo_id));
  const auto shown = Cli({"snapshot", "list", "--repo", repo_id});
  EXPECT_EQ(shown.code, 0) << shown.err;
  EXPECT_NE(shown.out.find(snapshot_id.substr(0, 8)), std::string::npos) << shown.out;

  // The fire is in the audit log.
  bool audited = false;
  for (const auto& entry : AuditFor(schedule_id)) {
    if (Str(entry, "action") == "schedule.fire" && Str(entry, "actor_kind") == "schedule") audited = true;
  }
  EXPECT_TRUE(audited);

  // Jobs leave their log on the server: restic's text (init prints some) ...
  const auto init_logs = api().Get("/jobs/" + Str(init, "id") + "/logs?limit=500");
  ASSERT_EQ(init_logs.status, 200) << init_logs.Describe();
  EXPECT_FALSE(init_logs.json.at("items").as_array().empty()) << init_logs.body;
  // ... and so should the backup. Checked last: a skip here keeps every check above.
  const auto logs = api().Get("/jobs/" + Str(fired, "id") + "/logs?limit=500");
  ASSERT_EQ(logs.status, 200) << logs.Describe();
  // restic 0.14 prints only JSON for a backup; the agent logs its summary in words.
  EXPECT_NE(logs.body.find("backup: "), std::string::npos) << logs.body;
}

TEST_F(LoopTest, FiresForABusyRepositoryCoalesceIntoOnePendingRunThatStartsWhenTheJobEnds) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  LoopAgent* agent = EnrollAgent("busy");
  ASSERT_NE(agent, nullptr);
  ASSERT_NO_FATAL_FAILURE(StartAgent(*agent, {"--restic", ThrottledRestic().string()}));
  ASSERT_TRUE(WaitConnected(*agent)) << Logs();
  const auto repo = dir_ / "repo";
  const std::string password = "busy-repo-password";
  ASSERT_NO_FATAL_FAILURE(ResticInit(repo, password));
  const std::string repo_id = CreateRepository("busy-repo", repo, password);
  const std::string big = CreateGroup(agent->host_id, "big", {BigTree().string()});
  const std::string small = CreateGroup(agent->host_id, "small", {SmallTree("small").string()});
  ASSERT_FALSE(repo_id.empty() || big.empty() || small.empty());

  // The long job: a schedule that never fires by itself, run now.
  const auto yearly = CreateSchedule({{"host_id", agent->host_id},
                                      {"name", "big-yearly"},
                                      {"cron", "0 0 1 1 *"},
                                      {"repository_id", repo_id},
                                      {"source_group_ids", json::array{json::value(big)}}});
  ASSERT_TRUE(yearly.is_object());
  const auto run = api().Post("/schedules/" + Str(yearly, "id") + "/run");
  ASSERT_EQ(run.status, 201) << run.Describe();
  const std::string long_id = Str(run.json.at("jobs").at(0), "id");
  ASSERT_FALSE(WaitRunning(long_id).is_null()) << Logs();

  // A second schedule on the same repository fires every 5 s while it runs.
  const auto frequent = CreateSchedule({{"host_id", agent->host_id},
                                        {"name", "small-every-5s"},
                                        {"cron", "@every 5s"},
                                        {"repository_id", repo_id},
                                        {"source_group_ids", json::array{json::value(small)}}});
  ASSERT_TRUE(frequent.is_object());
  const std::string frequent_id = Str(frequent, "id");
  const auto pending_fires = [&] {
    int n = 0;
    for (const auto& entry : AuditFor(frequent_id)) {
      if (Str(entry, "action") != "schedule.fire") continue;
      const auto& detail = entry.at("detail");
      if (detail.is_object() && detail.as_object().if_contains("pending") != nullptr) ++n;
    }
    return n;
  };
  ASSERT_TRUE(WaitUntil([&] { return pending_fires() >= 2; }, std::chrono::seconds(60)))
      << "two fires during the long backup were expected to become pending; saw " << pending_fires()
      << Logs();
  const auto still = GetJob(long_id);
  if (Str(still, "status") != "running") {
    GTEST_SKIP() << "the long backup ended before two fires landed during it (" << Str(still, "status")
                 << "): nothing to observe on this machine";
  }
  EXPECT_TRUE(JobsOf(HostJobs(agent->host_id), frequent_id).empty())
      << "a fire on a busy repository made a job";

  // The long job ends (cancelled here; any end frees the repository): the pending run starts.
  const auto cancel = api().Post("/jobs/" + long_id + "/cancel");
  ASSERT_EQ(cancel.status, 202) << cancel.Describe();
  const auto ended = WaitFinished(long_id);
  EXPECT_EQ(Str(ended, "status"), "cancelled") << json::serialize(ended);
  json::array frequent_jobs;
  ASSERT_TRUE(WaitUntil([&] {
    frequent_jobs = JobsOf(HostJobs(agent->host_id), frequent_id);
    return !frequent_jobs.empty();
  })) << Logs();
  const auto disabled = api().Patch("/schedules/" + frequent_id, json::object{{"enabled", false}});
  EXPECT_EQ(disabled.status, 200) << disabled.Describe();

  // Audit, oldest first: the pending fires, then one pending run with one job (one group).
  const auto audit = AuditFor(frequent_id);
  int pending_before_run = 0;
  std::string last_pending_slot;
  json::value pending_run;
  for (auto it = audit.rbegin(); it != audit.rend(); ++it) {
    const std::string action = Str(*it, "action");
    const auto& detail = it->at("detail");
    if (action == "schedule.pending_run") {
      pending_run = detail;
      break;
    }
    if (action == "schedule.fire" && detail.as_object().if_contains("pending") != nullptr) {
      ++pending_before_run;
      last_pending_slot = Str(detail, "scheduled_at");
    }
  }
  ASSERT_TRUE(pending_run.is_object()) << json::serialize(audit);
  EXPECT_GE(pending_before_run, 2);
  ASSERT_EQ(pending_run.at("job_ids").as_array().size(), 1U) << json::serialize(pending_run);
  const auto& first = frequent_jobs.at(0);
  EXPECT_EQ(pending_run.at("job_ids").at(0), first.at("id"))
      << "the first job of the schedule is the pending run's";
  EXPECT_EQ(Str(first, "scheduled_at"), last_pending_slot) << "coalesced into the latest pending slot";
  EXPECT_EQ(Str(first, "actor_kind"), "schedule");
  EXPECT_GE(TimeMs(first, "created_at"), TimeMs(ended, "finished_at"))
      << "started only after the busy job ended";
  const auto done = WaitFinished(Str(first, "id"));
  EXPECT_EQ(Str(done, "status"), "succeeded") << json::serialize(done);
}

TEST_F(LoopTest, IntermittentHostCatchesUpOncePerGroupAndAnAlwaysOnHostDoesNot) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--catchup-settle", "1"}));
  const std::string year = ThisYear();

  // Two hosts with the same setup: a backup schedule of two groups whose last
  // expected fire (1 January, midnight UTC) never succeeded.
  struct Setup {
    LoopAgent* agent = nullptr;
    std::string schedule_id;
    std::string groups[2];
  };
  const auto set_up = [&](const std::string& name, Setup& s) {
    s.agent = EnrollAgent(name);
    ASSERT_NE(s.agent, nullptr);
    const auto repo = dir_ / ("repo-" + name);
    ASSERT_NO_FATAL_FAILURE(ResticInit(repo, "pw-" + name));
    const std::string repo_id = CreateRepository("repo-" + name, repo, "pw-" + name);
    s.groups[0] = CreateGroup(s.agent->host_id, "docs", {SmallTree(name + "-docs").string()});
    s.groups[1] = CreateGroup(s.agent->host_id, "mail", {SmallTree(name + "-mail").string()});
    const auto schedule = CreateSchedule(
        {{"host_id", s.agent->host_id},
         {"name", "new-year"},
         {"cron", "0 0 1 1 *"},
         {"repository_id", repo_id},
         {"source_group_ids", json::array{json::value(s.groups[0]), json::value(s.groups[1])}}});
    ASSERT_TRUE(schedule.is_object());
    s.schedule_id = Str(schedule, "id");
  };
  Setup laptop;
  ASSERT_NO_FATAL_FAILURE(set_up("laptop", laptop));
  const auto mode = Cli({"host", "set-mode", laptop.agent->host_id, "intermittent"});
  ASSERT_EQ(mode.code, 0) << mode.out << mode.err;
  Setup rack;
  ASSERT_NO_FATAL_FAILURE(set_up("rack", rack));  // always-on: the default

  ASSERT_NO_FATAL_FAILURE(StartAgent(*laptop.agent, {}));
  ASSERT_NO_FATAL_FAILURE(StartAgent(*rack.agent, {}));
  ASSERT_TRUE(WaitConnected(*laptop.agent) && WaitConnected(*rack.agent)) << Logs();

  // One catch-up backup per group after the settle window; both succeed.
  json::array jobs;
  ASSERT_TRUE(WaitUntil([&] {
    jobs = HostJobs(laptop.agent->host_id);
    if (jobs.size() < 2) return false;
    for (const auto& j : jobs) {
      if (!IsFinal(Str(j, "status"))) return false;
    }
    return true;
  })) << json::serialize(jobs)
      << Logs();
  ASSERT_EQ(jobs.size(), 2U) << json::serialize(jobs);
  std::set<std::string> groups;
  for (const auto& j : jobs) {
    EXPECT_EQ(Str(j, "status"), "succeeded") << json::serialize(j);
    EXPECT_EQ(Str(j, "actor_kind"), "catchup") << json::serialize(j);
    EXPECT_EQ(Str(j, "kind"), "backup");
    EXPECT_EQ(Str(j, "schedule_id"), laptop.schedule_id);
    EXPECT_EQ(Str(j, "scheduled_at").rfind(year + "-01-01T00:00:00", 0), 0U) << json::serialize(j);
    groups.insert(Str(j, "source_group_id"));
  }
  EXPECT_EQ(groups, (std::set<std::string>{laptop.groups[0], laptop.groups[1]}));

  // The laptop comes and goes quickly, each time inside the settle window:
  // no stacking, and no repeat of what succeeded. (Each run is stopped only once
  // it has connected, i.e. is past its start-up and handles SIGTERM.)
  for (int i = 0; i < 4; ++i) {
    const std::size_t connects = ConnectCount(*laptop.agent);
    EXPECT_EQ(laptop.agent->process->Stop(std::chrono::seconds(60)), 0);
    laptop.agent->process.reset();
    ASSERT_NO_FATAL_FAILURE(RestartAgent(*laptop.agent));
    ASSERT_TRUE(WaitUntil([&] { return ConnectCount(*laptop.agent) > connects; })) << Logs();
  }
  ASSERT_TRUE(WaitConnected(*laptop.agent)) << Logs();
  // Nothing to await for "nothing happens": watch well past the 1 s settle window.
  std::this_thread::sleep_for(std::chrono::seconds(6));
  EXPECT_EQ(HostJobs(laptop.agent->host_id).size(), 2U) << json::serialize(HostJobs(laptop.agent->host_id));
  EXPECT_TRUE(HostJobs(rack.agent->host_id).empty())
      << "an always-on host got catch-up jobs: " << json::serialize(HostJobs(rack.agent->host_id));
}

TEST_F(LoopTest, InterruptedCatchUpIsRetriedWhenTheHostComesBack) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--catchup-settle", "1"}));
  LoopAgent* laptop = EnrollAgent("sleepy");
  ASSERT_NE(laptop, nullptr);
  const auto mode = Cli({"host", "set-mode", laptop->host_id, "intermittent"});
  ASSERT_EQ(mode.code, 0) << mode.out << mode.err;
  const auto repo = dir_ / "repo";
  ASSERT_NO_FATAL_FAILURE(ResticInit(repo, "sleepy-password"));
  const std::string repo_id = CreateRepository("repo", repo, "sleepy-password");
  const std::string group = CreateGroup(laptop->host_id, "big", {BigTree().string()});
  const auto schedule = CreateSchedule({{"host_id", laptop->host_id},
                                        {"name", "new-year"},
                                        {"cron", "0 0 1 1 *"},
                                        {"repository_id", repo_id},
                                        {"source_group_ids", json::array{json::value(group)}}});
  ASSERT_TRUE(schedule.is_object());
  ASSERT_NO_FATAL_FAILURE(StartAgent(*laptop, {"--restic", ThrottledRestic().string()}));

  // The catch-up backup starts; the laptop dies in the middle of it.
  json::array jobs;
  ASSERT_TRUE(WaitUntil([&] {
    jobs = HostJobs(laptop->host_id);
    return !jobs.empty();
  })) << Logs();
  const std::string first_id = Str(jobs.at(0), "id");
  EXPECT_EQ(Str(jobs.at(0), "actor_kind"), "catchup");
  ASSERT_FALSE(WaitRunning(first_id).is_null()) << Logs();
  ASSERT_NO_FATAL_FAILURE(KillAgent(*laptop));
  laptop->run_flags.clear();  // back with the unthrottled restic: a retry needs no waiting
  ASSERT_NO_FATAL_FAILURE(RestartAgent(*laptop));
  const auto first = WaitFinished(first_id);
  EXPECT_EQ(Str(first, "status"), "interrupted") << json::serialize(first);

  // Its group has still not succeeded since the last expected fire: after the
  // next settle window the backup is overdue again and must be dispatched again.
  const bool retried = WaitUntil(
      [&] {
        jobs = HostJobs(laptop->host_id);
        return jobs.size() >= 2;
      },
      std::chrono::seconds(60));
  ASSERT_TRUE(retried) << json::serialize(jobs) << Logs();
  ASSERT_EQ(jobs.size(), 2U) << json::serialize(jobs);
  const auto& again = jobs.at(0);
  EXPECT_EQ(Str(again, "actor_kind"), "catchup");
  EXPECT_EQ(Str(again, "source_group_id"), group);
  const auto done = WaitFinished(Str(again, "id"));
  EXPECT_EQ(Str(done, "status"), "succeeded") << json::serialize(done);
}

}  // namespace
}  // namespace rmgr::testing

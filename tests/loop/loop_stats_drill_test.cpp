// Stats and restore drills across processes: the real server (its stats
// planner on a short interval), a real agent and the real restic. The
// planner measures the repository by itself through the host that uses it;
// a drill schedule verifies a restore, and a file whose bytes changed while
// its size and mtime did not fails the next drill as verify_mismatch.
#include <fcntl.h>
#include <sys/stat.h>

#include <boost/json/serialize.hpp>
#include <fstream>

#include "tests/loop/loop_fixture.h"

namespace rmgr::testing {
namespace {

namespace json = boost::json;

class LoopStatsDrillTest : public LoopTest {};

TEST_F(LoopStatsDrillTest, PlannerMeasuresTheRepositoryAndDrillsVerifyThenCatchAMismatch) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--stats-interval", "2"}));
  LoopAgent* agent = EnrollAgent("worker");
  ASSERT_NE(agent, nullptr);
  ASSERT_NO_FATAL_FAILURE(StartAgent(*agent, {}));
  ASSERT_TRUE(WaitConnected(*agent)) << Logs();
  const std::string password = "stats-drill-password";
  const auto repo = dir_ / "repo";
  ResticInit(repo, password);
  const std::string repo_id = CreateRepository("repo", repo, password);
  const auto source = SmallTree("source");
  const std::string group_id = CreateGroup(agent->host_id, "sources", {source.string()});
  ASSERT_FALSE(repo_id.empty());
  ASSERT_FALSE(group_id.empty());

  // A backup schedule makes the host one that uses the repository; run it once now.
  const auto backup = CreateSchedule({{"host_id", agent->host_id},
                                      {"name", "nightly"},
                                      {"cron", "0 3 * * *"},
                                      {"repository_id", repo_id},
                                      {"source_group_ids", json::array{json::value(group_id)}}});
  ASSERT_TRUE(backup.is_object());
  const auto ran = api().Post("/schedules/" + Str(backup, "id") + "/run");
  ASSERT_EQ(ran.status, 201) << ran.Describe();
  ASSERT_EQ(Str(WaitFinished(Str(ran.json.at("jobs").at(0), "id")), "status"), "succeeded") << Logs();

  // The planner queues stats jobs by itself; their sizes land in the series and on the repository.
  // (A first one may run before the backup: the newest point counts.)
  json::value point;
  ASSERT_TRUE(WaitUntil([&] {
    const auto answer = api().Get("/repositories/" + repo_id + "/stats");
    if (answer.status != 200 || answer.json.at("items").as_array().empty()) return false;
    point = answer.json.at("items").as_array().back();
    return point.at("snapshots").as_int64() == 1;
  })) << Logs();
  EXPECT_GT(point.at("raw_data_bytes").as_int64(), 0) << json::serialize(point);
  const auto tree_bytes = static_cast<int64_t>(ReadText(source / "hello.txt").size() +
                                               ReadText(source / "nested" / "lines.txt").size());
  EXPECT_EQ(point.at("restore_size_bytes").as_int64(), tree_bytes) << json::serialize(point);
  const auto repository = api().Get("/repositories/" + repo_id);
  EXPECT_FALSE(repository.json.at("latest_stats").is_null()) << repository.Describe();
  bool system_job = false;
  for (const auto& job : HostJobs(agent->host_id)) {
    if (Str(job, "kind") == "stats" && Str(job, "actor_kind") == "system") system_job = true;
  }
  EXPECT_TRUE(system_job) << "the planner's stats job is the system's";

  // A drill schedule restores a sample and verifies it.
  const auto drill =
      CreateSchedule({{"host_id", agent->host_id},
                      {"name", "drill"},
                      {"kind", "drill"},
                      {"cron", "0 4 * * 0"},
                      {"repository_id", repo_id},
                      {"source_group_ids", json::array{json::value(group_id)}},
                      {"options", json::object{{"drill", json::object{{"sample_files", 10}}}}}});
  ASSERT_TRUE(drill.is_object());
  const auto first = api().Post("/schedules/" + Str(drill, "id") + "/run");
  ASSERT_EQ(first.status, 201) << first.Describe();
  const auto verified = WaitFinished(Str(first.json.at("jobs").at(0), "id"));
  ASSERT_EQ(Str(verified, "status"), "succeeded") << json::serialize(verified) << Logs();
  EXPECT_EQ(verified.at("summary").at("sampled").as_int64(), 2);
  EXPECT_EQ(verified.at("summary").at("verified").as_int64(), 2);
  EXPECT_FALSE(std::filesystem::exists(agent->state_dir / "drill" / Str(verified, "id")));

  // Other bytes, same size and mtime: the next drill fails as verify_mismatch.
  const auto hello = source / "hello.txt";
  struct stat before {};
  ASSERT_EQ(::stat(hello.c_str(), &before), 0);
  std::string text = ReadText(hello);
  text[0] = text[0] == 'H' ? 'J' : 'H';
  std::ofstream(hello, std::ios::binary | std::ios::trunc) << text;
  const struct timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, hello.c_str(), times, 0), 0);
  const auto second = api().Post("/schedules/" + Str(drill, "id") + "/run");
  ASSERT_EQ(second.status, 201) << second.Describe();
  const auto mismatch = WaitFinished(Str(second.json.at("jobs").at(0), "id"));
  EXPECT_EQ(Str(mismatch, "status"), "failed") << json::serialize(mismatch);
  EXPECT_EQ(Str(mismatch, "error_kind"), "verify_mismatch");
  EXPECT_EQ(mismatch.at("summary").at("mismatched_paths").at(0).as_string(), hello.string());
  const auto latest = api().Get("/drills/latest");
  ASSERT_EQ(latest.status, 200) << latest.Describe();
  EXPECT_EQ(Str(latest.json.at("items").at(0).at("job"), "id"), Str(mismatch, "id"));
}

}  // namespace
}  // namespace rmgr::testing

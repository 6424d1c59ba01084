// Jobs run now through the API, executed by a real agent with the real
// restic: every kind once, and what restic's failures become.
#include <unistd.h>

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "tests/loop/loop_fixture.h"

namespace rmgr::testing {
namespace {

namespace json = boost::json;

class LoopJobsTest : public LoopTest {
 protected:
  // A started server and agent (with `agent_flags`), a repository registered with
  // `registered_password` at dir_/repo, and one source group of `paths`.
  void Prepare(const std::vector<std::string>& agent_flags, const std::string& registered_password,
               std::vector<std::string> paths) {
    ASSERT_NO_FATAL_FAILURE(StartServer());
    agent_ = EnrollAgent("worker");
    ASSERT_NE(agent_, nullptr);
    ASSERT_NO_FATAL_FAILURE(StartAgent(*agent_, agent_flags));
    ASSERT_TRUE(WaitConnected(*agent_)) << Logs();
    repo_ = dir_ / "repo";
    repo_id_ = CreateRepository("repo", repo_, registered_password);
    ASSERT_FALSE(repo_id_.empty());
    group_id_ = CreateGroup(agent_->host_id, "sources", paths);
    ASSERT_FALSE(group_id_.empty());
  }

  json::object Job(const std::string& kind, json::object args = {}) const {
    json::object body{{"host_id", agent_->host_id}, {"kind", kind}, {"repository_id", repo_id_}};
    if (kind == "backup") body["source_group_id"] = group_id_;
    if (!args.empty()) body["args"] = std::move(args);
    return body;
  }

  LoopAgent* agent_ = nullptr;
  std::filesystem::path repo_;
  std::string repo_id_;
  std::string group_id_;
};

TEST_F(LoopJobsTest, EveryJobKindRunsRealResticFromRunNow) {
  const std::string password = "kinds-repo-password";
  const auto source = SmallTree("source");
  ASSERT_NO_FATAL_FAILURE(Prepare({}, password, {source.string()}));

  const auto init = RunToEnd(Job("init"));
  ASSERT_EQ(Str(init, "status"), "succeeded") << json::serialize(init);

  // Three backups queued at once run one after another (one job per repository at a time).
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    const auto queued = RunJob(Job("backup"));
    ASSERT_TRUE(queued.is_object());
    ids.push_back(Str(queued, "id"));
  }
  std::vector<json::value> backups;
  for (const auto& id : ids) backups.push_back(WaitFinished(id));
  std::sort(backups.begin(), backups.end(), [](const json::value& a, const json::value& b) {
    return TimeMs(a, "started_at") < TimeMs(b, "started_at");
  });
  for (std::size_t i = 0; i < backups.size(); ++i) {
    ASSERT_EQ(Str(backups[i], "status"), "succeeded") << json::serialize(backups[i]);
    EXPECT_EQ(Str(backups[i], "actor_kind"), "api");
    if (i > 0) {
      EXPECT_GE(TimeMs(backups[i], "started_at"), TimeMs(backups[i - 1], "finished_at"))
          << "two jobs ran at once on one repository";
    }
  }
  EXPECT_EQ(ResticSnapshots(repo_, password).size(), 3U);
  EXPECT_EQ(ServerSnapshots(repo_id_).size(), 3U) << json::serialize(ServerSnapshots(repo_id_));
  const std::string newest = Str(backups.back(), "snapshot_id");
  ASSERT_FALSE(newest.empty());

  // forget --keep-last 1 removes the two older snapshots, in restic and in the server's index.
  const auto forget = RunToEnd(Job("forget", {{"retention", json::object{{"keep_last", 1}}}}));
  ASSERT_EQ(Str(forget, "status"), "succeeded") << json::serialize(forget);
  const auto left = ResticSnapshots(repo_, password);
  ASSERT_EQ(left.size(), 1U) << json::serialize(left);
  EXPECT_EQ(Str(left.at(0), "short_id"), newest.substr(0, 8));
  const auto indexed = ServerSnapshots(repo_id_);
  ASSERT_EQ(indexed.size(), 1U) << json::serialize(indexed);
  EXPECT_EQ(Str(indexed.at(0), "id"), Str(left.at(0), "id"));

  for (const char* kind : {"check", "prune", "unlock"}) {
    const auto job = RunToEnd(Job(kind));
    EXPECT_EQ(Str(job, "status"), "succeeded") << kind << ": " << json::serialize(job);
  }

  // Restore the remaining snapshot: the files come back byte for byte.
  const auto target = dir_ / "restored";
  const auto restore = RunToEnd(
      Job("restore", {{"options", json::object{{"restore", json::object{{"snapshot_id", newest},
                                                                        {"target", target.string()}}}}}}));
  ASSERT_EQ(Str(restore, "status"), "succeeded") << json::serialize(restore);
  for (const char* file : {"hello.txt", "nested/lines.txt"}) {
    const auto original = source / file;
    const auto copy = target / source.relative_path() / file;
    ASSERT_TRUE(std::filesystem::exists(copy)) << copy;
    EXPECT_EQ(ReadText(copy), ReadText(original)) << file;
  }

  // snapshots refreshes the index and keeps it exact.
  const auto snapshots = RunToEnd(Job("snapshots"));
  EXPECT_EQ(Str(snapshots, "status"), "succeeded") << json::serialize(snapshots);
  EXPECT_EQ(ServerSnapshots(repo_id_).size(), 1U);
}

TEST_F(LoopJobsTest, WrongRepositoryPasswordFailsTheBackupAsWrongPassword) {
  ASSERT_NO_FATAL_FAILURE(Prepare({}, "not-the-password", {SmallTree("source").string()}));
  ASSERT_NO_FATAL_FAILURE(ResticInit(repo_, "the-real-password"));
  const auto job = RunToEnd(Job("backup"));
  EXPECT_EQ(Str(job, "status"), "failed") << json::serialize(job);
  EXPECT_EQ(Str(job, "error_kind"), "wrong_password") << json::serialize(job);
  EXPECT_NE(Str(job, "error").find("wrong password"), std::string::npos) << json::serialize(job);
  EXPECT_EQ(Str(job, "error").find("not-the-password"), std::string::npos) << "the secret is never echoed";
  EXPECT_TRUE(ResticSnapshots(repo_, "the-real-password").empty());
}

TEST_F(LoopJobsTest, UnreadableSourceFileMakesThePartialStatus) {
  // chmod 000 does not stop root; this test process's /proc/<pid>/mem fails to
  // read for anyone (offset 0 is unmapped), as agent/runner/restic_real_test.cpp does.
  const std::string unreadable = "/proc/" + std::to_string(::getpid()) + "/mem";
  ASSERT_NO_FATAL_FAILURE(Prepare({}, "partial-password", {SmallTree("source").string(), unreadable}));
  ASSERT_NO_FATAL_FAILURE(ResticInit(repo_, "partial-password"));
  const auto job = RunToEnd(Job("backup"));
  EXPECT_EQ(Str(job, "status"), "partial") << json::serialize(job);
  EXPECT_EQ(Int(job, "exit_code"), 3) << json::serialize(job);
  EXPECT_FALSE(Str(job, "error").empty()) << "a partial backup says what it could not read";
  const std::string snapshot_id = Str(job, "snapshot_id");
  ASSERT_FALSE(snapshot_id.empty()) << json::serialize(job);
  const auto snapshots = ResticSnapshots(repo_, "partial-password");
  ASSERT_EQ(snapshots.size(), 1U);
  EXPECT_EQ(Str(snapshots.at(0), "short_id"), snapshot_id.substr(0, 8));
  EXPECT_EQ(ServerSnapshots(repo_id_).size(), 1U);
}

TEST_F(LoopJobsTest, CancelMidBackupEndsCancelledAndLeavesNoLock) {
  ASSERT_NO_FATAL_FAILURE(
      Prepare({"--restic", ThrottledRestic().string()}, "cancel-password", {BigTree().string()}));
  ASSERT_NO_FATAL_FAILURE(ResticInit(repo_, "cancel-password"));
  const auto queued = RunJob(Job("backup"));
  ASSERT_TRUE(queued.is_object());
  const std::string id = Str(queued, "id");
  ASSERT_FALSE(WaitRunning(id).is_null()) << Logs();
  // Wait for restic's own progress, so the cancel meets a running restic.
  ASSERT_TRUE(WaitUntil([&] { return GetJob(id).at("progress").is_object(); })) << Logs();

  const auto cancel = Cli({"job", "cancel", id});
  ASSERT_EQ(cancel.code, 0) << cancel.out << cancel.err;
  EXPECT_NE(cancel.out.find("cancel sent"), std::string::npos) << cancel.out;
  const auto job = WaitFinished(id);
  EXPECT_EQ(Str(job, "status"), "cancelled") << json::serialize(job);

  const auto locks = Restic(repo_, "cancel-password", {"list", "locks", "--no-lock"});
  EXPECT_EQ(locks.code, 0) << locks.err;
  EXPECT_EQ(locks.out, "") << "restic left a lock behind";
  EXPECT_TRUE(ResticSnapshots(repo_, "cancel-password").empty()) << "an interrupted backup makes no snapshot";
}

}  // namespace
}  // namespace rmgr::testing

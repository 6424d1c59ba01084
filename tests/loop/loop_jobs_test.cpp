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

  // Restore the remaining snapshot into the agent's restore root (its
  // default, <state-dir>/restore): the files come back byte for byte.
  const auto target = agent_->state_dir / "restore" / "restored";
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

// A restore outside the target host's restore root (here in place of
// another directory) needs an admin and the host's consent. Without the
// agent's --allow-restore-anywhere the server refuses it, even for the
// admin, and writes the refusal down; with it, the real restic restores the
// bytes there and the audit entry names snapshot, repository, hosts, target
// and include paths.
TEST_F(LoopJobsTest, RestoreOutsideTheRootNeedsTheAgentsConsent) {
  const std::string password = "outside-root-password";
  const auto source = SmallTree("source");
  ASSERT_NO_FATAL_FAILURE(Prepare({}, password, {source.string()}));
  ASSERT_NO_FATAL_FAILURE(ResticInit(repo_, password));
  const auto backup = RunToEnd(Job("backup"));
  ASSERT_EQ(Str(backup, "status"), "succeeded") << json::serialize(backup);
  const std::string snapshot = Str(backup, "snapshot_id");
  const auto target = dir_ / "outside-the-root";
  const std::string include = (source / "hello.txt").string();
  const json::object restore{
      {"options", json::object{{"restore", json::object{{"snapshot_id", snapshot},
                                                        {"include_paths", json::array{json::string(include)}},
                                                        {"target", target.string()}}}}}};

  const auto refused = api().Post("/jobs", Job("restore", restore));
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_NE(refused.body.find("--allow-restore-anywhere"), std::string::npos) << refused.body;
  EXPECT_FALSE(std::filesystem::exists(target));

  // The host's owner consents: restart its agent with the flag.
  ASSERT_NO_FATAL_FAILURE(KillAgent(*agent_));  // nothing runs on it now
  agent_->run_flags.push_back("--allow-restore-anywhere");
  ASSERT_NO_FATAL_FAILURE(RestartAgent(*agent_));
  ASSERT_TRUE(WaitUntil([&] {
    const auto host = api().Get("/hosts/" + agent_->host_id).json;
    const auto* policy = host.is_object() ? host.as_object().if_contains("agent_policy") : nullptr;
    return policy != nullptr && policy->is_object() && policy->at("restore_anywhere").as_bool();
  })) << Logs();
  const auto restored = RunToEnd(Job("restore", restore));
  ASSERT_EQ(Str(restored, "status"), "succeeded") << json::serialize(restored) << Logs();
  const auto copy = target / std::filesystem::path(include).relative_path();
  ASSERT_TRUE(std::filesystem::exists(copy)) << copy;
  EXPECT_EQ(ReadText(copy), ReadText(include));

  const auto audit = api().Get("/audit?action=job.run&target_id=" + Str(restored, "id")).json;
  ASSERT_EQ(audit.at("items").as_array().size(), 1U) << json::serialize(audit);
  const auto& detail = audit.at("items").at(0).at("detail");
  EXPECT_EQ(Str(detail, "snapshot_id"), snapshot) << json::serialize(detail);
  EXPECT_EQ(Str(detail, "repository_id"), repo_id_);
  EXPECT_EQ(Str(detail, "source_host_id"), agent_->host_id);
  EXPECT_EQ(Str(detail, "target_host_id"), agent_->host_id);
  EXPECT_EQ(Str(detail, "target"), target.string());
  EXPECT_EQ(detail.at("include_paths"), (json::array{json::string(include)}));
  EXPECT_TRUE(detail.at("outside_restore_root").as_bool());
  const auto refusals = api().Get("/audit?action=job.restore_refused").json;
  EXPECT_EQ(refusals.at("items").as_array().size(), 1U) << json::serialize(refusals);
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

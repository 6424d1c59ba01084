// The server's own disaster recovery across processes, on 127.0.0.1 only:
// the real server (TLS, self-signed certificate pinned by its agents), real
// agents and the real restic.
//
// What a restore brings back, exactly: the store as it was at the copy.
// Jobs that finished after the copy are gone from the server's history —
// their agents dropped the results from their outboxes when the old server
// acknowledged them, so nothing is redelivered — while their snapshots stay
// in the repository, where a `snapshots` job indexes them again. The fleet
// reconnects with its existing host tokens and certificate pins, and the
// restored server key opens the repository password for new jobs.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "tests/loop/loop_fixture.h"

namespace rmgr::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr const char* kRepositoryPassword = "self-backup-live-repository";
constexpr const char* kPassphrase = "the operator's self-backup passphrase";
constexpr std::chrono::seconds kCommandTimeout{120};

class SelfBackupLiveTest : public LoopTest {
 protected:
  fs::path DataDir() const { return dir_ / "data"; }
  fs::path SelfSignedCert() const { return DataDir() / "tls-self-signed.crt"; }

  void SetUp() override {
    LoopTest::SetUp();
    const fs::path pass = dir_ / "self-backup.pass";
    std::ofstream(pass) << kPassphrase << "\n";
    fs::permissions(pass, fs::perms::owner_read | fs::perms::owner_write);
    UseTls(SelfSignedCert(), SelfSignedCert());
  }

  // `restic-manager-server <args>` to its end.
  ProcessResult Server(const std::vector<std::string>& args) {
    return RunProcess(RMGR_SERVER_EXE, args, {"PATH=/usr/bin:/bin", "HOME=" + dir_.string()}, "",
                      kCommandTimeout);
  }
  std::string PassphraseFile() const { return (dir_ / "self-backup.pass").string(); }

  // A repository, and per agent a group of a small tree; the repository initialised.
  void MakeWorld(const std::vector<LoopAgent*>& agents) {
    repo_ = dir_ / "repo";
    repo_id_ = CreateRepository("repo", repo_, kRepositoryPassword);
    ASSERT_FALSE(repo_id_.empty());
    for (auto* agent : agents) {
      const auto tree = SmallTree("tree-" + agent->name);
      groups_.push_back(CreateGroup(agent->host_id, "files", {tree.string()}));
      ASSERT_FALSE(groups_.back().empty());
    }
    const auto init = RunToEnd(Job(*agents[0], "init"));
    ASSERT_EQ(Str(init, "status"), "succeeded") << json::serialize(init);
  }

  json::object Job(const LoopAgent& agent, const std::string& kind, std::size_t group = 0) const {
    json::object body{{"host_id", agent.host_id}, {"kind", kind}, {"repository_id", repo_id_}};
    if (kind == "backup") body["source_group_id"] = groups_.at(group);
    return body;
  }

  // A backup of each agent's group, run to its end: the finished jobs.
  std::vector<json::value> BackupEach(const std::vector<LoopAgent*>& agents) {
    std::vector<json::value> jobs;
    for (std::size_t i = 0; i < agents.size(); ++i) {
      jobs.push_back(RunToEnd(Job(*agents[i], "backup", i)));
      EXPECT_EQ(Str(jobs.back(), "status"), "succeeded") << json::serialize(jobs.back());
    }
    return jobs;
  }

  fs::path repo_;
  std::string repo_id_;
  std::vector<std::string> groups_;
};

TEST_F(SelfBackupLiveTest, RestoredServerTakesBackTheFleetWithTheHistoryUpToTheCopy) {
  ASSERT_NO_FATAL_FAILURE(StartServer({"--tls-self-signed"}));
  std::vector<LoopAgent*> agents;
  for (const char* name : {"alpha", "beta"}) {
    agents.push_back(EnrollAgent(name));
    ASSERT_NE(agents.back(), nullptr) << Logs();
    ASSERT_NO_FATAL_FAILURE(StartAgent(*agents.back(), {}));
  }
  for (auto* agent : agents) ASSERT_TRUE(WaitConnected(*agent)) << Logs();
  ASSERT_NO_FATAL_FAILURE(MakeWorld(agents));
  const auto before = BackupEach(agents);
  ASSERT_FALSE(HasFailure()) << Logs();

  // The copy, taken while the server runs and the agents stay connected.
  const fs::path copy = dir_ / "server.rmself";
  const auto started = std::chrono::steady_clock::now();
  const auto backed = Server({"backup-self", "--data-dir", DataDir().string(), "--out", copy.string(),
                              "--passphrase-file", PassphraseFile()});
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  ASSERT_EQ(backed.code, 0) << backed.out << backed.err;
  std::cout << "backup-self of the live server: " << fs::file_size(copy) << " bytes in " << took.count()
            << " ms (process wall time)\n"
            << backed.out;
  EXPECT_NE(backed.out.find("2 host(s)"), std::string::npos) << backed.out;

  // After the copy: more jobs, which the restored server will not know.
  const auto after = BackupEach(agents);
  ASSERT_FALSE(HasFailure()) << Logs();
  for (auto* agent : agents) EXPECT_EQ(OutboxSize(*agent), 0U) << "acknowledged results leave the outbox";

  // The disaster: the server dies and its data dir is gone.
  KillServer();
  for (auto* agent : agents) ASSERT_TRUE(WaitUntil([&] { return ConnectCount(*agent) >= 1; }));
  fs::remove_all(DataDir());

  // A wrong passphrase changes nothing; the right one brings the data dir back.
  const fs::path wrong = dir_ / "wrong.pass";
  std::ofstream(wrong) << "not the operator's passphrase\n";
  fs::permissions(wrong, fs::perms::owner_read | fs::perms::owner_write);
  const auto refused = Server({"restore-self", "--from", copy.string(), "--data-dir", DataDir().string(),
                               "--passphrase-file", wrong.string()});
  EXPECT_NE(refused.code, 0);
  EXPECT_NE(refused.err.find("wrong passphrase"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(DataDir()));
  const auto restored = Server({"restore-self", "--from", copy.string(), "--data-dir", DataDir().string(),
                                "--passphrase-file", PassphraseFile()});
  ASSERT_EQ(restored.code, 0) << restored.out << restored.err;
  std::cout << restored.out;
  EXPECT_NE(restored.out.find("2 host(s)"), std::string::npos) << restored.out;
  EXPECT_NE(restored.out.find("self-signed TLS pair"), std::string::npos) << restored.out;

  // Same address, same certificate: the agents reconnect with what they have.
  ASSERT_NO_FATAL_FAILURE(StartServer({"--tls-self-signed"}));
  for (auto* agent : agents) ASSERT_TRUE(WaitConnected(*agent)) << Logs();

  // Every job up to the copy is there as it was; none after it; nothing redelivered.
  for (const auto& job : before) {
    const auto now = api().Get("/jobs/" + Str(job, "id"));
    ASSERT_EQ(now.status, 200) << now.Describe();
    EXPECT_EQ(Str(now.json, "status"), "succeeded");
    EXPECT_EQ(Str(now.json, "snapshot_id"), Str(job, "snapshot_id"));
  }
  for (const auto& job : after) {
    EXPECT_EQ(api().Get("/jobs/" + Str(job, "id")).status, 404)
        << "job after the copy: " << json::serialize(job);
  }
  for (std::size_t i = 0; i < agents.size(); ++i) {
    EXPECT_EQ(OutboxSize(*agents[i]), 0U);
    const auto jobs = HostJobs(agents[i]->host_id);
    std::set<std::string> ids;
    for (const auto& job : jobs) ids.insert(Str(job, "id"));
    EXPECT_EQ(ids.count(Str(before[i], "id")), 1U);
    EXPECT_EQ(ids.count(Str(after[i], "id")), 0U);
  }
  EXPECT_EQ(ServerSnapshots(repo_id_).size(), before.size()) << "the index as it was at the copy";

  // The repository password opens with the restored key: a new backup runs;
  // a snapshots job indexes the snapshots of the lost jobs again.
  const auto again = BackupEach(agents);
  ASSERT_FALSE(HasFailure()) << Logs();
  const auto index = RunToEnd(Job(*agents[0], "snapshots"));
  EXPECT_EQ(Str(index, "status"), "succeeded") << json::serialize(index);
  EXPECT_EQ(ResticSnapshots(repo_, kRepositoryPassword).size(), before.size() + after.size() + again.size());
  std::set<std::string> indexed;
  for (const auto& snapshot : ServerSnapshots(repo_id_)) indexed.insert(Str(snapshot, "id"));
  for (const auto& job : after) {
    EXPECT_EQ(indexed.count(Str(job, "snapshot_id")), 1U) << "snapshot of a lost job, indexed again";
  }
}

// --self-backup-dir on a running server, and the agent on the server's host
// carrying the directory into a managed repository: the file restic keeps
// is one restore-self accepts.
TEST_F(SelfBackupLiveTest, PeriodicSelfBackupTravelsThroughAManagedRepository) {
  const fs::path out = dir_ / "self-backups";
  const std::vector<std::string> self_backup{"--tls-self-signed",
                                             "--self-backup-dir",
                                             out.string(),
                                             "--self-backup-keep",
                                             "2",
                                             "--self-backup-passphrase-file",
                                             PassphraseFile(),
                                             "--self-backup-interval"};
  auto with_interval = [&](const char* seconds) {
    auto flags = self_backup;
    flags.emplace_back(seconds);
    return flags;
  };
  ASSERT_NO_FATAL_FAILURE(StartServer(with_interval("1")));
  LoopAgent* agent = EnrollAgent("server-host");
  ASSERT_NE(agent, nullptr) << Logs();
  ASSERT_NO_FATAL_FAILURE(StartAgent(*agent, {}));
  ASSERT_TRUE(WaitConnected(*agent)) << Logs();

  // Runs keep coming (one a second here), each audited, and at most two files stay.
  const auto audited = [&] {
    const auto r = api().Get("/audit?action=server.self_backup&limit=500");
    return r.status == 200 ? r.json.at("items").as_array().size() : std::size_t{0};
  };
  const std::size_t at_enrollment = audited();
  ASSERT_TRUE(WaitUntil([&] { return audited() >= at_enrollment + 3; })) << Logs();
  const auto count_files = [&] {
    std::size_t files = 0;
    for (const auto& entry : fs::directory_iterator(out))
      files += entry.path().extension() == ".rmself" ? 1 : 0;
    return files;
  };
  EXPECT_GE(count_files(), 1U);
  EXPECT_LE(count_files(), 2U);

  // A daily interval from here: the newest file is fresh, so no run is due
  // at the start and the directory holds still while restic reads it (in
  // production the agent's schedule and the interval are simply apart).
  KillServer();
  ASSERT_NO_FATAL_FAILURE(StartServer(with_interval("86400")));
  ASSERT_TRUE(WaitConnected(*agent)) << Logs();

  // The operator's steps: a group of the directory on the server's host, backed up.
  repo_ = dir_ / "repo";
  repo_id_ = CreateRepository("repo", repo_, kRepositoryPassword);
  groups_.push_back(CreateGroup(agent->host_id, "server-self-backups", {out.string()}));
  ASSERT_EQ(Str(RunToEnd(Job(*agent, "init")), "status"), "succeeded");
  const auto backup = RunToEnd(Job(*agent, "backup"));
  ASSERT_EQ(Str(backup, "status"), "succeeded") << json::serialize(backup);

  // Out of the repository with restic alone, into a new data dir.
  const fs::path back = dir_ / "from-restic";
  const auto restic = Restic(repo_, kRepositoryPassword, {"restore", "latest", "--target", back.string()});
  ASSERT_EQ(restic.code, 0) << restic.out << restic.err;
  fs::path file;
  for (const auto& entry : fs::recursive_directory_iterator(back)) {
    if (entry.path().extension() == ".rmself") file = entry.path();
  }
  ASSERT_FALSE(file.empty()) << "no self-backup in the snapshot";
  const auto restored = Server({"restore-self", "--from", file.string(), "--data-dir",
                                (dir_ / "new-data").string(), "--passphrase-file", PassphraseFile()});
  ASSERT_EQ(restored.code, 0) << restored.out << restored.err;
  EXPECT_NE(restored.out.find("1 host(s)"), std::string::npos) << restored.out;
}

}  // namespace
}  // namespace rmgr::testing

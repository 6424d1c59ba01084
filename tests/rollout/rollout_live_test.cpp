// Rolling agent updates end to end: a server publishes signed bundles, real
// agents download, verify and install them under their supervisor, and the
// rollout engine moves wave by wave — or stops and rolls back.
//
// The "new release" of the good case is a launcher script that execs this
// build's agent: the bundle's verified manifest names 9.2.0, the supervisor
// passes it on (RMGR_AGENT_BUNDLE_VERSION) and the agent reports it, so one
// binary stands in for a newer release (docs/agent-updates.md).
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>
#include <fstream>
#include <set>

#include "common/update/agent_bundle.h"
#include "tests/cli/child_process.h"
#include "tests/loop/loop_fixture.h"

namespace rmgr::testing {
namespace {

class RolloutTest : public LoopTest {
 protected:
  //! A script that becomes `body`, executable.
  std::filesystem::path Script(const std::string& name, const std::string& body) {
    const auto path = dir_ / name;
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
    return path;
  }

  //! `restic-manager-server publish-agent` into the server's data dir.
  void Publish(const std::string& version, const std::filesystem::path& binary) {
    const ProcessResult published =
        RunProcess(RMGR_SERVER_EXE,
                   {"publish-agent", "--data-dir", (dir_ / "data").string(), "--binary", binary.string(),
                    "--release", version},
                   {"PATH=/usr/bin:/bin", "HOME=" + dir_.string()}, "", std::chrono::seconds(120));
    ASSERT_EQ(published.code, 0) << published.out << published.err;
  }

  std::filesystem::path BundleDir(const std::string& version) const {
    return dir_ / "data" / "agent-releases" / version;
  }

  //! Enrolls and starts `count` agents and waits until all are connected.
  std::vector<LoopAgent*> Agents(int count) {
    std::vector<LoopAgent*> agents;
    for (int i = 0; i < count; ++i) {
      LoopAgent* agent = EnrollAgent("agent" + std::to_string(i));
      if (agent == nullptr) return {};
      StartAgent(*agent, {"--update-deadline", "60"});
      agents.push_back(agent);
    }
    for (auto* agent : agents) EXPECT_TRUE(WaitConnected(*agent)) << Logs();
    return agents;
  }

  boost::json::value StartRollout(const std::string& version, const std::vector<LoopAgent*>& agents,
                                  int wave_size) {
    boost::json::array ids;
    for (auto* agent : agents) ids.emplace_back(agent->host_id);
    const auto answer = api().Post(
        "/rollouts", boost::json::object{{"version", version}, {"host_ids", ids}, {"wave_size", wave_size}});
    EXPECT_EQ(answer.status, 201) << answer.Describe();
    return answer.json;
  }

  //! Waits until the rollout leaves running; returns it.
  boost::json::value WaitRolloutEnd(const std::string& id) {
    boost::json::value last;
    WaitUntil([&] {
      last = api().Get("/rollouts/" + id).json;
      return Str(last, "state") != "running" && !Str(last, "state").empty();
    });
    return last;
  }

  //! The rollout's host row for `agent`.
  static boost::json::object HostRow(const boost::json::value& rollout, const LoopAgent& agent) {
    for (const auto& host : rollout.at("hosts").as_array()) {
      if (Str(host, "host_id") == agent.host_id) return host.as_object();
    }
    return {};
  }

  //! Waits until the server shows the agent connected and reporting `version`.
  bool WaitVersion(const LoopAgent& agent, const std::string& version) {
    return WaitUntil([&] {
      const auto host = api().Get("/hosts/" + agent.host_id).json;
      return !host.is_null() && host.at("connected").as_bool() && Str(host, "agent_version") == version;
    });
  }
};

TEST_F(RolloutTest, BrokenReleaseStopsAfterTheFirstWaveRollsItBackAndLeavesLaterWavesAlone) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const auto agents = Agents(3);
  ASSERT_EQ(agents.size(), 3u);
  ASSERT_NO_FATAL_FAILURE(Publish("9.0.0", Script("broken-agent", "echo broken release >&2\nexit 1")));

  const auto started_at = std::chrono::steady_clock::now();
  const auto rollout = StartRollout("9.0.0", agents, 2);
  ASSERT_FALSE(rollout.is_null());
  const std::string id = Str(rollout, "id");
  const auto ended = WaitRolloutEnd(id);
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_at);
  std::printf("broken rollout: failed after %lld ms\n", static_cast<long long>(took.count()));

  EXPECT_EQ(Str(ended, "state"), "failed") << ended << Logs();
  EXPECT_NE(Str(ended, "error").find("exited with status 1"), std::string::npos) << ended;
  // The first wave tried it, rolled back, and runs the old version again.
  for (int i = 0; i < 2; ++i) {
    const auto row = HostRow(ended, *agents[i]);
    EXPECT_EQ(Int(row, "wave"), 0);
    const std::string state = Str(row, "state");
    // Both got the update; the first one back stops the rollout, the other is still followed.
    EXPECT_TRUE(state == "rolled_back" || state == "updating") << row;
    EXPECT_TRUE(WaitVersion(*agents[i], "0.1.0")) << Logs();
    EXPECT_TRUE(agents[i]->process->Running()) << "the supervisor must stay up";
    EXPECT_TRUE(std::filesystem::exists(agents[i]->state_dir / "versions") == false ||
                std::filesystem::is_empty(agents[i]->state_dir / "versions"))
        << "the broken release is removed";
  }
  // Both rows end rolled back once their agents reported.
  const bool both_rolled_back = WaitUntil([&] {
    const auto now = api().Get("/rollouts/" + id).json;
    return Str(HostRow(now, *agents[0]), "state") == "rolled_back" &&
           Str(HostRow(now, *agents[1]), "state") == "rolled_back";
  });
  EXPECT_TRUE(both_rolled_back) << api().Get("/rollouts/" + id).body << Logs();
  // The second wave never heard of it.
  const auto final_rollout = api().Get("/rollouts/" + id).json;
  EXPECT_EQ(Str(HostRow(final_rollout, *agents[2]), "state"), "skipped");
  EXPECT_FALSE(std::filesystem::exists(agents[2]->state_dir / "update"));
  EXPECT_EQ(ReadText(agents[2]->log).find("agent.update"), std::string::npos);
  EXPECT_EQ(ReadText(agents[2]->log).find("update to 9.0.0"), std::string::npos);
  // Audited: who started it, and that it failed.
  const auto audit = AuditFor(id);
  std::set<std::string> actions;
  for (const auto& entry : audit) actions.insert(Str(entry, "action"));
  EXPECT_TRUE(actions.count("rollout.start")) << audit;
  EXPECT_TRUE(actions.count("rollout.failed")) << audit;
}

// The wave's other host came up healthy on the release: when the rollout
// fails, the server rolls it back too (agent.rollback), and it reconnects on
// the old version. The launcher breaks only on agent0 (its HOME is its state
// dir); it lingers a little so agent1 usually is done by then.
TEST_F(RolloutTest, AFailedWaveRollsBackItsHealthyHostToTheOldVersion) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const auto agents = Agents(3);
  ASSERT_EQ(agents.size(), 3u);
  ASSERT_NO_FATAL_FAILURE(
      Publish("9.5.0", Script("half-broken",
                              "case \"$HOME\" in */agent-agent0) echo broken on this host >&2; sleep 3; "
                              "exit 1;; esac\nexec " +
                                  std::string(RMGR_AGENT_EXE) + " \"$@\"")));

  const auto rollout = StartRollout("9.5.0", agents, 2);
  ASSERT_FALSE(rollout.is_null());
  const std::string id = Str(rollout, "id");
  const auto ended = WaitRolloutEnd(id);
  EXPECT_EQ(Str(ended, "state"), "failed") << ended << Logs();
  EXPECT_NE(Str(ended, "error").find("exited with status 1"), std::string::npos) << ended;

  // agent1 was healthy on 9.5.0 (or became so after the failure): rolled back by the server.
  const bool rolled_back = WaitUntil([&] {
    const auto now = api().Get("/rollouts/" + id).json;
    return Str(HostRow(now, *agents[1]), "state") == "rolled_back" &&
           Str(HostRow(now, *agents[0]), "state") == "rolled_back";
  });
  const auto final_rollout = api().Get("/rollouts/" + id).json;
  ASSERT_TRUE(rolled_back) << final_rollout << Logs();
  const auto healthy = HostRow(final_rollout, *agents[1]);
  EXPECT_NE(Str(healthy, "error").find("rollout " + id + " failed: wave rolled back"), std::string::npos)
      << healthy;
  EXPECT_TRUE(WaitVersion(*agents[1], "0.1.0")) << Logs();
  EXPECT_TRUE(agents[1]->process->Running()) << "the supervisor stays up";
  EXPECT_NE(ReadText(agents[1]->log).find("rolled back from 9.5.0"), std::string::npos) << Logs();
  EXPECT_FALSE(std::filesystem::exists(agents[1]->state_dir / "versions" / "9.5.0"));
  EXPECT_FALSE(std::filesystem::exists(agents[1]->state_dir / "update" / "current"))
      << "back on the installed package";
  EXPECT_FALSE(std::filesystem::exists(agents[1]->state_dir / "update" / "rollback.json"));
  // agent0 rolled back by itself (its supervisor); the later wave never heard of it.
  EXPECT_NE(Str(HostRow(final_rollout, *agents[0]), "error").find("exited with status 1"), std::string::npos);
  EXPECT_TRUE(WaitVersion(*agents[0], "0.1.0")) << Logs();
  EXPECT_EQ(Str(HostRow(final_rollout, *agents[2]), "state"), "skipped");
  EXPECT_FALSE(std::filesystem::exists(agents[2]->state_dir / "update"));
  EXPECT_EQ(ReadText(agents[2]->log).find("9.5.0"), std::string::npos);
  // The server's decision is audited, for agent1 only.
  std::vector<std::string> rolled;
  for (const auto& entry : AuditFor(id)) {
    if (Str(entry, "action") == "rollout.rollback") rolled.push_back(boost::json::serialize(entry));
  }
  ASSERT_EQ(rolled.size(), 1u) << AuditFor(id);
  EXPECT_NE(rolled[0].find(agents[1]->host_id), std::string::npos) << rolled[0];
}

TEST_F(RolloutTest, TamperedBundleIsRefusedAndTheOldVersionRunsOn) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const auto agents = Agents(1);
  ASSERT_EQ(agents.size(), 1u);
  ASSERT_NO_FATAL_FAILURE(
      Publish("9.1.0", Script("launcher", "exec " + std::string(RMGR_AGENT_EXE) + " \"$@\"")));
  // Flip one byte after signing, and let the server lie about the checksum
  // too: only the signature can catch it.
  const auto bundle_path = BundleDir("9.1.0") / "bundle";
  std::string bundle = ReadText(bundle_path);
  ASSERT_FALSE(bundle.empty());
  bundle[bundle.size() - 2] ^= 0x01;
  std::ofstream(bundle_path, std::ios::binary | std::ios::trunc) << bundle;
  auto release = boost::json::parse(ReadText(BundleDir("9.1.0") / "release.json")).as_object();
  release["sha256"] = update::Sha256Hex(bundle);
  std::ofstream(BundleDir("9.1.0") / "release.json", std::ios::trunc) << boost::json::serialize(release);

  const auto rollout = StartRollout("9.1.0", agents, 1);
  ASSERT_FALSE(rollout.is_null());
  const auto ended = WaitRolloutEnd(Str(rollout, "id"));
  EXPECT_EQ(Str(ended, "state"), "failed") << ended << Logs();
  const auto row = HostRow(ended, *agents[0]);
  EXPECT_EQ(Str(row, "state"), "failed") << row;
  EXPECT_NE(Str(row, "error").find("signature does not verify"), std::string::npos) << row;
  // Nothing was installed, the same process runs on, still connected on the old version.
  EXPECT_FALSE(std::filesystem::exists(agents[0]->state_dir / "versions"));
  EXPECT_TRUE(agents[0]->process->Running());
  const auto host = api().Get("/hosts/" + agents[0]->host_id).json;
  EXPECT_EQ(Str(host, "agent_version"), "0.1.0");
  EXPECT_TRUE(host.at("connected").as_bool());
  EXPECT_NE(ReadText(agents[0]->log).find("refused"), std::string::npos);
}

TEST_F(RolloutTest, GoodReleaseRollsOutWaveByWaveAndAgentsReportTheNewVersion) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const auto agents = Agents(2);
  ASSERT_EQ(agents.size(), 2u);
  ASSERT_NO_FATAL_FAILURE(
      Publish("9.2.0", Script("launcher", "exec " + std::string(RMGR_AGENT_EXE) + " \"$@\"")));
  const auto behind = api().Get("/hosts/" + agents[0]->host_id).json;
  EXPECT_FALSE(behind.at("agent_behind").as_bool());  // 0.1.0 is the server's own version

  const auto started_at = std::chrono::steady_clock::now();
  const auto rollout = StartRollout("9.2.0", agents, 1);
  ASSERT_FALSE(rollout.is_null());
  EXPECT_EQ(Int(rollout, "waves"), 2);
  const auto ended = WaitRolloutEnd(Str(rollout, "id"));
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_at);
  std::printf("good rollout of 2 agents in 2 waves: %lld ms\n", static_cast<long long>(took.count()));
  EXPECT_EQ(Str(ended, "state"), "succeeded") << ended << Logs();
  for (auto* agent : agents) {
    EXPECT_EQ(Str(HostRow(ended, *agent), "state"), "done");
    EXPECT_TRUE(WaitVersion(*agent, "9.2.0"));
    EXPECT_EQ(ReadText(agent->state_dir / "update" / "current"), "9.2.0\n");
    EXPECT_TRUE(agent->process->Running()) << "the supervisor keeps the agent's pid";
  }
  // Wave order: the second host's update went out only after the first was done.
  const auto first = HostRow(ended, *agents[0]);
  const auto second = HostRow(ended, *agents[1]);
  EXPECT_EQ(Int(first, "wave"), 0);
  EXPECT_EQ(Int(second, "wave"), 1);
  EXPECT_LE(TimeMs(first, "updated_at"), TimeMs(second, "updated_at"));
}

// The rollout's state is the store's: a server killed while a wave waits for
// an offline host resumes after its restart and finishes when the host is back.
TEST_F(RolloutTest, ARestartedServerResumesTheRolloutWhereItStopped) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const auto agents = Agents(2);
  ASSERT_EQ(agents.size(), 2u);
  ASSERT_NO_FATAL_FAILURE(
      Publish("9.3.0", Script("launcher", "exec " + std::string(RMGR_AGENT_EXE) + " \"$@\"")));
  ASSERT_NO_FATAL_FAILURE(KillAgent(*agents[1]));
  ASSERT_TRUE(WaitConnected(*agents[1], false));

  const auto rollout = StartRollout("9.3.0", agents, 1);
  ASSERT_FALSE(rollout.is_null());
  const std::string id = Str(rollout, "id");
  // Wave 0 finishes; wave 1 starts but its host is offline, so the update waits for its hello.
  const bool waiting = WaitUntil([&] {
    const auto now = api().Get("/rollouts/" + id).json;
    return Str(HostRow(now, *agents[0]), "state") == "done" &&
           Str(HostRow(now, *agents[1]), "state") == "updating";
  });
  ASSERT_TRUE(waiting) << api().Get("/rollouts/" + id).body << Logs();

  ASSERT_NO_FATAL_FAILURE(KillServer());
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_NO_FATAL_FAILURE(RestartAgent(*agents[1]));
  const auto ended = WaitRolloutEnd(id);
  EXPECT_EQ(Str(ended, "state"), "succeeded") << ended << Logs();
  EXPECT_TRUE(WaitVersion(*agents[1], "9.3.0")) << Logs();
  EXPECT_TRUE(WaitVersion(*agents[0], "9.3.0")) << Logs();
}

// Jobs in flight finish first: the agent answers "waiting", the backup ends
// succeeded, and only then does the agent restart into the new version.
TEST_F(RolloutTest, AnUpdateWaitsForTheRunningBackupToFinish) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  LoopAgent* agent = EnrollAgent("busy");
  ASSERT_NE(agent, nullptr);
  ASSERT_NO_FATAL_FAILURE(
      StartAgent(*agent, {"--restic", ThrottledRestic().string(), "--update-deadline", "60"}));
  ASSERT_TRUE(WaitConnected(*agent)) << Logs();
  const auto repo = dir_ / "repo";
  const std::string repo_id = CreateRepository("repo", repo, "busy-password");
  ASSERT_NO_FATAL_FAILURE(ResticInit(repo, "busy-password"));
  const std::string group_id = CreateGroup(agent->host_id, "big", {BigTree().string()});
  const auto queued = RunJob(boost::json::object{{"host_id", agent->host_id},
                                                 {"kind", "backup"},
                                                 {"repository_id", repo_id},
                                                 {"source_group_id", group_id}});
  const std::string job_id = Str(queued, "id");
  ASSERT_FALSE(WaitRunning(job_id).is_null()) << Logs();
  ASSERT_NO_FATAL_FAILURE(
      Publish("9.4.0", Script("launcher", "exec " + std::string(RMGR_AGENT_EXE) + " \"$@\"")));

  const auto rollout = StartRollout("9.4.0", {agent}, 1);
  ASSERT_FALSE(rollout.is_null());
  EXPECT_TRUE(WaitUntil([&] {
    return ReadText(agent->log).find("waits for 1 running job") != std::string::npos;
  })) << Logs();
  const auto ended = WaitRolloutEnd(Str(rollout, "id"));
  EXPECT_EQ(Str(ended, "state"), "succeeded") << ended << Logs();
  const auto job = WaitFinished(job_id);
  EXPECT_EQ(Str(job, "status"), "succeeded") << job;
  // The backup ended before the host came back on the new version.
  EXPECT_LE(TimeMs(job, "finished_at"), TimeMs(HostRow(ended, *agent), "updated_at"));
  EXPECT_TRUE(WaitVersion(*agent, "9.4.0"));
}

}  // namespace
}  // namespace rmgr::testing

#pragma once
// FaultMatrixTest: the fixture of the fault-matrix rows (issue 10). Each row
// builds the same small world on the closed-loop fixture — the real server,
// one real agent (its restic throttled), two repositories ("heart" and
// "work") — and a heartbeat: an `@every 5s` backup schedule on "heart" whose
// agent-side fires keep arriving while the row cuts a process, the network,
// the disk or the database at one step of a job's lifecycle on "work".
//
// Steps are held with SIGSTOP (a frozen process keeps its sockets, so frames
// wait in kernel buffers) and cut with SIGKILL; every frozen process is thawed
// again before TearDown stops it. Every row ends with ExpectNothingLost, the
// one checker of the matrix's invariants.
//
// Thread safety: one test thread (the network row moves that thread into a
// private network namespace and back).

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "tests/loop/loop_fixture.h"

namespace rmgr::testing {

//! Milliseconds since the epoch, now.
std::int64_t NowMs();

class FaultMatrixTest : public LoopTest {
 protected:
  void TearDown() override;
  void BeforeCleanup() override;

  // --- the world ----------------------------------------------------------------------
  //! Server, agent, both repositories and their groups, and the heartbeat,
  //! once its first job exists (the checked span starts there).
  //! Use with ASSERT_NO_FATAL_FAILURE.
  void StartWorld(const std::vector<std::string>& server_flags = {});
  //! POST /jobs: a backup of the small "work" group (or the big one); the job id.
  std::string RunWork(bool big = false);
  //! Waits until the job's status is exactly `status` (no failure recorded on timeout).
  bool WaitStatus(const std::string& job_id, const std::string& status);
  //! For a job dispatched to the frozen agent: waits until the server has
  //! stored it as dispatched and its command.run waits, unread, in the agent's
  //! socket (the server sends it only after the commit).
  bool WaitCommandInAgentSocket(const std::string& job_id);

  // --- holding and cutting processes ------------------------------------------------------
  //! SIGSTOP / SIGCONT to a process this test started (remembered, so TearDown thaws it).
  void Freeze(pid_t pid);
  void Thaw(pid_t pid);
  //! SIGKILL to the server / the agent, frozen or not (they stay down until restarted).
  void CutServer();
  void CutAgent();
  //! Unanswered fires on the agent's disk (files in <state>/fires).
  std::size_t FireCount() const;
  //! True while the agent's outbox holds the result of `job_id`.
  bool InOutbox(const std::string& job_id) const;
  //! True once the agent has logged the end of `job_id` (its result stored or
  //! not) as anything but `interrupted`.
  bool AgentFinished(const std::string& job_id) const;
  //! True once the agent's log holds `text`.
  bool AgentSaid(const std::string& text) const;
  //! True once the server's log holds `text`.
  bool ServerSaid(const std::string& text) const;
  //! A fault begins now (before the first freeze, kill or cut).
  void BeginFault();
  //! The fault is over: waits until the agent is connected again — on a new
  //! connection when `reconnects` (the old one may look alive to a server
  //! that was just thawed) — and marks the heartbeat windows since
  //! BeginFault as possibly without a fire of their own (a process was down,
  //! frozen or cut off: the agent coalesces what it could not send, and a
  //! restarted timer shifts its phase). Use with ASSERT_NO_FATAL_FAILURE.
  void EndFault(bool reconnects = true);

  // --- the network and the disk ----------------------------------------------------------
  //! Moves this thread (and so every process it starts) into a new network
  //! namespace with its own loopback up. "" on success, else what is missing (a skip reason).
  std::string EnterPrivateNetwork();
  //! Takes the private namespace's loopback down (a partition of every local
  //! connection) or back up. "" on success, else why not.
  std::string SetLoopback(bool up);
  //! Mounts a tmpfs of `bytes` at `path`. "" on success, else why not (a skip reason).
  std::string MountSmallDisk(const std::filesystem::path& path, std::size_t bytes);
  //! Fills the mounted disk with one file until it is full; RemoveFiller frees it.
  void FillDisk();
  void RemoveFiller();

  // --- the invariants --------------------------------------------------------------------
  //! Stops the heartbeat and checks every invariant of the matrix: every fire
  //! answered and every result acknowledged (nothing left in fires/ or
  //! outbox/), no job queued, dispatched, running or `lost`, no job
  //! `interrupted` that the agent finished (its result was lost) or that was
  //! created after the last fault, no two jobs for one schedule × slot ×
  //! group, and every heartbeat window of the span with a job, a pending run
  //! or a recorded reason — except inside the faults (BeginFault to EndFault).
  void ExpectNothingLost();

  LoopAgent* agent_ = nullptr;
  std::string work_repo_id_;
  std::string heart_schedule_id_;

 private:
  std::string heart_repo_id_;
  std::string heart_group_;
  std::string work_small_group_;
  std::string work_big_group_;
  std::int64_t span_from_ms_ = -1;
  std::int64_t fault_from_ms_ = -1;
  std::size_t connects_at_fault_ = 0;
  std::vector<std::pair<std::int64_t, std::int64_t>> blind_;
  std::vector<pid_t> frozen_;
  int saved_netns_ = -1;
  std::filesystem::path mounted_;
};

}  // namespace rmgr::testing

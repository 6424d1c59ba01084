#pragma once
// Shared fixture of the executor tests that drive the real restic (Debian's
// 0.14) on local repositories in a fresh temp directory per test. Every test
// ends by checking that no emitted frame and no agent log line holds a
// repository password.

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "agent/executor/job_executor.h"
#include "agent/outbox/outbox.h"
#include "common/testing/files.h"
#include "common/testing/restic.h"

namespace rmgr::agent::testing {

namespace fs = std::filesystem;

inline const std::string& kResticBinary = test_support::ResticBinary();
//! The repository password of every test repository.
inline constexpr std::string_view kPassword = "correct horse battery staple 7f3a";
//! The wrong password some tests use (it must not leak either).
inline constexpr std::string_view kWrongPassword = "not the password 91c2";
//! Default wait for something the executor will do.
inline constexpr std::chrono::seconds kWait{120};

//! Records every emitted payload; lets a test wait for the one it expects.
class Recorder {
 public:
  //! The Emit to hand to the executor.
  Emit emit() {
    return [this](protocol::Payload payload) {
      std::lock_guard lock(mu_);
      payloads_.push_back(std::move(payload));
      cv_.notify_all();
    };
  }

  //! Every payload of type T so far, in emit order.
  template <class T>
  std::vector<T> All() const {
    std::lock_guard lock(mu_);
    std::vector<T> out;
    for (const auto& p : payloads_) {
      if (const T* t = std::get_if<T>(&p)) out.push_back(*t);
    }
    return out;
  }

  //! Waits until a payload of type T matches `match` (nullopt after `timeout`).
  template <class T>
  std::optional<T> WaitFor(const std::function<bool(const T&)>& match, std::chrono::seconds timeout = kWait) {
    std::unique_lock lock(mu_);
    std::optional<T> found;
    cv_.wait_for(lock, timeout, [&] {
      for (const auto& p : payloads_) {
        const T* t = std::get_if<T>(&p);
        if (t != nullptr && match(*t)) {
          found = *t;
          return true;
        }
      }
      return false;
    });
    return found;
  }

  //! Every payload encoded as the frame the connection would send.
  std::vector<std::string> Frames() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<protocol::Payload> payloads_;
};

//! Temp repository, source tree, outbox and executor of one test.
class ExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  //! The executor, made from options_ on first use.
  JobExecutor& executor();
  //! A command for `kind` on the test repository (backup: the source tree).
  protocol::CommandRun MakeRun(protocol::JobKind kind, std::string_view password = kPassword) const;
  //! Runs `run` and waits for its job.result.
  protocol::JobResult RunToEnd(protocol::CommandRun run);
  //! Runs `run` and expects it to succeed.
  protocol::JobResult MustSucceed(protocol::CommandRun run);
  //! `restic init` through the executor.
  void Init();
  //! A backup through the executor; returns the snapshot id it reports.
  std::string Backup();
  //! The job.result of `job_id`, waited for.
  std::optional<protocol::JobResult> WaitResult(const std::string& job_id,
                                                std::chrono::seconds timeout = kWait);
  //! The first job.progress of `job_id`, waited for.
  std::optional<protocol::JobProgress> WaitProgress(const std::string& job_id);
  //! Every job.log line of `job_id` in sequence order; expects the batches to be continuous from 0.
  std::vector<protocol::LogLine> LogLines(const std::string& job_id) const;
  //! Whether some job.log line of `job_id` contains `text`.
  bool Logged(const std::string& job_id, std::string_view text) const;

  //! `restic <args>` run directly (not through the executor): its stdout lines.
  std::vector<std::string> Restic(const std::vector<std::string>& args) const;
  //! Full snapshot ids as `restic snapshots --json` lists them, oldest first.
  std::vector<std::string> SnapshotIds() const;
  //! `restic list locks`.
  std::vector<std::string> Locks() const;
  //! ~200 MB of incompressible data in the source tree: a backup runs for a while.
  void WriteBigTree() const;
  //! Writes `script` as an executable fake restic and makes the executor use it.
  void UseFakeRestic(const std::string& script);

  fs::path root_;
  fs::path repo_;
  fs::path src_;
  ExecutorOptions options_;
  Recorder recorded_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<JobExecutor> executor_;

 private:
  std::ostringstream agent_log_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

using test_support::ReadFile;
using test_support::WriteFile;

}  // namespace rmgr::agent::testing

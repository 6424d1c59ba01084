// The runner against the real restic (Debian's 0.14) on local repositories
// in temp dirs. Skipped when restic is not installed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "agent/runner/restic_command.h"
#include "agent/runner/restic_output.h"
#include "agent/runner/restic_process.h"
#include "agent/runner/restic_stats.h"
#include "common/testing/files.h"
#include "common/testing/restic.h"

namespace rmgr::agent::runner {
namespace {

namespace fs = std::filesystem;
using protocol::CommandRun;
using protocol::ErrorKind;
using protocol::JobKind;
using protocol::JobStatus;
using protocol::LogStream;

const std::string& kResticBinary = test_support::ResticBinary();

struct Outcome {
  ProcessExit exit{};
  protocol::JobResult result{};
  std::vector<std::string> json_lines{};
  std::vector<std::string> stderr_lines{};
  int progress_lines = 0;
};

//! Called for each status line with the running process.
using ProgressHook = std::function<void(ResticProcess&, const protocol::JobProgress&)>;

using test_support::ReadFile;
using test_support::WriteFile;

class ResticReal : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kResticBinary.c_str(), X_OK) != 0)
      GTEST_SKIP() << "restic is not installed at " << kResticBinary;
    std::string tmpl = (fs::temp_directory_path() / "rmgr-runner-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    repo_ = root_ / "repo";
    src_ = root_ / "src";
    fs::create_directories(src_ / "sub");
    WriteFile(src_ / "a.txt", "hello restic\n");
    WriteFile(src_ / "sub" / "b.bin", std::string("\x00\x01\x02binary\xff", 10));
    config_.restic_binary = kResticBinary;
    config_.state_dir = (root_ / "state").string();
    config_.progress_fps = 2;
    config_.base_env = {"PATH=/usr/bin:/bin", "HOME=" + root_.string(), "TMPDIR=" + root_.string()};
  }

  void TearDown() override {
    if (root_.empty()) return;
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  CommandRun MakeRun(JobKind kind, const std::string& password = "correct horse") const {
    CommandRun run;
    run.job_id = "01HZZZZZZZZZZZZZZZZZZZZZZZ";
    run.kind = kind;
    run.repository.url = repo_.string();
    run.repository.password = schema::Secret(password);
    run.source_group = protocol::SourceGroup{"g", "src", {src_.string()}, {}, {}};
    return run;
  }

  Outcome Exec(const CommandRun& run, const ProgressHook& hook = {}) const {
    Outcome o;
    auto inv = BuildResticCommand(run, config_);
    EXPECT_TRUE(inv.ok()) << (inv.ok() ? "" : inv.error().Describe());
    if (!inv.ok()) return o;
    ResticOutputCollector collector;
    ResticProcess* proc = nullptr;
    auto started = ResticProcess::Start(
        *inv, run.repository.password,
        [&](LogStream stream, std::string_view line) {
          if (stream == LogStream::kStderr) {
            collector.OnStderr(line);
            o.stderr_lines.emplace_back(line);
            return;
          }
          const auto parsed = collector.OnStdout(line);
          if (parsed.kind == StdoutKind::kStatus) {
            ++o.progress_lines;
            if (hook) hook(*proc, parsed.progress);
          }
        },
        std::size_t{16} << 20);
    EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().Describe());
    if (!started.ok()) return o;
    proc = started->get();
    o.exit = proc->Wait();
    collector.FillResult(o.exit.exit_code, o.exit.cancelled, o.result);
    o.json_lines = collector.json_lines();
    return o;
  }

  Outcome MustSucceed(const CommandRun& run) const {
    auto o = Exec(run);
    EXPECT_EQ(o.result.status, JobStatus::kSucceeded)
        << protocol::ToString(run.kind) << " exit " << o.exit.exit_code << ": "
        << o.result.error.value_or("");
    return o;
  }

  void Init() { MustSucceed(MakeRun(JobKind::kInit)); }

  std::string Backup() {
    auto o = MustSucceed(MakeRun(JobKind::kBackup));
    EXPECT_TRUE(o.result.snapshot_id.has_value());
    return o.result.snapshot_id.value_or("");
  }

  //! Full snapshot ids, oldest first.
  std::vector<std::string> SnapshotIds() const {
    auto o = MustSucceed(MakeRun(JobKind::kSnapshots));
    std::vector<std::string> ids;
    EXPECT_EQ(o.json_lines.size(), 1u);
    if (o.json_lines.empty()) return ids;
    const auto v = boost::json::parse(o.json_lines.front());
    for (const auto& s : v.as_array()) ids.emplace_back(s.as_object().at("id").as_string());
    return ids;
  }

  //! ~200 MB of incompressible data, so a backup is still running at its first status line.
  void WriteBigTree() const {
    std::mt19937_64 rng(42);
    std::vector<uint64_t> block(std::size_t{1} << 17);  // 1 MiB
    for (int f = 0; f < 8; ++f) {
      std::ofstream out(src_ / ("big" + std::to_string(f) + ".bin"), std::ios::binary);
      for (int mb = 0; mb < 25; ++mb) {
        for (auto& w : block) w = rng();
        out.write(reinterpret_cast<const char*>(block.data()),
                  static_cast<std::streamsize>(block.size() * 8));
      }
    }
  }

  fs::path root_;
  fs::path repo_;
  fs::path src_;
  ResticCommandConfig config_;
};

TEST_F(ResticReal, BackupSummaryMatchesSnapshots) {
  Init();
  ASSERT_TRUE(fs::exists(repo_ / "config"));
  auto o = MustSucceed(MakeRun(JobKind::kBackup));
  ASSERT_TRUE(o.result.summary.has_value());
  EXPECT_EQ(o.result.exit_code, 0);
  EXPECT_EQ(o.result.summary->files_new, 2u);
  EXPECT_EQ(
      o.result.summary->dirs_new + o.result.summary->dirs_changed + o.result.summary->dirs_unmodified > 0,
      true);
  ASSERT_TRUE(o.result.snapshot_id.has_value());
  const auto ids = SnapshotIds();
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_TRUE(ids[0].starts_with(*o.result.snapshot_id)) << ids[0] << " vs " << *o.result.snapshot_id;
  EXPECT_TRUE(fs::exists(root_ / "state" / "cache")) << "RESTIC_CACHE_DIR not used";
}

TEST_F(ResticReal, WrongPasswordFails) {
  Init();
  auto o = Exec(MakeRun(JobKind::kBackup, "not the password"));
  EXPECT_EQ(o.exit.exit_code, test_support::ResticAtLeast(0, 17) ? 12 : 1) << "0.17 gave it its own code";
  EXPECT_EQ(o.result.status, JobStatus::kFailed);
  EXPECT_EQ(o.result.error_kind, ErrorKind::kWrongPassword);
  ASSERT_TRUE(o.result.error.has_value());
  // 0.18 writes its errors as JSON; the result carries the sentence, not the object.
  EXPECT_EQ(o.result.error->find("message_type"), std::string::npos) << *o.result.error;
  EXPECT_NE(o.result.error->find("wrong password"), std::string::npos) << *o.result.error;
}

TEST_F(ResticReal, MissingRepositoryFails) {
  auto o = Exec(MakeRun(JobKind::kSnapshots));
  EXPECT_EQ(o.result.status, JobStatus::kFailed);
  EXPECT_EQ(o.result.error_kind, ErrorKind::kRepositoryMissing) << o.result.error.value_or("");
}

TEST_F(ResticReal, UnreadableFileIsPartial) {
  // chmod 000 does not stop root (these tests often run as root), so use a
  // file that fails to read for anyone: this process's /proc/<pid>/mem reads
  // offset 0 (unmapped) with EIO, or cannot be opened at all without ptrace
  // rights. Either way restic makes the snapshot and exits 3.
  Init();
  auto run = MakeRun(JobKind::kBackup);
  const std::string unreadable = "/proc/" + std::to_string(::getpid()) + "/mem";
  run.source_group->paths.push_back(unreadable);
  auto o = Exec(run);
  EXPECT_EQ(o.exit.exit_code, 3);
  EXPECT_EQ(o.result.status, JobStatus::kPartial);
  EXPECT_EQ(o.result.error_kind, ErrorKind::kNone);
  EXPECT_TRUE(o.result.error.has_value());
  ASSERT_TRUE(o.result.snapshot_id.has_value());
  EXPECT_EQ(SnapshotIds().size(), 1u);
}

TEST_F(ResticReal, CancelMidBackupLeavesNoLockAndHidesPassword) {
  Init();
  WriteBigTree();
  std::string cmdline;
  std::string environ_text;
  auto o = Exec(MakeRun(JobKind::kBackup), [&](ResticProcess& proc, const protocol::JobProgress&) {
    if (!cmdline.empty()) return;
    cmdline = ReadFile("/proc/" + std::to_string(proc.pid()) + "/cmdline");
    environ_text = ReadFile("/proc/" + std::to_string(proc.pid()) + "/environ");
    proc.Cancel(std::chrono::seconds(30));
  });
  ASSERT_FALSE(cmdline.empty()) << "no status line arrived before restic finished";
  EXPECT_NE(cmdline.find("--password-file"), std::string::npos);
  EXPECT_EQ(cmdline.find("correct horse"), std::string::npos);
  EXPECT_EQ(environ_text.find("correct horse"), std::string::npos);
  EXPECT_NE(environ_text.find("RESTIC_REPOSITORY="), std::string::npos);
  // 0.14 exits 130 on SIGINT; 0.18 ends the backup with "context canceled", exit 1.
  EXPECT_EQ(o.exit.exit_code, test_support::ResticAtLeast(0, 17) ? 1 : 130);
  EXPECT_TRUE(o.exit.cancelled);
  EXPECT_FALSE(o.exit.killed);
  EXPECT_EQ(o.result.status, JobStatus::kCancelled);
  EXPECT_FALSE(o.result.snapshot_id.has_value());
  EXPECT_TRUE(fs::is_empty(repo_ / "locks")) << "stale lock left behind";
  EXPECT_TRUE(SnapshotIds().empty());
}

TEST_F(ResticReal, ExclusiveLockWhileBackupRunsIsRepositoryLocked) {
  Init();
  WriteBigTree();
  std::optional<Outcome> prune;
  auto backup = Exec(MakeRun(JobKind::kBackup), [&](ResticProcess& proc, const protocol::JobProgress&) {
    if (prune) return;
    prune = Exec(MakeRun(JobKind::kPrune));  // needs an exclusive lock; the backup holds a shared one
    proc.Cancel(std::chrono::seconds(30));
  });
  ASSERT_TRUE(prune.has_value()) << "no status line arrived before the backup finished";
  EXPECT_EQ(prune->result.status, JobStatus::kFailed);
  EXPECT_EQ(prune->result.error_kind, ErrorKind::kRepositoryLocked) << prune->result.error.value_or("");
  EXPECT_EQ(backup.result.status, JobStatus::kCancelled);
  EXPECT_TRUE(fs::is_empty(repo_ / "locks"));
}

TEST_F(ResticReal, RestoreIsByteIdentical) {
  Init();
  const std::string id = Backup();
  auto run = MakeRun(JobKind::kRestore);
  const fs::path target = root_ / "restored";
  const std::string file = (src_ / "sub" / "b.bin").string();
  run.options.restore = protocol::RestoreOptions{id, {file}, target.string()};
  MustSucceed(run);
  const fs::path restored = target / fs::path(file).relative_path();
  ASSERT_TRUE(fs::exists(restored)) << restored;
  EXPECT_EQ(ReadFile(restored), ReadFile(file));
  EXPECT_FALSE(fs::exists(target / (src_ / "a.txt").relative_path())) << "include ignored";
}

TEST_F(ResticReal, ForgetKeepLastRemovesOlderSnapshots) {
  Init();
  Backup();
  WriteFile(src_ / "c.txt", "second");
  Backup();
  WriteFile(src_ / "d.txt", "third");
  Backup();
  const auto before = SnapshotIds();
  ASSERT_EQ(before.size(), 3u);
  auto run = MakeRun(JobKind::kForget);
  run.retention = protocol::Retention{};
  run.retention->keep_last = 1;
  auto o = MustSucceed(run);
  EXPECT_EQ(o.json_lines.size(), 1u) << "forget --json prints one array";
  const auto after = SnapshotIds();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0], before[2]);
}

TEST_F(ResticReal, MaintenanceKindsRun) {
  Init();
  Backup();
  MustSucceed(MakeRun(JobKind::kCheck));
  auto check = MakeRun(JobKind::kCheck);
  check.options.check = protocol::CheckOptions{std::string("1/2")};
  MustSucceed(check);
  MustSucceed(MakeRun(JobKind::kPrune));
  MustSucceed(MakeRun(JobKind::kUnlock));
  EXPECT_EQ(SnapshotIds().size(), 1u);
}

TEST_F(ResticReal, LsListsSnapshotDirectory) {
  Init();
  const std::string id = Backup();
  auto inv = BuildLsCommand(MakeRun(JobKind::kLs).repository, id, src_.string(), config_);
  ASSERT_TRUE(inv.ok());
  std::vector<std::string> lines;
  auto p =
      ResticProcess::Start(*inv, schema::Secret("correct horse"), [&](LogStream s, std::string_view line) {
        if (s == LogStream::kStdout) lines.emplace_back(line);
      });
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->Wait().exit_code, 0);
  bool found = false;
  for (const auto& l : lines) found = found || l.find("\"a.txt\"") != std::string::npos;
  EXPECT_TRUE(found);
}

TEST_F(ResticReal, StatsRawDataAndRestoreSizeParse) {
  Init();
  const std::string snapshot = Backup();
  const auto raw = MustSucceed(MakeRun(JobKind::kStats));
  ASSERT_EQ(raw.json_lines.size(), 1u);
  const auto parsed = ParseStatsOutput(raw.json_lines.front());
  ASSERT_TRUE(parsed.ok()) << parsed.error().Describe() << ": " << raw.json_lines.front();
  EXPECT_GT(parsed->total_size, 0u);
  EXPECT_GT(parsed->total_blob_count, 0u);
  EXPECT_EQ(parsed->snapshots_count, 1u);

  auto inv = BuildRestoreSizeCommand(MakeRun(JobKind::kStats).repository, {snapshot}, config_);
  ASSERT_TRUE(inv.ok());
  std::vector<std::string> lines;
  auto process = ResticProcess::Start(
      *inv, schema::Secret(std::string("correct horse")),
      [&](LogStream stream, std::string_view line) {
        if (stream == LogStream::kStdout) lines.emplace_back(line);
      },
      std::size_t{1} << 20);
  ASSERT_TRUE(process.ok());
  ASSERT_EQ((*process)->Wait().exit_code, 0);
  ASSERT_EQ(lines.size(), 1u);
  const auto restore = ParseStatsOutput(lines.front());
  ASSERT_TRUE(restore.ok()) << lines.front();
  EXPECT_EQ(restore->total_size, 13u + 10u);
  EXPECT_EQ(restore->snapshots_count, 1u);
}

}  // namespace
}  // namespace rmgr::agent::runner

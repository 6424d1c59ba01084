#include "agent/executor/executor_test_support.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <random>

#include "agent/runner/restic_process.h"
#include "common/protocol/envelope.h"
#include "common/util/log.h"
#include "common/util/ulid.h"

namespace rmgr::agent::testing {

using protocol::JobKind;
using protocol::JobStatus;

std::vector<std::string> Recorder::Frames() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> frames;
  frames.reserve(payloads_.size());
  for (const auto& p : payloads_) frames.push_back(protocol::Encode(protocol::Envelope{"", p}));
  return frames;
}

void ExecutorTest::SetUp() {
  if (::access(kResticBinary.c_str(), X_OK) != 0)
    GTEST_SKIP() << "restic is not installed at " << kResticBinary;
  std::string tmpl = (fs::temp_directory_path() / "rmgr-executor-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  root_ = tmpl;
  repo_ = root_ / "repo";
  src_ = root_ / "src";
  WriteFile(src_ / "a.txt", "hello restic\n");
  WriteFile(src_ / "sub" / "b.bin", std::string("\x00\x01\x02binary\xff", 10));
  options_.restic.restic_binary = kResticBinary;
  options_.restic.state_dir = (root_ / "state").string();
  options_.policy.restore_root = root_;  // the tests restore below their own directory
  options_.restic.progress_fps = 2;
  // As the agent does: flags by the version of the restic under test (0.14 or 0.18).
  options_.restic.features =
      runner::FeaturesOf(runner::ParseResticVersion(test_support::ResticVersionLine()));
  options_.restic.retry_lock = std::chrono::seconds(1);
  options_.restic.base_env = {"PATH=/usr/bin:/bin", "HOME=" + root_.string(), "TMPDIR=" + root_.string()};
  options_.progress_interval = std::chrono::milliseconds{100};
  options_.log_flush_interval = std::chrono::milliseconds{100};
  options_.locked_retry_delay = std::chrono::milliseconds{200};
  auto outbox = Outbox::Open(root_ / "state");
  ASSERT_TRUE(outbox.ok()) << outbox.error().Describe();
  outbox_ = std::move(outbox).value();
  sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(agent_log_);
  Logger("executor")->sinks().push_back(sink_);
}

void ExecutorTest::TearDown() {
  executor_.reset();  // Shutdown: every worker has ended
  if (sink_) std::erase(Logger("executor")->sinks(), sink_);
  for (const std::string_view secret : {kPassword, kWrongPassword}) {
    for (const auto& frame : recorded_.Frames()) {
      EXPECT_EQ(frame.find(secret), std::string::npos) << "password in a frame: " << frame.substr(0, 300);
    }
    EXPECT_EQ(agent_log_.str().find(secret), std::string::npos) << "password in the agent log";
  }
  if (root_.empty()) return;
  std::error_code ec;
  fs::remove_all(root_, ec);
}

JobExecutor& ExecutorTest::executor() {
  if (!executor_) executor_ = std::make_unique<JobExecutor>(*outbox_, recorded_.emit(), options_);
  return *executor_;
}

protocol::CommandRun ExecutorTest::MakeRun(JobKind kind, std::string_view password) const {
  protocol::CommandRun run;
  run.job_id = NewUlid();
  run.kind = kind;
  run.repository.id = NewUlid();
  run.repository.url = repo_.string();
  run.repository.password = schema::Secret(std::string(password));
  run.source_group = protocol::SourceGroup{NewUlid(), "src", {src_.string()}, {}, {}};
  return run;
}

std::optional<protocol::JobResult> ExecutorTest::WaitResult(const std::string& job_id,
                                                            std::chrono::seconds timeout) {
  return recorded_.WaitFor<protocol::JobResult>([&](const auto& r) { return r.job_id == job_id; }, timeout);
}

std::optional<protocol::JobProgress> ExecutorTest::WaitProgress(const std::string& job_id) {
  return recorded_.WaitFor<protocol::JobProgress>([&](const auto& p) { return p.job_id == job_id; });
}

protocol::JobResult ExecutorTest::RunToEnd(protocol::CommandRun run) {
  const std::string id = run.job_id;
  EXPECT_TRUE(executor().Run(std::move(run)));
  auto result = WaitResult(id);
  EXPECT_TRUE(result.has_value()) << "no job.result for " << id;
  return result.value_or(protocol::JobResult{});
}

protocol::JobResult ExecutorTest::MustSucceed(protocol::CommandRun run) {
  const auto kind = run.kind;
  auto result = RunToEnd(std::move(run));
  EXPECT_EQ(result.status, JobStatus::kSucceeded)
      << protocol::ToString(kind) << ": " << result.error.value_or("") << " (exit "
      << result.exit_code.value_or(-1) << ")";
  return result;
}

void ExecutorTest::Init() {
  MustSucceed(MakeRun(JobKind::kInit));
}

std::string ExecutorTest::Backup() {
  const auto result = MustSucceed(MakeRun(JobKind::kBackup));
  EXPECT_TRUE(result.snapshot_id.has_value());
  return result.snapshot_id.value_or("");
}

std::vector<protocol::LogLine> ExecutorTest::LogLines(const std::string& job_id) const {
  auto batches = recorded_.All<protocol::JobLog>();
  std::erase_if(batches, [&](const auto& b) { return b.job_id != job_id; });
  std::vector<protocol::LogLine> lines;
  for (const auto& batch : batches) {
    EXPECT_EQ(batch.first_seq, lines.size()) << "job.log batches are not continuous";
    EXPECT_FALSE(batch.lines.empty());
    lines.insert(lines.end(), batch.lines.begin(), batch.lines.end());
  }
  return lines;
}

bool ExecutorTest::Logged(const std::string& job_id, std::string_view text) const {
  const auto lines = LogLines(job_id);
  return std::any_of(lines.begin(), lines.end(),
                     [&](const auto& l) { return l.text.find(text) != std::string::npos; });
}

std::vector<std::string> ExecutorTest::Restic(const std::vector<std::string>& args) const {
  runner::ResticInvocation inv;
  inv.argv = {kResticBinary};
  inv.argv.insert(inv.argv.end(), args.begin(), args.end());
  inv.argv.insert(inv.argv.end(), {"--password-file", "/dev/fd/3"});
  inv.env = {"PATH=/usr/bin:/bin", "HOME=" + root_.string(), "RESTIC_REPOSITORY=" + repo_.string(),
             "RESTIC_CACHE_DIR=" + (root_ / "state" / "cache").string()};
  std::vector<std::string> lines;
  auto process = runner::ResticProcess::Start(
      inv, schema::Secret(std::string(kPassword)),
      [&](protocol::LogStream stream, std::string_view line) {
        if (stream == protocol::LogStream::kStdout) lines.emplace_back(line);
      },
      std::size_t{16} << 20);
  EXPECT_TRUE(process.ok());
  if (!process.ok()) return lines;
  EXPECT_EQ((*process)->Wait().exit_code, 0) << "restic " << args.front();
  return lines;
}

std::vector<std::string> ExecutorTest::SnapshotIds() const {
  const auto lines = Restic({"snapshots", "--json"});
  std::vector<std::string> ids;
  if (lines.empty()) return ids;
  const boost::json::value list = boost::json::parse(lines.front());
  for (const auto& s : list.as_array()) {
    ids.emplace_back(s.as_object().at("id").as_string());
  }
  return ids;
}

std::vector<std::string> ExecutorTest::Locks() const {
  return Restic({"list", "locks", "--no-lock"});
}

void ExecutorTest::WriteBigTree() const {
  std::mt19937_64 rng(42);
  std::vector<uint64_t> block(std::size_t{1} << 17);  // 1 MiB
  for (int f = 0; f < 8; ++f) {
    std::ofstream out(src_ / ("big" + std::to_string(f) + ".bin"), std::ios::binary);
    for (int mb = 0; mb < 25; ++mb) {
      for (auto& w : block) w = rng();
      out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(block.size() * 8));
    }
  }
}

void ExecutorTest::UseFakeRestic(const std::string& script) {
  const fs::path fake = root_ / "fake-restic";
  WriteFile(fake, script);
  fs::permissions(fake, fs::perms::owner_all);
  options_.restic.restic_binary = fake.string();
  options_.restic.features = {};  // the fake speaks as restic 0.14 does
  options_.restic.base_env.push_back("FAKE_CALLS=" + (root_ / "calls").string());
}

}  // namespace rmgr::agent::testing
